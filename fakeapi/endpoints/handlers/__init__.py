"""Verb handlers (k8s.io/apiserver/pkg/endpoints/handlers): decode, call the storage, encode."""
