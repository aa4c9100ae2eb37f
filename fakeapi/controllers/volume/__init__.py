"""Volume controllers (pkg/controller/volume): the PersistentVolume binder and the helpers it shares with the scheduler."""
