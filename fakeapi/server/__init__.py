"""The master server: storage factory, resource config, handler chain, HTTPS serving, assembly."""
