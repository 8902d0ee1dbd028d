"""The annotation sidecar: one JSON file per image and reader, read and written safely.

- ``<image stem>.<reader>.ho.json`` beside the image, or in an annotations folder given instead
  (for read-only image folders). The stem drops a DICOM suffix (``.dcm``, ``.dicom``, ``.dic``,
  ``.ima``) and keeps every other name whole, so UID-named files do not collide.
- Reading is a typed msgspec decode; any problem is a ``SidecarError`` naming the file and the
  JSON path, and nothing on disk changes. Unknown format versions and a SOPInstanceUID that does
  not match the image are refused.
- Writing is atomic (temporary file in the same folder, flush, fsync, ``os.replace``), keeps the
  previous version as ``<name>.bak``, refuses to overwrite another reader's file, and refuses
  to overwrite a file that changed on disk since it was loaded (pass the ``SidecarState`` from
  ``load_sidecar`` or ``sidecar_state``).

See docs/annotation-format.md for the format.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import math
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

import msgspec

from ho_annotate.annotations.model import (
    FORMAT_VERSION,
    POLYGON_KINDS,
    SIDES,
    AnnotationSet,
    HipReading,
    Hips,
    Spacing,
)
from ho_annotate.dicom.sides import HeaderLike, assign_sides
from ho_annotate.errors import SidecarError

SUFFIX: Final = ".ho.json"
BACKUP_SUFFIX: Final = ".bak"
#: Reader names: letters, digits, ``_`` and ``-`` (no dots, so file names parse back).
READER_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_DICOM_SUFFIXES: Final = frozenset({".dcm", ".dicom", ".dic", ".ima"})


class _Probe(msgspec.Struct):
    """The fields read before the full decode (version first, so newer files fail clearly)."""

    format_version: int | None = None
    reader: str | None = None


def check_reader(reader: str) -> str:
    """Return ``reader`` if it is a valid reader name, else raise ``SidecarError``."""
    if not READER_PATTERN.fullmatch(reader):
        raise SidecarError(
            f"reader name {reader!r} is not allowed: use 1-64 letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    return reader


def image_stem(image_path: str | os.PathLike[str]) -> str:
    """The part of an image's file name sidecar names start with."""
    path = Path(image_path)
    return path.stem if path.suffix.lower() in _DICOM_SUFFIXES else path.name


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
    name = Path(path).name
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


@dataclass(frozen=True)
class SidecarState:
    """What a sidecar looked like on disk, to notice changes made by someone else."""

    exists: bool
    size: int = 0
    mtime_ns: int = 0
    sha256: str = ""

    def same_content(self, other: SidecarState) -> bool:
        return (self.exists, self.size, self.sha256) == (other.exists, other.size, other.sha256)


def _state_of(data: bytes, st: os.stat_result) -> SidecarState:
    return SidecarState(True, len(data), st.st_mtime_ns, hashlib.sha256(data).hexdigest())


def _read_raw(path: str | os.PathLike[str]) -> tuple[bytes, os.stat_result]:
    """A file's bytes and the stat of the very file read (``OSError`` passes through)."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        return f.read(), st


def sidecar_state(path: str | os.PathLike[str]) -> SidecarState:
    """The current state of a sidecar on disk (``exists=False`` when there is none)."""
    try:
        data, st = _read_raw(path)
    except FileNotFoundError:
        return SidecarState(False)
    except OSError as exc:
        raise SidecarError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return _state_of(data, st)


@dataclass(frozen=True)
class LoadedSidecar:
    """An annotation set with the file it came from and that file's state when read."""

    annotations: AnnotationSet
    path: Path
    state: SidecarState


