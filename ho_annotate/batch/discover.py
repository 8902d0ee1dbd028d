"""Find radiographs under the input paths, and every reader's sidecar for each.

Directories are listed once each (not once per image), which keeps discovery linear on
folders with tens of thousands of files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ho_annotate.annotations.store import SUFFIX as SIDECAR_SUFFIX
from ho_annotate.annotations.store import image_stem, reader_from_path
from ho_annotate.dicom import has_dicom_marker
from ho_annotate.errors import HoAnnotateError

DICOM_SUFFIXES = frozenset({".dcm", ".dicom", ".dic", ".ima"})
#: Files that are certainly not radiographs; others without a DICOM suffix are sniffed.
SKIP_SUFFIXES = frozenset(
    {".json", ".csv", ".parquet", ".txt", ".md", ".png", ".jpg", ".jpeg", ".bak", ".tmp",
     ".partial", ".py", ".yaml", ".yml", ".toml", ".html", ".pdf", ".zip", ".gz"}
)  # fmt: skip


@dataclass(frozen=True)
class ImageTask:
    """One radiograph to measure: its file, its name in the output and its sidecars."""

    path: str
    image: str
    sidecars: tuple[tuple[str, str], ...] = field(default=())  # (reader, path), by reader


def _is_dicom(path: Path) -> bool:
    if path.suffix.lower() in DICOM_SUFFIXES:
        return True
    if path.suffix.lower() in SKIP_SUFFIXES or path.name.startswith("."):
        return False
    return has_dicom_marker(path)


def _walk(root: Path) -> Iterable[Path]:
    # each folder with the real paths of its ancestors: a symlink back up the tree must not loop
    stack = [(root, frozenset({os.path.realpath(root)}))]
    while stack:
        current, ancestors = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError as exc:
            raise HoAnnotateError(
                f"{current}: cannot list this folder ({exc.strerror}); "
                "check its permissions or leave it out"
            ) from exc
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = not is_dir and entry.is_file(follow_symlinks=True)
            except OSError:  # a symlink to itself: skipped like a broken one
                continue
            if is_dir:
                real = os.path.realpath(entry.path)
                if real not in ancestors:
                    stack.append((Path(entry.path), ancestors | {real}))
            elif is_file:
                yield Path(entry.path)


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


def discover(
    paths: Sequence[str | Path], annotations_dir: str | Path | None = None
) -> list[ImageTask]:
    """Radiographs under ``paths`` (files or folders), sorted by their output name.

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
            root, files = given, sorted(p for p in _walk(given) if _is_dicom(p))
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
        ImageTask(str(file), name, tuple(sorted(index.find(file, notes_dir).items())))
        for file, name in found.items()
    ]
    return sorted(tasks, key=lambda t: t.image)
