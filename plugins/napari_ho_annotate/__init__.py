"""napari plugin for ho-annotate: a thin adapter over the headless core.

The manifest (``napari.yaml``) contributes a DICOM reader, a sidecar writer, the HO workbench
dock widget, sample data and two layer-menu commands. Qt code lives in ``_qt``.
"""
