"""Structural schemas of custom resources: validation, pruning, defaulting, list types, embedded objects.

Mirrors apiextensions-apiserver/pkg/apiserver/schema and the kube-openapi validator it uses.
"""
