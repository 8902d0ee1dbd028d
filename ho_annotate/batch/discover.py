"""Find radiographs under the input paths, and every reader's sidecar for each.

Each folder is listed once, for its images, whether each is a link and the sidecars beside
them (not once per image), which keeps discovery linear on folders with tens of thousands of
files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path

from ho_annotate.annotations.naming import DICOM_SUFFIXES, READER_PATTERN, image_stem
from ho_annotate.annotations.naming import REFERENCE_READER as REFERENCE
from ho_annotate.annotations.naming import SUFFIX as SIDECAR_SUFFIX
from ho_annotate.dicom import has_dicom_marker
from ho_annotate.errors import HoAnnotateError
from ho_annotate.files.walk import SKIP_SUFFIXES, walk_folders

_SUFFIX_LEN = len(SIDECAR_SUFFIX)


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
        self._valid_readers: dict[str, bool] = {}

    def _fill(self, folder: str, names: Iterable[str]) -> dict[str, dict[str, str]]:
        """Index the sidecars among ``names``, the entries of ``folder``."""
        known: dict[str, dict[str, str]] = {}
        valid = self._valid_readers
        base = "" if folder == "." else os.path.join(folder, "")  # as Path's /, joined once
        for name in names:
            if not name.endswith(SIDECAR_SUFFIX):
                continue
            dot = name.rfind(".", 0, len(name) - _SUFFIX_LEN)
            if dot < 0:
                continue
            reader = name[dot + 1 : len(name) - _SUFFIX_LEN]
            ok = valid.get(reader)
            if ok is None:  # reader names repeat: match each once
                ok = valid[reader] = READER_PATTERN.fullmatch(reader) is not None
            if ok:
                known.setdefault(name[:dot], {})[reader] = base + name
        self._folders[folder] = known
        return known

    def _folder(self, folder: str) -> dict[str, dict[str, str]]:
        """The sidecars in ``folder`` (a path as ``str(Path(...))`` writes it) by image stem."""
        known = self._folders.get(folder)
        if known is None:
            try:
                names = os.listdir(folder)
            except OSError:
                names = []
            known = self._fill(folder, names)
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


#: ``(name relative to the folder given, resolved file, its folder, its image stem)``: one
#: radiograph found (its sidecars are in that folder unless an annotations folder is given).
_Found = tuple[str, str, str, str]


def _resolved(file: str, real_dirs: dict[str, str]) -> str:
    """``str(Path(file).resolve())``, resolving each folder once (not once per file in it)."""
    if os.path.islink(file):
        return str(Path(file).resolve())
    folder, name = os.path.split(file)
    real = real_dirs.get(folder)
    if real is None:
        real = real_dirs[folder] = os.path.realpath(folder)
    return os.path.join(real, name)


def _listed(root: Path, index: SidecarIndex | None) -> list[_Found]:
    """The DICOM files under ``root`` (as ``looks_like_dicom`` tells), in ``Path`` order (by
    name parts). One listing per folder gives the files, whether each is a link and, into
    ``index`` when the sidecars sit beside the images, the folder's sidecars."""
    top = str(root)
    skip = len(os.path.join(top, ""))
    found: list[_Found] = []
    for folder, real, entries, files in walk_folders(top):
        if index is not None and real not in index._folders:
            index._fill(real, [e.name for e in entries])
        base = os.path.join(real, "")  # os.path.join(real, name), joined once
        rel_dir = folder[skip:] + "/" if folder != top else ""
        if os.sep != "/" and rel_dir:
            rel_dir = Path(rel_dir).as_posix() + "/"
        for entry in files:
            name = entry.name  # not hidden: the walk skips those
            dot = name.rfind(".")
            suffix = name[dot:].lower() if 0 < dot < len(name) - 1 else ""
            if suffix in DICOM_SUFFIXES:
                stem = name[:dot]
            elif suffix in SKIP_SUFFIXES or not has_dicom_marker(Path(entry.path)):
                continue
            else:
                stem = name
            try:
                link = entry.is_symlink()
            except OSError:  # as os.path.islink
                link = False
            if link:
                file = str(Path(entry.path).resolve())
                found.append((rel_dir + name, file, os.path.dirname(file), image_stem(file)))
            else:
                found.append((rel_dir + name, base + name, real, stem))
    # "\0" sorts before any character a name can hold: the order of the name parts
    found.sort(key=lambda f: f[0].replace("/", "\0"))
    return found


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
    index = SidecarIndex()
    beside = index if notes_dir is None else None
    found: dict[str, tuple[str, str, str]] = {}  # resolved file: (name, sidecar folder, stem)
    for given in map(Path, paths):
        if given.is_dir():
            root, files = given, _listed(given, beside)
        elif given.is_file():
            file = _resolved(str(given), {})
            root = given.parent
            files = [(given.name, file, os.path.dirname(file), image_stem(file))]
        else:
            raise HoAnnotateError(f"{given}: no such file or folder")
        prefix = f"{root.resolve().name}/" if len(paths) > 1 else ""
        for rel, file, folder, stem in files:
            if file not in found:
                found[file] = (prefix + rel, folder, stem)
    notes = index._folder(str(notes_dir)) if notes_dir is not None else None
    rows = []
    for file, (name, folder, stem) in found.items():
        sidecars = (notes if notes is not None else index._folder(folder)).get(stem)
        if not sidecars:
            readers: tuple[tuple[str, str], ...] = ()
        elif include_reference or REFERENCE not in sidecars:
            readers = tuple(sorted(sidecars.items()))
        else:
            readers = tuple(sorted((r, p) for r, p in sidecars.items() if r != REFERENCE))
        rows.append((name, file, readers))
    rows.sort(key=itemgetter(0))  # stable: a name found twice keeps the first found first
    return [ImageTask(file, name, readers) for name, file, readers in rows]
