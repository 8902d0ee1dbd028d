"""The sidecar store: read, check and write one reader's annotations of one image safely.

- Reading is a typed msgspec decode; any problem is a ``SidecarError`` naming the file and the
  JSON path, and nothing on disk changes. Unknown format versions and a SOPInstanceUID that does
  not match the image are refused. Format version 1 is read and migrated to version 2 in memory;
  the file becomes version 2 when it is next saved (see ``_migrated``).
- Saving checks exactly as loading does: the bytes about to be written are decoded and checked
  by ``decode_annotations`` before anything on disk changes (``_checked_bytes``).
- Writing is atomic (``ho_annotate.files.atomic_write``), keeps the previous version as
  ``<name>.bak``, refuses to overwrite another reader's file, and refuses to overwrite a file
  that changed on disk since it was loaded: pass the ``SidecarState`` from ``load_sidecar`` or
  ``sidecar_state`` as ``expected``, or the file's ``st_mtime`` when it was read as
  ``expected_mtime`` (for callers that keep only a modification time).

Names and places of sidecars are in ``naming``, semantic checks in ``validation``, the JSON
Schema in ``schema``. See docs/annotation-format.md for the format.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import EllipsisType
from typing import Final, NamedTuple, Protocol

import msgspec

from ho_annotate.annotations.bounds import Extent, image_problems, point_extent
from ho_annotate.annotations.limits import MAX_SIDECAR_BYTES, check_budget, check_set_budget
from ho_annotate.annotations.model import (
    FORMAT_VERSION,
    READABLE_VERSIONS,
    SIDES,
    AnnotationSet,
    HipReading,
    Hips,
    Spacing,
)
from ho_annotate.annotations.naming import (
    BACKUP_SUFFIX,
    backup_path,
    check_reader,
    reader_from_path,
)
from ho_annotate.annotations.outlines import outline_problems, plainly_fine_many
from ho_annotate.annotations.validation import problems, v1_problems
from ho_annotate.dicom.sides import HeaderLike, assign_sides
from ho_annotate.errors import SidecarConflictError, SidecarError
from ho_annotate.files.atomic import atomic_write
from ho_annotate.files.lock import LockTimeoutError, locked
from ho_annotate.files.regular import FileTooLargeError, NotRegularFileError, read_regular

__all__ = [
    "STALE_TEMP_SECONDS",
    "HeaderForSidecar",
    "LoadedSidecar",
    "SidecarState",
    "decode_annotations",
    "encode_annotations",
    "load_annotations",
    "load_annotations_many",
    "load_sidecar",
    "new_annotation_set",
    "save_annotations",
    "sidecar_state",
]


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
    """A file's bytes and the stat of the very file read (``OSError`` passes through); only a
    regular file of at most ``MAX_SIDECAR_BYTES`` (a FIFO would block, a device never end)."""
    return read_regular(path, MAX_SIDECAR_BYTES)


def _unreadable(path: str | os.PathLike[str], exc: OSError, when: str = "") -> SidecarError:
    if isinstance(exc, NotRegularFileError):
        return SidecarError(f"{path}: {exc.strerror}; give the annotation file itself")
    if isinstance(exc, FileTooLargeError):
        return SidecarError(
            f"{path}: larger than {MAX_SIDECAR_BYTES // 2**20} MiB, the limit of an annotation "
            "file; it is not one, or it is damaged"
        )
    return SidecarError(f"{path}: cannot read{when}: {exc.strerror or exc}")


def sidecar_state(path: str | os.PathLike[str]) -> SidecarState:
    """The current state of a sidecar on disk (``exists=False`` when there is none)."""
    try:
        data, st = _read_raw(path)
    except FileNotFoundError:
        return SidecarState(False)
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    return _state_of(data, st)


@dataclass(frozen=True)
class LoadedSidecar:
    """An annotation set with the file it came from and that file's state when read."""

    annotations: AnnotationSet
    path: Path
    state: SidecarState


class _Probe(msgspec.Struct):
    """The fields read before the full decode (version first, so newer files fail clearly)."""

    format_version: int | None = None
    reader: str | None = None


