"""WithAuditInit: every response carries an Audit-Id header, as a real server's do."""

from __future__ import annotations

import uuid

from fakeapi.endpoints.http import Handler, Request, ResponseWriter, ResponseWriterWrapper


class _AuditIDWriter(ResponseWriterWrapper):
    def __init__(self, inner: ResponseWriter, audit_id: str) -> None:
        super().__init__(inner)
        self._audit_id = audit_id

    def write_head(self, status: int, headers: list[tuple[str, str]]) -> None:
        self._inner.write_head(status, [("Audit-Id", self._audit_id), *headers])


def with_audit_id(handler: Handler) -> Handler:
    def audit(req: Request, w: ResponseWriter) -> None:
        audit_id = req.headers.get("Audit-Id") or str(uuid.uuid4())
        req.audit_id = audit_id
        handler(req, _AuditIDWriter(w, audit_id))

    return audit
