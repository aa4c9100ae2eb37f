"""The autoscaling group: one HorizontalPodAutoscaler storage for v1 and v2 (pkg/apis/autoscaling, pkg/registry/autoscaling)."""
