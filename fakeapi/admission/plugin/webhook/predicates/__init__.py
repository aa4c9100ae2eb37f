"""Which requests an admission webhook or policy applies to (apiserver/pkg/admission/plugin/webhook/predicates).

Shared by the webhook dispatchers and the admission policies' matching, as upstream's
policy/matching reuses these predicates.
"""
