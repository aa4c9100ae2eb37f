"""The in-tree plugins of the default profile that decide where a pod fits (pkg/scheduler/framework/plugins)."""
