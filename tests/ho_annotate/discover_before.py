"""Discovery as it was before one listing per folder served it (parallel2 at 95c8206), kept
as the reference ``test_batch_discover_same.py`` compares ``discover`` with."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from ho_annotate.annotations.naming import REFERENCE_READER as REFERENCE
from ho_annotate.annotations.naming import SUFFIX as SIDECAR_SUFFIX
from ho_annotate.annotations.naming import image_stem, reader_from_path
from ho_annotate.batch.discover import ImageTask
from ho_annotate.errors import HoAnnotateError
from ho_annotate.files.walk import looks_like_dicom


def walk_file_names(root: str | os.PathLike[str]) -> Iterator[str]:
    top = os.fspath(root)
    stack = [(top, frozenset({os.path.realpath(top)}))]
    while stack:
        current, ancestors = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError as exc:
            raise HoAnnotateError(f"{Path(current)}: cannot list this folder") from exc
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = not is_dir and entry.is_file(follow_symlinks=True)
            except OSError:
                continue
            if is_dir:
                real = os.path.realpath(entry.path)
                if real not in ancestors:
                    stack.append((entry.path, ancestors | {real}))
            elif is_file:
                yield entry.path


class SidecarIndex:
    def __init__(self) -> None:
        self._folders: dict[str, dict[str, dict[str, str]]] = {}

    def _folder(self, folder: str) -> dict[str, dict[str, str]]:
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
                    path = name if folder == "." else os.path.join(folder, name)
                    known.setdefault(stem, {})[reader] = path
            self._folders[folder] = known
        return known

    def find(self, image: str | Path, annotations_dir: Path | None = None) -> dict[str, str]:
        if annotations_dir is not None:
            folder = str(annotations_dir)
        elif isinstance(image, str) and os.path.isabs(image):
            folder = os.path.dirname(image)
        else:
            folder = str(Path(image).parent)
        return dict(self._folder(folder).get(image_stem(image), {}))


def _resolved(file: str, real_dirs: dict[str, str]) -> str:
    if os.path.islink(file):
        return str(Path(file).resolve())
    folder, name = os.path.split(file)
    real = real_dirs.get(folder)
    if real is None:
        real = real_dirs[folder] = os.path.realpath(folder)
    return os.path.join(real, name)


def _listed(root: Path) -> list[tuple[str, str]]:
    prefix = os.path.join(str(root), "")
    files = []
    for file in walk_file_names(root):
        if looks_like_dicom(file):
            rel = file[len(prefix) :] if file.startswith(prefix) else Path(file).name
            files.append((file, rel if os.sep == "/" else Path(rel).as_posix()))
    return sorted(files, key=lambda f: f[1].split("/"))


def _readers(found: dict[str, str], include_reference: bool) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((r, p) for r, p in found.items() if include_reference or r != REFERENCE))


def discover_before(
    paths: Sequence[str | Path],
    annotations_dir: str | Path | None = None,
    *,
    include_reference: bool = False,
) -> list[ImageTask]:
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
