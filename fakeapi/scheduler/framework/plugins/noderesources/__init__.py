"""NodeResourcesFit (pkg/scheduler/framework/plugins/noderesources): requests against allocatable, and the LeastAllocated score."""