def decode_annotations(data: bytes, source: str = "<annotations>") -> AnnotationSet:
    """Parse and check sidecar bytes; ``source`` names the file in error messages.

    Sizes are checked before the full decode (``annotations.limits``).
    """
    return _decoded(data, source)[0]


def _decoded(data: bytes, source: str) -> tuple[AnnotationSet, Extent | None]:
    """``decode_annotations``, with the set's ``point_extent`` (for the image check)."""
    return _checked(_parsed(data, source), source)


class _Parsed(NamedTuple):
    """A decoded set before its outline check (``_checked`` makes it)."""

    aset: AnnotationSet
    extent: Extent | None
    #: Problems found so far (the outlines not yet checked).
    found: list[tuple[str, str]]
    #: Whether the outlines are to be checked (only when nothing else is wrong).
    outlines: bool


def _parsed(data: bytes, source: str) -> _Parsed:
    try:
        check_budget(data, source)
        return _decode(data, source)
    except RecursionError as exc:  # msgspec's depth guard: a hostile file, not a reading
        raise SidecarError(
            f"{source}: not a valid annotation file: JSON nested too deeply"
        ) from exc


def _decode(data: bytes, source: str) -> _Parsed:
    try:
        probe = msgspec.json.decode(data, type=_Probe)
    except msgspec.DecodeError as exc:
        raise SidecarError(f"{source}: not a valid annotation file: {exc}") from exc
    if probe.format_version is None:
        raise SidecarError(f"{source}: not an annotation file: no format_version - at `$`")
    if probe.format_version not in READABLE_VERSIONS:
        versions = " and ".join(map(str, READABLE_VERSIONS))
        raise SidecarError(
            f"{source}: annotation format version {probe.format_version} is not supported "
            f"(this ho-annotate reads versions {versions}); use a matching ho-annotate"
        )
    try:
        aset = msgspec.json.decode(data, type=AnnotationSet)
    except msgspec.DecodeError as exc:
        raise SidecarError(f"{source}: not a valid annotation file: {exc}") from exc
    migrated = _migrated(aset)
    extent = point_extent(aset)
    found = problems(aset, extent, outlines=False)
    return _Parsed(aset, extent, migrated + found, not found)


def _checked(
    parsed: _Parsed, source: str, fine: list[bool] | None = None
) -> tuple[AnnotationSet, Extent | None]:
    """The set and its extent, or ``SidecarError`` with the first problem (``fine``: the
    outlines' ``plainly_fine_many`` answer, when known)."""
    found = parsed.found
    if parsed.outlines:
        found = [*found, *outline_problems(parsed.aset, fine)]
    if found:
        where, what = found[0]
        more = f" (and {len(found) - 1} more problems)" if len(found) > 1 else ""
        raise SidecarError(f"{source}: {what} - at `{where}`{more}")
    return parsed.aset, parsed.extent


def _migrated(aset: AnnotationSet) -> list[tuple[str, str]]:
    """Bring a decoded older version up to ``FORMAT_VERSION`` in memory; its problems.

    Version 1 -> 2 only adds optional item fields (``made``, ``clicks``, ``uncertainty_mm``,
    ``snapped_points``), left unset: how a version 1 item was made is not known. A version 1
    file that carries them is refused rather than guessed at.
    """
    found: list[tuple[str, str]] = []
    if aset.format_version == 1:
        found = v1_problems(aset)
    aset.format_version = FORMAT_VERSION
    return found


# A point ``[row, col]`` as msgspec's indented output spells it; JSON strings cannot hold a raw
# newline, so this never matches inside a note.
_POINT = re.compile(rb"\[\n\s+(-?[0-9][0-9.eE+-]*),\n\s+(-?[0-9][0-9.eE+-]*)\n\s+\]")


def encode_annotations(aset: AnnotationSet) -> bytes:
    """The sidecar bytes for ``aset``: indented JSON, one point per line, stable field order.

    Always in the current ``FORMAT_VERSION`` (an older set is written migrated).
    """
    if aset.format_version != FORMAT_VERSION:
        aset = msgspec.structs.replace(aset, format_version=FORMAT_VERSION)
    text = msgspec.json.format(msgspec.json.encode(aset), indent=2)
    return _POINT.sub(rb"[\1, \2]", text) + b"\n"


