"""API machinery: errors, field errors, group/version/kind names, selectors, patches, schemas."""
