"""Admission webhooks (k8s.io/apiserver/pkg/admission/plugin/webhook): the dispatchers, AdmissionReview and the
predicates shared with admission policies. A server imports none of it until the first configuration is stored.
"""
