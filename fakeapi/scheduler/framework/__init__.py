"""The scheduling framework (pkg/scheduler/framework): node snapshots, plugin statuses and the fit error."""
