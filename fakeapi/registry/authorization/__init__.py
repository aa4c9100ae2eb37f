"""The authorization.k8s.io registry: the four access reviews, answered by the server's authorizer."""
