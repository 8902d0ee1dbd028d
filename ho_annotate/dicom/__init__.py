"""DICOM reading for projection radiographs, one job per module.

``reading`` opens and vets a file, ``lut`` computes the modality range and the display window,
``pixels`` runs the pixel pipeline. ``ho_annotate.radiograph`` is the public face.
"""
