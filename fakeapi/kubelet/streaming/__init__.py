"""The kubelet's streaming server (pkg/kubelet/cri/streaming): exec, attach and port-forward over WebSocket and SPDY."""
