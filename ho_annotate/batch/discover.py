"""Find radiographs under the input paths, and every reader's sidecar for each.

Directories are listed once each (not once per image), which keeps discovery linear on
folders with tens of thousands of files.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ho_annotate.annotations.naming import REFERENCE_READER as REFERENCE
from ho_annotate.annotations.naming import SUFFIX as SIDECAR_SUFFIX
from ho_annotate.annotations.naming import image_stem, reader_from_path
from ho_annotate.errors import HoAnnotateError
from ho_annotate.files.walk import looks_like_dicom, walk_file_names


@dataclass(frozen=True)
class ImageTask:
    """One radiograph to measure: its file, its name in the output and its sidecars."""

    path: str
    image: str
    sidecars: tuple[tuple[str, str], ...] = field(default=())  # (reader, path), by reader


class SidecarIndex:
    """``<image stem>.<reader>.ho.json`` files by folder, each folder listed once

    (``ho_annotate.annotations.store.find_sidecars`` lists the folder for every image).
    """

    def __init__(self) -> None:
        self._folders: dict[str, dict[str, dict[str, str]]] = {}

    def _folder(self, folder: str) -> dict[str, dict[str, str]]:
        """The sidecars in ``folder`` (a path as ``str(Path(...))`` writes it) by image stem."""
        known = self._folders.get(folder)
        if known is None:
            known = {}
            try:
                names = os.listdir(folder)
            except OSError:
                names = []
            for name in names:
                reader = reader_from_path(name) if name.endswith(SIDECAR_SUFFIX) else None
                if reader is not None:
                    stem = name[: -len(SIDECAR_SUFFIX) - len(reader) - 1]
                    path = name if folder == "." else os.path.join(folder, name)  # as Path's /
                    known.setdefault(stem, {})[reader] = path
            self._folders[folder] = known
        return known

    def find(self, image: str | Path, annotations_dir: Path | None = None) -> dict[str, str]:
        """The sidecars of ``image`` by reader: beside it, or in ``annotations_dir``."""
        if annotations_dir is not None:
            folder = str(annotations_dir)
        elif isinstance(image, str) and os.path.isabs(image):  # resolved: already normal
            folder = os.path.dirname(image)
        else:
            folder = str(Path(image).parent)
        return dict(self._folder(folder).get(image_stem(image), {}))


def _resolved(file: str, real_dirs: dict[str, str]) -> str:
    """``str(Path(file).resolve())``, resolving each folder once (not once per file in it)."""
    if os.path.islink(file):
        return str(Path(file).resolve())
    folder, name = os.path.split(file)
    real = real_dirs.get(folder)
    if real is None:
        real = real_dirs[folder] = os.path.realpath(folder)
    return os.path.join(real, name)


def _listed(root: Path) -> list[tuple[str, str]]:
    """``(file, name relative to root)`` of the DICOM files under ``root``, in ``Path`` order
    (by name parts), as strings: a ``Path`` per file costs more than listing it."""
    prefix = os.path.join(str(root), "")
    files = []
    for file in walk_file_names(root):
        if looks_like_dicom(file):
            rel = file[len(prefix) :] if file.startswith(prefix) else Path(file).name
            files.append((file, rel if os.sep == "/" else Path(rel).as_posix()))
    return sorted(files, key=lambda f: f[1].split("/"))


def _readers(found: dict[str, str], include_reference: bool) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((r, p) for r, p in found.items() if include_reference or r != REFERENCE))


def discover(
    paths: Sequence[str | Path],
    annotations_dir: str | Path | None = None,
    *,
    include_reference: bool = False,
) -> list[ImageTask]:
    """Radiographs under ``paths`` (files or folders), sorted by their output name.

    A ``reference`` sidecar (the synthetic generator's, a study's consensus) is not a reader's
    and is left out unless ``include_reference``.

    The output name is the path relative to the folder given; with several inputs it is
    prefixed by that folder's name so that names stay unique.
    """
    if not paths:
        raise HoAnnotateError("no input paths: give image files or folders to measure")
    notes_dir = Path(annotations_dir) if annotations_dir is not None else None
    if notes_dir is not None and not notes_dir.is_dir():
        raise HoAnnotateError(f"{notes_dir}: the annotations folder does not exist")
    found: dict[str, str] = {}
    real_dirs: dict[str, str] = {}
    for given in map(Path, paths):
        if given.is_dir():
            root, files = given, _listed(given)
        elif given.is_file():
            root, files = given.parent, [(str(given), given.name)]
        else:
            raise HoAnnotateError(f"{given}: no such file or folder")
        prefix = f"{root.resolve().name}/" if len(paths) > 1 else ""
        for file, rel in files:
            found.setdefault(_resolved(file, real_dirs), prefix + rel)
    index = SidecarIndex()
    tasks = [
        ImageTask(file, name, _readers(index.find(file, notes_dir), include_reference))
        for file, name in found.items()
    ]
    return sorted(tasks, key=lambda t: t.image)