def _problems(aset: AnnotationSet) -> list[tuple[str, str]]:
    """Semantic problems the types cannot express, as ``(json path, message)``."""
    out: list[tuple[str, str]] = []
    if not aset.sop_instance_uid.strip():
        out.append(("$.sop_instance_uid", "is empty"))
    if not READER_PATTERN.fullmatch(aset.reader):
        out.append(("$.reader", f"{aset.reader!r} is not a valid reader name"))
    spacing = aset.spacing
    if spacing is not None and not _positive(spacing.row_mm, spacing.col_mm):
        out.append(("$.spacing", "row_mm and col_mm must be positive numbers"))
    cal = aset.calibration
    if cal is not None and not _positive(cal.row_mm, cal.col_mm, cal.known_mm):
        out.append(("$.calibration", "row_mm, col_mm and known_mm must be positive numbers"))
    seen: set[str] = set()
    for n, item in enumerate(aset.items):
        where = f"$.items[{n}]"
        if item.id in seen:
            out.append((f"{where}.id", f"duplicate item id {item.id!r}"))
        seen.add(item.id)
        count = len(item.points)
        if item.kind in POLYGON_KINDS and count < 3:
            out.append((f"{where}.points", f"a {item.kind} outline needs 3 or more points"))
        elif item.kind in ("gap", "calibration_line") and count != 2:
            out.append((f"{where}.points", f"a {item.kind} needs exactly 2 points"))
        elif item.kind == "calibration_circle" and count < 3:
            out.append((f"{where}.points", "a calibration circle needs 3 or more points"))
        # The sum is finite whenever every coordinate is (cheap in C); check exactly otherwise.
        if not math.isfinite(sum(map(sum, item.points))) and not all(
            math.isfinite(v) for p in item.points for v in p
        ):
            out.append((f"{where}.points", "coordinates must be finite numbers"))
        if item.kind in ("spur", "bone") and item.origin is None:
            out.append((f"{where}.origin", f"a {item.kind} needs origin 'pelvis' or 'femur'"))
        if item.kind.startswith("calibration") and not _positive(item.known_mm or 0.0):
            out.append((f"{where}.known_mm", "a calibration item needs a positive known_mm"))
    return out


def _positive(*values: float) -> bool:
    return all(math.isfinite(v) and v > 0 for v in values)


def decode_annotations(data: bytes, source: str = "<annotations>") -> AnnotationSet:
    """Parse and check sidecar bytes; ``source`` names the file in error messages."""
    try:
        probe = msgspec.json.decode(data, type=_Probe)
    except msgspec.DecodeError as exc:
        raise SidecarError(f"{source}: not a valid annotation file: {exc}") from exc
    if probe.format_version is None:
        raise SidecarError(f"{source}: not an annotation file: no format_version - at `$`")
    if probe.format_version != FORMAT_VERSION:
        raise SidecarError(
            f"{source}: annotation format version {probe.format_version} is not supported "
            f"(this ho-annotate reads version {FORMAT_VERSION}); use a matching ho-annotate"
        )
    try:
        aset = msgspec.json.decode(data, type=AnnotationSet)
    except msgspec.DecodeError as exc:
        raise SidecarError(f"{source}: not a valid annotation file: {exc}") from exc
    problems = _problems(aset)
    if problems:
        where, what = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise SidecarError(f"{source}: {what} - at `{where}`{more}")
    return aset


# A point ``[row, col]`` as msgspec's indented output spells it; JSON strings cannot hold a raw
# newline, so this never matches inside a note.
_POINT = re.compile(rb"\[\n\s+(-?[0-9][0-9.eE+-]*),\n\s+(-?[0-9][0-9.eE+-]*)\n\s+\]")


def encode_annotations(aset: AnnotationSet) -> bytes:
    """The sidecar bytes for ``aset``: indented JSON, one point per line, stable field order."""
    text = msgspec.json.format(msgspec.json.encode(aset), indent=2)
    return _POINT.sub(rb"[\1, \2]", text) + b"\n"


def _read_bytes(path: Path) -> tuple[bytes, os.stat_result]:
    try:
        data, st = _read_raw(path)
    except FileNotFoundError as exc:
        raise SidecarError(f"{path}: no such annotation file") from exc
    except OSError as exc:
        raise SidecarError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return data, st


def _owned(path: Path, data: bytes, expected_sop_uid: str | None) -> AnnotationSet:
    aset = decode_annotations(data, str(path))
    if expected_sop_uid is not None and aset.sop_instance_uid != expected_sop_uid:
        raise SidecarError(
            f"{path}: these annotations belong to another image (SOPInstanceUID "
            f"{aset.sop_instance_uid}, the image has {expected_sop_uid}); refusing to use them - "
            "give the sidecar saved for this image"
        )
    return aset


