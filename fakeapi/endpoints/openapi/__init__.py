"""OpenAPI v2 and v3 documents of the served API (kube-openapi's handler, handler3 and builders).

:class:`~fakeapi.endpoints.openapi.openapi.OpenAPI` serves ``/openapi/v2`` (JSON, or gnostic
protobuf as client-go asks) and ``/openapi/v3`` (an index and one document per group-version),
built on demand from the installed group-versions and the kinds' schemas.
"""
