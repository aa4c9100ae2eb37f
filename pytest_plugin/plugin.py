"""Fixtures of the fakeapi pytest plugin (filled in below)."""
