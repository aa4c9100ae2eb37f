"""The authentication.k8s.io registry: TokenReview, SelfSubjectReview and ServiceAccount TokenRequests."""