def load_sidecar(
    path: str | os.PathLike[str], expected_sop_uid: str | None = None
) -> LoadedSidecar:
    """Read a sidecar and remember its state for a later ``save_annotations``."""
    path = Path(path)
    data, st = _read_bytes(path)
    return LoadedSidecar(_owned(path, data, expected_sop_uid), path, _state_of(data, st))


def load_annotations(
    path: str | os.PathLike[str], expected_sop_uid: str | None = None
) -> AnnotationSet:
    """Read a sidecar; ``expected_sop_uid`` refuses annotations of another image."""
    path = Path(path)
    return _owned(path, _read_bytes(path)[0], expected_sop_uid)  # no hash: nothing to save


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _atomic_write(path: Path, data: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


#: Temporary files of interrupted saves older than this (seconds) are removed on the next save.
STALE_TEMP_SECONDS: Final = 600.0


def _remove_stale_temps(path: Path) -> None:
    """Remove temporary files that killed saves of ``path`` (or its backup) left behind."""
    prefixes = (f".{path.name}.", f".{path.name}{BACKUP_SUFFIX}.")
    cutoff = time.time() - STALE_TEMP_SECONDS
    with contextlib.suppress(OSError):
        for entry in path.parent.iterdir():
            name = entry.name
            if name.endswith(".tmp") and name.startswith(prefixes):
                with contextlib.suppress(OSError):
                    if entry.stat().st_mtime < cutoff:
                        entry.unlink()


def backup_path(path: str | os.PathLike[str]) -> Path:
    """Where the previous version of a sidecar is kept."""
    p = Path(path)
    return p.with_name(p.name + BACKUP_SUFFIX)


def save_annotations(
    aset: AnnotationSet,
    path: str | os.PathLike[str],
    *,
    expected_mtime: float | None = None,
    expected: SidecarState | None = None,
) -> SidecarState:
    """Write ``aset`` to ``path`` atomically and return the new state of the file.

    ``expected`` (from ``load_sidecar`` or ``sidecar_state``) or ``expected_mtime`` (the file's
    ``st_mtime`` when it was read) refuse the save if the file changed since; without either,
    an existing file of the same reader is replaced. The previous version is kept as
    ``<name>.bak``. The file is never replaced when it belongs to another reader.
    """
    path = Path(path)
    problems = _problems(aset)
    if problems:
        where, what = problems[0]
        raise SidecarError(f"{path}: not saved: {what} - at `{where}`")
    named = reader_from_path(path)
    if named is not None and named != aset.reader:
        raise SidecarError(
            f"{path}: not saved: the file name is for reader {named!r}, the annotations are "
            f"{aset.reader!r}'s; save them to {path.name.replace(named, aset.reader)} instead"
        )
    old: bytes | None = None
    mtime: float | None = None
    mode = 0o644
    current = SidecarState(False)
    try:
        old, st = _read_raw(path)
        current, mtime, mode = _state_of(old, st), st.st_mtime, st.st_mode & 0o777
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise SidecarError(f"{path}: cannot read before saving: {exc.strerror or exc}") from exc
    changed = "changed on disk since it was loaded (another window or program saved it)"
    if expected is not None and not current.same_content(expected):
        raise SidecarError(f"{path}: not saved: the file {changed}; reload it and redo the edit")
    if expected_mtime is not None and mtime != expected_mtime:
        raise SidecarError(f"{path}: not saved: the file {changed}; reload it and redo the edit")
    if old is not None:
        try:
            owner = msgspec.json.decode(old, type=_Probe).reader
        except msgspec.DecodeError as exc:
            raise SidecarError(
                f"{path}: not saved: the existing file is not a readable annotation file "
                f"({exc}); move it away first"
            ) from exc
        if owner != aset.reader:
            raise SidecarError(
                f"{path}: not saved: the file holds reader {owner!r}'s annotations, these are "
                f"{aset.reader!r}'s; never overwriting another reader's file"
            )
    try:
        if old is not None:
            _atomic_write(backup_path(path), old, mode)
        _atomic_write(path, encode_annotations(aset), mode)
    except OSError as exc:
        raise SidecarError(
            f"{path}: cannot save: {exc.strerror or exc} (for a read-only image folder, "
            "give an annotations folder)"
        ) from exc
    _remove_stale_temps(path)
    return sidecar_state(path)


class HeaderForSidecar(HeaderLike, Protocol):
    """What ``new_annotation_set`` needs from a ``RadiographHeader``."""

    @property
    def path(self) -> Path: ...

    @property
    def sop_instance_uid(self) -> str: ...

    @property
    def study_instance_uid(self) -> str | None: ...

    @property
    def series_instance_uid(self) -> str | None: ...

    @property
    def view_position(self) -> str | None: ...

    @property
    def spacing(self) -> Spacing | None: ...


def new_annotation_set(header: HeaderForSidecar, reader: str) -> AnnotationSet:
    """An empty annotation set bound to an image; a single-hip view marks the other hip."""
    if not header.sop_instance_uid:
        raise SidecarError(
            f"{header.path}: the image has no SOPInstanceUID, so annotations cannot be bound to it"
        )
    assignment = assign_sides(header)
    hips = Hips()
    if assignment.single is not None:
        other = SIDES[1] if assignment.single == SIDES[0] else SIDES[0]
        shown = assignment.single
        reading = HipReading(
            not_assessable_reason=f"not in this image (single-hip view of the {shown} hip)"
        )
        hips = Hips(left=reading) if other == "left" else Hips(right=reading)
    return AnnotationSet(
        sop_instance_uid=header.sop_instance_uid,
        reader=check_reader(reader),
        study_instance_uid=header.study_instance_uid,
        series_instance_uid=header.series_instance_uid,
        view=header.view_position,
        image_file=Path(header.path).name,
        side_basis=assignment.basis,
        spacing=header.spacing,
        hips=hips,
    )


def annotation_schema() -> dict[str, Any]:
    """The JSON Schema of a sidecar, generated from the model."""
    cleaned: dict[str, Any] = _clean_descriptions(msgspec.json.schema(AnnotationSet))
    return cleaned


def _clean_descriptions(node: Any) -> Any:
    """Dedent every description the same way, whatever msgspec release made the schema.

    msgspec before 0.19 kept a docstring's indentation; later releases clean it. Cleaning
    here makes the published schema independent of the installed release.
    """
    if isinstance(node, dict):
        return {
            key: inspect.cleandoc(value)
            if key == "description" and isinstance(value, str)
            else _clean_descriptions(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_clean_descriptions(item) for item in node]
    return node


def annotation_schema_text() -> str:
    """``annotation_schema`` as the text of docs/annotation-format.schema.json."""
    return json.dumps(annotation_schema(), indent=2, sort_keys=True) + "\n"


def write_annotation_schema(path: str | os.PathLike[str]) -> Path:
    """Write the JSON Schema (run after changing the model; a test checks it is current)."""
    target = Path(path)
    target.write_text(annotation_schema_text(), encoding="utf-8")
    return target


def resolve_sidecar(
    image_path: str | os.PathLike[str],
    annotations: str | os.PathLike[str] | None = None,
    reader: str | None = None,
) -> Path:
    """The sidecar to use for an image.

    ``annotations`` is a sidecar file or a folder (default: the image's folder). In a folder,
    ``reader`` picks that reader's file; without it there must be exactly one sidecar.
    """
    if annotations is not None and Path(annotations).is_file():
        return Path(annotations)
    if annotations is not None and not Path(annotations).exists():
        raise SidecarError(f"{annotations}: no such annotation file or folder")
    folder = Path(annotations) if annotations is not None else Path(image_path).parent
    found = find_sidecars(image_path, folder)
    if reader is not None:
        check_reader(reader)
        if reader in found:
            return found[reader]
        others = f" (found: {', '.join(found)})" if found else ""
        raise SidecarError(
            f"{folder}: no annotations by reader {reader!r} for {Path(image_path).name}{others}"
        )
    if len(found) == 1:
        return next(iter(found.values()))
    if not found:
        raise SidecarError(
            f"{folder}: no annotations for {Path(image_path).name} (expected "
            f"{image_stem(image_path)}.<reader>{SUFFIX}); annotate the image first or give "
            "--annotations"
        )
    raise SidecarError(
        f"{folder}: {len(found)} readers annotated {Path(image_path).name} "
        f"({', '.join(found)}); choose one with --reader"
    )
