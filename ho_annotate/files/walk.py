"""Find DICOM files: one walker for batch runs, practice sets, the plugin and the CLI."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from ho_annotate.annotations.naming import DICOM_SUFFIXES
from ho_annotate.dicom import has_dicom_marker
from ho_annotate.errors import HoAnnotateError

__all__ = [
    "SKIP_SUFFIXES",
    "dicom_files",
    "is_dicom_file",
    "looks_like_dicom",
    "walk_file_names",
    "walk_files",
    "walk_folders",
]

#: Files that are certainly not radiographs; others without a DICOM suffix are sniffed.
SKIP_SUFFIXES = frozenset(
    {".json", ".csv", ".parquet", ".txt", ".md", ".png", ".jpg", ".jpeg", ".bak", ".tmp",
     ".partial", ".py", ".yaml", ".yml", ".toml", ".html", ".pdf", ".zip", ".gz"}
)  # fmt: skip


def _suffix(name: str) -> str:
    """``PurePath(name).suffix`` of a plain file name, without building a path."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def looks_like_dicom(path: str | os.PathLike[str]) -> bool:
    """A DICOM suffix (any case), or no known other suffix and the ``DICM`` preamble."""
    name = os.path.basename(os.fspath(path))
    if name in ("", "."):  # "a/b/", "a/.": pathlib's reading of the name
        name = Path(path).name
    suffix = _suffix(name).lower()
    if suffix in DICOM_SUFFIXES:
        return True
    if suffix in SKIP_SUFFIXES or name.startswith("."):
        return False
    return has_dicom_marker(Path(path))


def is_dicom_file(path: Path) -> bool:
    """An existing file that ``looks_like_dicom``."""
    return path.is_file() and looks_like_dicom(path)


def walk_files(root: Path, *, recursive: bool = True) -> Iterator[Path]:
    """Every file under ``root``, skipping names that start with a dot.

    Symlinks are followed, but a folder never revisits one of its ancestors, so a link back up
    the tree cannot loop. A folder that cannot be listed is a ``HoAnnotateError``.
    """
    return map(Path, walk_file_names(root, recursive=recursive))


def walk_file_names(root: str | os.PathLike[str], *, recursive: bool = True) -> Iterator[str]:
    """``walk_files`` as strings: ``root`` joined with the names below it (no ``Path`` built
    per file, which costs more than listing it on large folders)."""
    for _folder, _real, _entries, files in walk_folders(root, recursive=recursive):
        for entry in files:
            yield entry.path


def walk_folders(
    root: str | os.PathLike[str], *, recursive: bool = True
) -> Iterator[tuple[str, str, list[os.DirEntry[str]], list[os.DirEntry[str]]]]:
    """``(folder, its realpath, every entry in it, its files)`` for each folder ``walk_files``
    lists, in the same order: the files are the entries it yields (not hidden, links followed).

    One listing per folder serves callers that need more than the file names (sidecars beside
    the images, whether a file is a link) without listing or stat-ing again.
    """
    top = os.fspath(root)
    real_top = os.path.realpath(top)
    stack = [(top, real_top, frozenset({real_top}))]
    while stack:
        current, real_current, ancestors = stack.pop()
        try:
            entries = list(os.scandir(current))
        except OSError as exc:
            raise HoAnnotateError(
                f"{Path(current)}: cannot list this folder ({exc.strerror}); "
                "check its permissions or leave it out"
            ) from exc
        files = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = not is_dir and entry.is_file(follow_symlinks=True)
            except OSError:  # a symlink to itself: skipped like a broken one
                continue
            if is_dir and recursive:
                real = os.path.realpath(entry.path)
                if real not in ancestors:
                    stack.append((entry.path, real, ancestors | {real}))
            elif is_file:
                files.append(entry)
        yield current, real_current, entries, files


def dicom_files(paths: Sequence[str | Path], *, recursive: bool = False) -> list[Path]:
    """The DICOM files among ``paths``, folders expanded (sorted by path within each folder)."""
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found.extend(
                sorted(f for f in walk_files(p, recursive=recursive) if looks_like_dicom(f))
            )
        elif is_dicom_file(p):
            found.append(p)
    return found
