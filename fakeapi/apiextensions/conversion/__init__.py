"""Converting custom resources between the versions of their CRD (apiextensions-apiserver/pkg/apiserver/conversion).

``converter`` picks the converter of a CRD's ``spec.conversion.strategy``: ``None`` rewrites
``apiVersion`` (nop_converter.go); ``Webhook`` (``webhook_converter``, imported only for CRDs that
ask for it) sends a ConversionReview to the CRD's webhook.
"""
