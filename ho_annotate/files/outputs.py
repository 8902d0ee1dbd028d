"""Where commands may write, and how: never over an input, always atomically.

Rules (see ``docs/safety.md``): a command never writes over a DICOM file or an annotation
sidecar, whatever options it is given; it replaces another existing file only when the user
said so (``--overwrite``); and every file it writes appears whole or not at all (a temporary
file in the same folder, flushed, synced and renamed over the target), so a full disk or an
interruption leaves the previous file as it was.
"""

from __future__ import annotations

import errno
import stat
from pathlib import Path

from ho_annotate.annotations.naming import BACKUP_SUFFIX, DICOM_SUFFIXES, SUFFIX
from ho_annotate.dicom import has_dicom_marker
from ho_annotate.errors import HoAnnotateError

#: Suffixes of the annotation files this tool keeps (sidecars and their backups).
SIDECAR_SUFFIXES = (SUFFIX, SUFFIX + BACKUP_SUFFIX)


class OutputRefusedError(HoAnnotateError):
    """A command was asked to write over a file it must not replace."""


def _existing_dicom(path: Path) -> bool:
    """An existing file named like DICOM or carrying the DICM marker."""
    return path.exists() and (path.suffix.lower() in DICOM_SUFFIXES or has_dicom_marker(path))


def is_sidecar(path: Path) -> bool:
    """True when ``path`` is named like an annotation sidecar or its backup."""
    return path.name.lower().endswith(SIDECAR_SUFFIXES)


def refuse_input(path: Path, what: str = "output") -> None:
    """Refuse ``path`` as an output when it is (or is named like) a DICOM file or sidecar."""
    if is_sidecar(path):
        raise OutputRefusedError(
            f"{path}: is an annotation sidecar; ho-annotate never writes a {what} over "
            "annotations (choose another file name)"
        )
    if _existing_dicom(path):
        raise OutputRefusedError(
            f"{path}: is a DICOM file; ho-annotate never writes a {what} over a radiograph "
            "(choose another file name)"
        )


def check_output_file(path: Path, *, overwrite: bool = False, what: str = "output") -> None:
    """Refuse an output file that is an input, a folder, not a regular file, or exists.

    An existing regular file that is not an input is replaced only with ``overwrite``.
    """
    refuse_input(path, what)
    if not path.parent.is_dir():
        raise HoAnnotateError(f"{path}: the folder {path.parent} does not exist")
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        raise HoAnnotateError(f"{path}: is a folder; give a file name for the {what}")
    if not stat.S_ISREG(mode):
        raise OutputRefusedError(f"{path}: is not a regular file; give a file name for the {what}")
    if not overwrite:
        raise OutputRefusedError(
            f"{path}: already exists; pass --overwrite to replace it (or choose another name)"
        )


def check_output_dir(path: Path, what: str = "output") -> None:
    """Refuse an output folder that exists as something other than a folder."""
    if path.exists() and not path.is_dir():
        raise OutputRefusedError(
            f"{path}: exists and is not a folder; give a folder for the {what}"
        )


def describe_os_error(exc: OSError) -> str:
    """One line for a failed file operation: the file, the reason and what to do."""
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or str(exc) or type(exc).__name__
    hint = {
        errno.ENOSPC: "the disk is full; nothing was replaced, free some space and retry",
        errno.EFBIG: "the file grew past the allowed size; nothing was replaced",
        errno.EACCES: "no permission to write there; choose a folder you can write to",
        errno.EPERM: "no permission to write there; choose a folder you can write to",
        errno.EROFS: "the file system is read-only; choose another folder",
        errno.EDQUOT: "the disk quota is exhausted; nothing was replaced",
    }.get(exc.errno or 0)
    return f"{where}{reason}" + (f" ({hint})" if hint else "")
