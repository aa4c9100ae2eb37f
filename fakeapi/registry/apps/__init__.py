"""Strategies of apps resources whose behaviour differs from the generic one (pkg/registry/apps/*)."""
