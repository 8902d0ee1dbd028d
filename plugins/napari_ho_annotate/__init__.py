"""napari plugin for ho-annotate: a thin adapter over the headless core."""
