"""apiregistration.k8s.io: APIServices, as kube-aggregator serves them."""
