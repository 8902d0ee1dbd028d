"""Synthetic hip radiographs with ground truth: DICOM file, reference sidecar, expected grades.

>>> from ho_annotate.synth import CaseDesign, SideDesign, write_case
>>> written = write_case(CaseDesign(left=SideDesign(grade="III"), seed=3), "out", "case")
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import FileDataset

from ho_annotate.annotations.model import AnnotationSet
from ho_annotate.annotations.naming import REFERENCE_READER as READER
from ho_annotate.synth.design import (
    SPACING_OPTIONS,
    TRANSFER_SYNTAXES,
    CaseDesign,
    SideDesign,
    SpacingOption,
)
from ho_annotate.synth.ho import DesignError, feret
from ho_annotate.synth.reference import header_spacing, reference_annotations
from ho_annotate.synth.render import Rendering, render
from ho_annotate.synth.truth import Expected, expected_side
from ho_annotate.synth.writer import MANUFACTURER, build_dataset, uids, write_dicom

__all__ = [
    "READER",
    "SPACING_OPTIONS",
    "TRANSFER_SYNTAXES",
    "CaseDesign",
    "DesignError",
    "Expected",
    "SideDesign",
    "SpacingOption",
    "SynthCase",
    "WrittenCase",
    "generate",
    "header_spacing",
    "write_case",
]


@dataclass
class SynthCase:
    """A generated case in memory."""

    name: str
    rendering: Rendering
    dataset: FileDataset
    annotations: AnnotationSet
    expected: list[Expected]


@dataclass(frozen=True)
class WrittenCase:
    image: Path
    sidecar: Path
    case: SynthCase


def generate(design: CaseDesign, name: str = "case") -> SynthCase:
    """Render ``design`` and build its DICOM dataset, reference annotations and expectations."""
    rendering = render(design)
    filename = f"{name}.dcm"
    ds = build_dataset(design, rendering.pixels, name, Path(filename))
    ids = uids(design, name)
    aset = reference_annotations(
        rendering,
        sop_uid=ids["sop"],
        study_uid=ids["study"],
        series_uid=ids["series"],
        image_file=filename,
    )
    expected = []
    for side in ("right", "left"):
        sd = rendering.sides.get(side)  # type: ignore[call-overload]
        parts = rendering.ho.get(side)  # type: ignore[call-overload]
        islands = [feret(p) for p in parts.islands] if parts is not None else []
        expected.append(expected_side(design, side, sd, islands))  # type: ignore[arg-type]
    return SynthCase(name, rendering, ds, aset, expected)


def write_case(
    design: CaseDesign, directory: str | Path, name: str, *, overwrite: bool = False
) -> WrittenCase:
    """Write ``<name>.dcm`` and its reference sidecar into ``directory``.

    Existing files are never replaced, except with ``overwrite`` a case this generator made
    earlier (its header names ho-annotate as the manufacturer) and that case's reference.
    """
    from ho_annotate.annotations.naming import sidecar_path
    from ho_annotate.annotations.store import save_annotations

    folder = Path(directory)
    image_path = folder / f"{name}.dcm"
    sidecar = sidecar_path(image_path, READER)
    _check_targets(image_path, sidecar, overwrite)
    case = generate(design, name)
    folder.mkdir(parents=True, exist_ok=True)
    image = write_dicom(case.dataset, image_path)
    if sidecar.exists():
        sidecar.unlink()
    save_annotations(case.annotations, sidecar)
    return WrittenCase(image, sidecar, case)


def _check_targets(image: Path, sidecar: Path, overwrite: bool) -> None:
    from ho_annotate.files.outputs import OutputRefusedError

    existing = [p for p in (image, sidecar) if p.exists() or p.is_symlink()]
    if not existing:
        return
    if overwrite and not image.is_symlink() and _is_ours(image):
        return
    what = "a synthetic case made by ho-annotate" if _is_ours(image) else "not made by synth"
    hint = "pass --overwrite to replace it" if _is_ours(image) else "choose another name"
    raise OutputRefusedError(f"{existing[0]}: already exists ({what}); {hint}")


def _is_ours(image: Path) -> bool:
    import pydicom

    if not image.is_file():
        return False
    try:
        ds = pydicom.dcmread(image, stop_before_pixels=True, specific_tags=["Manufacturer"])
    except Exception:  # not DICOM at all: certainly not ours
        return False
    return str(ds.get("Manufacturer", "")) == MANUFACTURER
