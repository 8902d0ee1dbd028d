"""Read and write ``STUDY/study.json``: atomically, under a cross-process lock.

Several readers work at once, so every change is a read-modify-write inside the lock
(``update``), under the same cross-process lock as sidecars (``ho_annotate.files.lock``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import msgspec

from ho_annotate.errors import HoAnnotateError
from ho_annotate.files.atomic import atomic_write
from ho_annotate.files.lock import locked
from ho_annotate.study.model import FORMAT, VERSION, Study

__all__ = ["STUDY_FILE", "load_study", "save_new_study", "study_file", "update_study"]

STUDY_FILE = "study.json"
T = TypeVar("T")


def study_file(study: str | Path) -> Path:
    return Path(study) / STUDY_FILE


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold the cross-process lock of ``path`` (the sidecars' lock: a hidden file beside it)."""
    with locked(path, timeout=30.0):
        yield


def _decode(path: Path) -> Study:
    try:
        study = msgspec.json.decode(path.read_bytes(), type=Study)
    except FileNotFoundError as exc:
        raise HoAnnotateError(
            f"{path}: no study here (create one with ho-annotate study create)"
        ) from exc
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise HoAnnotateError(f"{path}: not a valid study file ({exc})") from exc
    if study.format != FORMAT or study.version > VERSION:
        raise HoAnnotateError(
            f"{path}: a study file of format {study.format!r} version {study.version}; this "
            f"ho-annotate reads {FORMAT!r} up to version {VERSION} (update ho-annotate)"
        )
    return study


def _encode(study: Study) -> bytes:
    return msgspec.json.format(msgspec.json.encode(study), indent=2) + b"\n"


def load_study(study: str | Path) -> Study:
    """The study in folder ``study``."""
    return _decode(study_file(study))


def save_new_study(study_dir: str | Path, study: Study) -> Path:
    """Write a new ``study.json``; refuse when one exists."""
    path = study_file(study_dir)
    with _locked(path):
        if path.exists():
            raise HoAnnotateError(f"{path}: a study already exists here; choose another folder")
        atomic_write(path, _encode(study))
    return path


def update_study(study_dir: str | Path, change: Callable[[Study], T]) -> T:
    """Apply ``change`` to the study under the lock and write it back atomically."""
    path = study_file(study_dir)
    with _locked(path):
        study = _decode(path)
        result = change(study)
        atomic_write(path, _encode(study))
    return result
