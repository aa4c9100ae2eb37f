"""Strategies of batch resources whose behaviour differs from the generic one (pkg/registry/batch/*)."""
