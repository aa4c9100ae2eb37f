"""A scheduler (pkg/scheduler): binds pending pods to nodes that fit, through the binding subresource.

Imported only when the ``scheduler`` controller is enabled.
"""
