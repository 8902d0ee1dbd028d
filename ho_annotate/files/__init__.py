"""Files on disk: one atomic write and one DICOM file walker for the whole project."""

from __future__ import annotations

from ho_annotate.files.atomic import atomic_path, atomic_write
from ho_annotate.files.walk import dicom_files, is_dicom_file, looks_like_dicom, walk_files

__all__ = [
    "atomic_path",
    "atomic_write",
    "dicom_files",
    "is_dicom_file",
    "looks_like_dicom",
    "walk_files",
]
