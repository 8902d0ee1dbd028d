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
from ho_annotate.files.walk import looks_like_dicom, walk_files


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
        self._folders: dict[Path, dict[str, dict[str, str]]] = {}

    def _folder(self, folder: Path) -> dict[str, dict[str, str]]:
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
                    known.setdefault(stem, {})[reader] = str(folder / name)
            self._folders[folder] = known
        return known

    def find(self, image: Path, annotations_dir: Path | None = None) -> dict[str, str]:
        folder = annotations_dir if annotations_dir is not None else image.parent
        return dict(self._folder(folder).get(image_stem(image), {}))


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
    found: dict[Path, str] = {}
    for given in map(Path, paths):
        if given.is_dir():
            root, files = given, sorted(p for p in walk_files(given) if looks_like_dicom(p))
        elif given.is_file():
            root, files = given.parent, [given]
        else:
            raise HoAnnotateError(f"{given}: no such file or folder")
        prefix = f"{root.resolve().name}/" if len(paths) > 1 else ""
        for file in files:
            name = prefix + file.relative_to(root).as_posix()
            found.setdefault(file.resolve(), name)
    index = SidecarIndex()
    tasks = [
        ImageTask(str(file), name, _readers(index.find(file, notes_dir), include_reference))
        for file, name in found.items()
    ]
    return sorted(tasks, key=lambda t: t.image)
