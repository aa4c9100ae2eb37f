"""What a test needs from a server beyond the API: recorders, levers and in-process clients.

Nothing here has an upstream counterpart; kube-apiserver's audit log is the nearest model for
the request log. The modules import their optional dependencies (``responses``, ``httpx``,
``faker``) themselves, so importing this package costs nothing.
"""
