"""Pod Security admission: the Pod Security Standards enforced, audited and warned about per
namespace (k8s.io/pod-security-admission). ``api`` reads a namespace's policy, ``checks`` holds
the standards' checks (imported on the first namespace that is not privileged), ``admission``
is the plugin."""
