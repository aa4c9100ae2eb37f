"""The CEL side of the admission plugins (k8s.io/apiserver/pkg/admission/plugin/cel): the admission environment, composited variables, mutation literals."""
