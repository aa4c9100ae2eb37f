"""AdmissionReview requests and responses (k8s.io/apiserver/pkg/admission/plugin/webhook/request)."""
