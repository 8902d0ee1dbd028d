"""Write an export as a new file: never over the source image, a sidecar or any existing file."""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

from pydicom.dataset import Dataset

from ho_annotate.files.atomic import atomic_write
from ho_annotate.files.outputs import OutputRefusedError, refuse_input

__all__ = ["check_new_file", "encode", "write_new"]


def check_new_file(path: str | os.PathLike[str], what: str = "DICOM export") -> Path:
    """Refuse ``path`` unless it is a new file in an existing folder."""
    out = Path(path)
    if out.exists() or out.is_symlink():
        raise OutputRefusedError(
            f"{out}: already exists; a {what} is a new DICOM instance and never replaces a file "
            "(choose another name)"
        )
    refuse_input(out, what)
    if not out.parent.is_dir():
        raise OutputRefusedError(f"{out}: the folder {out.parent} does not exist")
    return out


def encode(ds: Dataset) -> bytes:
    """A dataset as DICOM Part 10 file bytes."""
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def write_new(ds: Dataset, path: str | os.PathLike[str], what: str = "DICOM export") -> Path:
    """Write ``ds`` atomically to ``path``, which must not exist yet."""
    out = check_new_file(path, what)
    data = encode(ds)
    check_new_file(out, what)  # again, just before the rename: the encoding took a while
    atomic_write(out, data, 0o644)
    return out
