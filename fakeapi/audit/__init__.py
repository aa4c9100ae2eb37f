"""kube-apiserver's audit logging (k8s.io/apiserver/pkg/audit and plugin/pkg/audit/log).

The audit policy (``--audit-policy-file``) decides for each request at which level it is
audited and which stages are left out; the log backend (``--audit-log-path``) writes each event
as one ``audit.k8s.io/v1`` Event in JSON per line. The requests come from the in-memory audit
log's filter (``fakeapi.server.filters.audit``), which records every request for tests as well.
"""
