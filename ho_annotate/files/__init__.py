"""Files on disk: one atomic write, one DICOM file walker, one lock for shared state files and
one bounded read of a regular file, for the whole project."""

from __future__ import annotations

from ho_annotate.files.atomic import atomic_path, atomic_write
from ho_annotate.files.lock import LockTimeoutError, lock_path, locked
from ho_annotate.files.regular import read_regular
from ho_annotate.files.walk import dicom_files, is_dicom_file, looks_like_dicom, walk_files

__all__ = [
    "LockTimeoutError",
    "atomic_path",
    "atomic_write",
    "dicom_files",
    "is_dicom_file",
    "lock_path",
    "locked",
    "looks_like_dicom",
    "read_regular",
    "walk_files",
]