def _read_bytes(path: Path) -> tuple[bytes, os.stat_result]:
    try:
        data, st = _read_raw(path)
    except FileNotFoundError as exc:
        raise SidecarError(f"{path}: no such annotation file") from exc
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    return data, st


def _owned(
    path: Path,
    data: bytes,
    expected_sop_uid: str | None,
    image_shape: tuple[int, int] | None = None,
) -> AnnotationSet:
    return _accepted(path, _decoded(data, str(path)), expected_sop_uid, image_shape)


def _accepted(
    path: Path,
    decoded: tuple[AnnotationSet, Extent | None],
    expected_sop_uid: str | None,
    image_shape: tuple[int, int] | None,
) -> AnnotationSet:
    """A decoded set, unless it belongs to another image or reader, or lies outside the image."""
    aset, extent = decoded
    if expected_sop_uid is not None and aset.sop_instance_uid != expected_sop_uid:
        raise SidecarError(
            f"{path}: these annotations belong to another image (SOPInstanceUID "
            f"{aset.sop_instance_uid}, the image has {expected_sop_uid}); refusing to use them - "
            "give the sidecar saved for this image"
        )
    check_belongs(aset, path, image_shape, extent)
    return aset


def check_belongs(
    aset: AnnotationSet,
    path: str | os.PathLike[str],
    image_shape: tuple[int, int] | None = None,
    extent: Extent | EllipsisType | None = ...,
) -> None:
    """Refuse annotations that do not belong where they were found (``SidecarError``).

    A file named for reader ``alice`` must hold alice's annotations (else bob's reading would
    be counted as hers); with the image's ``(rows, columns)``, no point may lie far outside it.
    """
    named = reader_from_path(path)
    if named is not None and named != aset.reader:
        raise SidecarError(
            f"{path}: the file name is for reader {named!r} but it holds the annotations of "
            f"reader {aset.reader!r} - at `$.reader`; rename the file for its reader"
        )
    checks = image_problems(aset, image_shape, extent) if image_shape is not None else ()
    for where, what in checks:
        raise SidecarError(f"{path}: {what} - at `{where}`")


def load_sidecar(
    path: str | os.PathLike[str],
    expected_sop_uid: str | None = None,
    *,
    image_shape: tuple[int, int] | None = None,
) -> LoadedSidecar:
    """Read a sidecar and remember its state for a later ``save_annotations``."""
    path = Path(path)
    data, st = _read_bytes(path)
    aset = _owned(path, data, expected_sop_uid, image_shape)
    return LoadedSidecar(aset, path, _state_of(data, st))


def load_annotations(
    path: str | os.PathLike[str],
    expected_sop_uid: str | None = None,
    *,
    image_shape: tuple[int, int] | None = None,
) -> AnnotationSet:
    """Read a sidecar; ``expected_sop_uid`` refuses annotations of another image.

    ``image_shape`` (``(rows, columns)`` of the image) refuses points far outside it; a file
    named for one reader (``<stem>.alice.ho.json``) must hold that reader's annotations.
    """
    path = Path(path)
    data = _read_bytes(path)[0]  # no hash: nothing to save
    return _owned(path, data, expected_sop_uid, image_shape)


def load_annotations_many(
    requests: Sequence[tuple[str | os.PathLike[str], str | None, tuple[int, int] | None]],
) -> list[AnnotationSet | Exception]:
    """``load_annotations(path, expected_sop_uid, image_shape=...)`` of many sidecars.

    Batch work: each result is the set, or the exception that ``load_annotations`` raises for
    that file (one bad file does not stop the others); the outlines of all the sets are tested
    in one shapely call (``plainly_fine_many``) instead of one call per file.
    """
    parsed: list[tuple[Path, _Parsed] | Exception] = []
    for name, _, _ in requests:
        try:
            path = Path(name)
            parsed.append((path, _parsed(_read_bytes(path)[0], str(path))))
        except Exception as exc:  # returned: what its load raises
            parsed.append(exc)
    pending = [p[1].aset.items for p in parsed if not isinstance(p, Exception) and p[1].outlines]
    known: list[list[bool] | None]
    try:
        known = list(plainly_fine_many(pending))
    except Exception:  # each file's own check below then says what is wrong
        known = [None] * len(pending)
    fine = iter(known)
    out: list[AnnotationSet | Exception] = []
    for (_, expected, shape), done in zip(requests, parsed, strict=True):
        if isinstance(done, Exception):
            out.append(done)
            continue
        path, step = done
        try:
            flags = next(fine) if step.outlines else None
            out.append(_accepted(path, _checked(step, str(path), flags), expected, shape))
        except Exception as exc:  # returned: what its load raises
            out.append(exc)
    return out


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


