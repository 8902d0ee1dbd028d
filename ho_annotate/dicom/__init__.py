"""DICOM reading for projection radiographs, one job per module.

``reading`` opens and vets a file, ``lut`` computes the modality range and the display window,
``pixels`` runs the pixel pipeline, ``spacing`` reads the pixel spacing and its kind, ``sides``
decides which hip is which. ``radiograph`` is the public face.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["has_dicom_marker"]


def has_dicom_marker(path: Path) -> bool:
    """Whether the file has the ``DICM`` marker after its 128-byte preamble (unreadable: no).

    Reads 132 bytes and imports nothing heavy, so it can sniff many files or run at plugin load.
    """
    try:
        with path.open("rb") as f:
            head = f.read(132)
    except OSError:
        return False
    return len(head) == 132 and head[128:] == b"DICM"
