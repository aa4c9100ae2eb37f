"""Strategies of the resources whose behaviour differs from the generic one (pkg/registry/core/*)."""