def _checked_bytes(aset: AnnotationSet, path: Path) -> bytes:
    """The bytes to save for ``aset`` after the checks a load makes (else ``SidecarError``).

    The semantic checks run first (their messages are the clearest), then the encoded bytes go
    through ``decode_annotations``: what is saved is exactly what loads. Values of the wrong
    type are named by that typed decode, or refused when they cannot be encoded at all.
    """
    if not isinstance(aset, AnnotationSet):
        raise SidecarError(f"{path}: not saved: {type(aset).__name__} is not an AnnotationSet")
    check_set_budget(aset, f"{path}: not saved")
    try:
        found = problems(aset)
    except (TypeError, ValueError, AttributeError):  # wrong types: the typed decode names them
        found = []
    if found:
        where, what = found[0]
        raise SidecarError(f"{path}: not saved: {what} - at `{where}`")
    try:
        data = encode_annotations(aset)
    except (TypeError, ValueError, msgspec.EncodeError) as exc:
        raise SidecarError(f"{path}: not saved: a value cannot be written ({exc})") from exc
    decode_annotations(data, f"{path}: not saved")
    named = reader_from_path(path)
    if named is not None and named != aset.reader:
        raise SidecarError(
            f"{path}: not saved: the file name is for reader {named!r}, the annotations are "
            f"{aset.reader!r}'s; save them to {path.name.replace(named, aset.reader)} instead"
        )
    return data


def _replace_checked(
    path: Path,
    data: bytes,
    reader: str,
    expected: SidecarState | None,
    expected_mtime: float | None,
) -> SidecarState:
    """Check the file on disk is as expected and ``reader``'s, back it up, replace it; the
    state returned is of the bytes written (under the lock, so no later save shows in it)."""
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
        raise _unreadable(path, exc, " before saving") from exc
    changed = "changed on disk since it was loaded (another window or program saved it)"
    if expected is not None and not current.same_content(expected):
        raise SidecarConflictError(
            f"{path}: not saved: the file {changed}; reload it and redo the edit"
        )
    if expected_mtime is not None and mtime != expected_mtime:
        raise SidecarConflictError(
            f"{path}: not saved: the file {changed}; reload it and redo the edit"
        )
    if old is not None:
        try:
            owner = msgspec.json.decode(old, type=_Probe).reader
        except (msgspec.DecodeError, RecursionError) as exc:
            raise SidecarError(
                f"{path}: not saved: the existing file is not a readable annotation file "
                f"({exc}); move it away first"
            ) from exc
        if owner != reader:
            raise SidecarConflictError(
                f"{path}: not saved: the file holds reader {owner!r}'s annotations, these are "
                f"{reader!r}'s; never overwriting another reader's file"
            )
        atomic_write(backup_path(path), old, mode)
    atomic_write(path, data, mode)
    return _state_of(data, os.stat(path))


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
    data = _checked_bytes(aset, path)
    try:
        with locked(path):  # no other save between the check and the replace
            state = _replace_checked(path, data, aset.reader, expected, expected_mtime)
    except LockTimeoutError as exc:
        raise SidecarError(f"{path}: not saved: {exc.problem}; {exc.action}") from exc
    except OSError as exc:
        raise SidecarError(
            f"{path}: cannot save: {exc.strerror or exc} (for a read-only image folder, "
            "give an annotations folder)"
        ) from exc
    _remove_stale_temps(path)
    return state


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
