"""Certificates: an ephemeral PKI, TLS contexts and kubeconfigs for a fake cluster."""
