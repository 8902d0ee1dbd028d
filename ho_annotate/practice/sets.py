"""Practice sets: radiographs in one folder, their reference sidecars in another.

The references folder defaults to ``SET/references``; without one, reference sidecars beside
the images are used (the bundled sample data is laid out that way).

An instructor makes a set with the workbench (saving references into ``SET/references``), or
:func:`generate_synthetic_set` makes one whose difficulty mix over-samples the cases readers
disagree on: gaps of 8-12 mm (the II/III boundary) and islands of 7-13 mm (Della Valle's 1 cm).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import msgspec

from ho_annotate.dicom.radiograph import read_header
from ho_annotate.errors import HoAnnotateError, RadiographError

REFERENCE_READER = "reference"
SIDECAR_SUFFIX = ".ho.json"
#: The file that marks a practice-run folder (its presented copies are not set cases).
RUN_FILE = "practice-run.json"


@dataclass(frozen=True)
class SourceCase:
    """A radiograph of a set and the reference sidecar that goes with it."""

    image: Path
    reference: Path
    sop_instance_uid: str


class _Binding(msgspec.Struct):
    sop_instance_uid: str
    reader: str = ""


def find_references(references_dir: Path) -> dict[str, Path]:
    """Reference sidecars under ``references_dir`` by SOPInstanceUID.

    When several readers' files bind one image, the reader ``reference`` wins, then the first
    by name. Practice-run folders are skipped; files that are not sidecars are ignored here
    (loading them later says why).
    """
    found: dict[str, tuple[bool, Path]] = {}
    runs = [p.parent for p in references_dir.rglob(RUN_FILE)]
    for path in sorted(references_dir.rglob(f"*{SIDECAR_SUFFIX}")):
        if any(_is_within(path, run) for run in runs):
            continue  # a student's answers, not references
        try:
            binding = msgspec.json.decode(path.read_bytes(), type=_Binding)
        except (OSError, msgspec.DecodeError):
            continue
        preferred = binding.reader == REFERENCE_READER
        held = found.get(binding.sop_instance_uid)
        if held is None or (preferred and not held[0]):
            found[binding.sop_instance_uid] = (preferred, path)
    return {uid: path for uid, (_, path) in found.items()}


def default_references(set_dir: Path) -> Path:
    """``SET/references`` when it exists, else the set folder itself (sidecars beside images)."""
    folder = set_dir / "references"
    return folder if folder.is_dir() else set_dir


def _is_within(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def find_set_cases(set_dir: Path, references_dir: Path) -> list[SourceCase]:
    """The radiographs under ``set_dir`` that have a reference, sorted by path.

    Files that are not DICOM radiographs, and anything inside ``references_dir`` or inside a
    practice-run folder, are skipped.
    """
    if not set_dir.is_dir():
        raise HoAnnotateError(f"{set_dir}: not a folder; give a practice set folder")
    if not references_dir.is_dir():
        raise HoAnnotateError(
            f"{references_dir}: no references folder; put the reference sidecars there "
            "or name the folder with --references"
        )
    refs = find_references(references_dir)
    # References may also sit beside the images (as in the bundled sample data).
    apart = references_dir.resolve() != set_dir.resolve()
    runs = [p.parent for p in set_dir.rglob(RUN_FILE)]
    cases = []
    for path in sorted(p for p in set_dir.rglob("*") if p.is_file()):
        if path.name.endswith(".json") or (apart and _is_within(path, references_dir)):
            continue
        if any(_is_within(path, run) for run in runs):
            continue
        if any(part.startswith(".") for part in path.relative_to(set_dir).parts):
            continue
        try:
            uid = read_header(path).sop_instance_uid
        except RadiographError:
            continue
        if uid in refs:
            cases.append(SourceCase(path, refs[uid], uid))
    if not cases:
        raise HoAnnotateError(
            f"{set_dir}: no radiograph with a reference sidecar in {references_dir}"
        )
    return cases
