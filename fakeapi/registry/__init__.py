"""The registry layer: REST storage interfaces, the generic Store and per-resource strategies."""
