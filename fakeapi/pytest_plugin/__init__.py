"""The fakeapi pytest plugin."""
