"""Where sidecars live and what they are called: ``<image stem>.<reader>.ho.json``.

The stem drops a DICOM suffix (``.dcm``, ``.dicom``, ``.dic``, ``.ima``, any case) and keeps every
other name whole, so UID-named files do not collide. Sidecars sit beside the image, or in an
annotations folder given instead (for read-only image folders).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Final

from ho_annotate.errors import SidecarError

__all__ = [
    "BACKUP_SUFFIX",
    "DICOM_SUFFIXES",
    "READER_PATTERN",
    "REFERENCE_READER",
    "SUFFIX",
    "backup_path",
    "check_reader",
    "find_sidecars",
    "image_stem",
    "reader_from_path",
    "sidecar_path",
]

SUFFIX: Final = ".ho.json"
BACKUP_SUFFIX: Final = ".bak"
#: Reader names: letters, digits, ``_`` and ``-`` (no dots, so file names parse back).
READER_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
#: File name suffixes (any case) that mark a DICOM file; image stems drop them.
DICOM_SUFFIXES: Final = frozenset({".dcm", ".dicom", ".dic", ".ima"})
#: The reader of reference annotations (sample data, practice sets, synthetic cases).
REFERENCE_READER: Final = "reference"


def check_reader(reader: str) -> str:
    """Return ``reader`` if it is a valid reader name, else raise ``SidecarError``."""
    if not READER_PATTERN.fullmatch(reader):
        raise SidecarError(
            f"reader name {reader!r} is not allowed: use 1-64 letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    return reader


def _file_name(path: str | os.PathLike[str]) -> str:
    """``Path(path).name`` without building a path (batch runs name thousands of files)."""
    name = os.path.basename(os.fspath(path))
    return name if name not in ("", ".") else Path(path).name  # "a/b/", "a/.": pathlib's


def image_stem(image_path: str | os.PathLike[str]) -> str:
    """The part of an image's file name sidecar names start with."""
    name = _file_name(image_path)
    dot = name.rfind(".")  # pathlib's suffix: not a leading or a trailing dot
    if 0 < dot < len(name) - 1 and name[dot:].lower() in DICOM_SUFFIXES:
        return name[:dot]
    return name


def sidecar_path(
    image_path: str | os.PathLike[str],
    reader: str,
    annotations_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Where ``reader``'s annotations of an image live: ``<stem>.<reader>.ho.json``."""
    folder = Path(annotations_dir) if annotations_dir is not None else Path(image_path).parent
    return folder / f"{image_stem(image_path)}.{check_reader(reader)}{SUFFIX}"


def reader_from_path(path: str | os.PathLike[str]) -> str | None:
    """The reader named in a sidecar's file name, or ``None`` if the name has none."""
    name = _file_name(path)
    if not name.endswith(SUFFIX):
        return None
    parts = name[: -len(SUFFIX)].rsplit(".", 1)
    if len(parts) != 2 or not READER_PATTERN.fullmatch(parts[1]):
        return None
    return parts[1]


def find_sidecars(
    image_path: str | os.PathLike[str], annotations_dir: str | os.PathLike[str] | None = None
) -> dict[str, Path]:
    """Every reader's sidecar for an image, by reader name (sorted)."""
    folder = Path(annotations_dir) if annotations_dir is not None else Path(image_path).parent
    prefix = image_stem(image_path) + "."
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for entry in folder.iterdir():
        name = entry.name
        if name.startswith(prefix) and name.endswith(SUFFIX):
            reader = name[len(prefix) : -len(SUFFIX)]
            if READER_PATTERN.fullmatch(reader) and entry.is_file():
                found[reader] = entry
    return dict(sorted(found.items()))


def backup_path(path: str | os.PathLike[str]) -> Path:
    """Where the previous version of a sidecar is kept."""
    p = Path(path)
    return p.with_name(p.name + BACKUP_SUFFIX)
