"""Annotations: the model of one reader's reading of one image, and its sidecar file."""
