"""Calling webhooks as kube-apiserver does (k8s.io/apiserver/pkg/util/webhook).

``client`` is the ClientManager and its REST client: one HTTPS client per webhook client
configuration (``url`` or ``service``, ``caBundle``), Go's error texts; ``serviceresolver`` turns a
Service reference into an address; ``error`` holds the two errors the dispatchers tell apart.
"""
