"""A synthetic reading study on disk: images, reference sidecars apart, and a truth table.

``write_study_set(OUT, cases)`` writes ``OUT/images/case-NNN.dcm`` (single-hip DX views with a
calibrated spacing, from the study generator of ``synth.study``), the generator's reference
sidecars in ``OUT/reference/`` (never beside the images, where readers' sidecars go) and
``OUT/truth.csv``: one row per imaged hip with the true gap and the true grades, the table
``ho-annotate agreement --truth`` reads. A share of the cases (``boundary_share``) has a true
gap within ``boundary_mm`` of 10 mm, where Brooker II and III meet; the others lie 3-8.5 or
11.5-18 mm.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ho_annotate.agreement.boundary import DEFAULT_BOUNDARY_MM
from ho_annotate.errors import HoAnnotateError
from ho_annotate.files.atomic import atomic_write
from ho_annotate.synth.ho import DesignError
from ho_annotate.synth.study import _design

__all__ = ["TRUTH_COLUMNS", "StudySet", "write_study_set"]

TRUTH_COLUMNS = ("image", "side", "gap_mm", "brooker", "della_valle", "boundary")
_AWAY_MM = ((3.0, 8.5), (11.5, 18.0))


@dataclass(frozen=True)
class StudySet:
    """Where the study set was written, and its truth rows."""

    images: Path
    reference: Path
    truth: Path
    rows: tuple[dict[str, str], ...]


def _gap_range(rng: np.random.Generator, boundary: bool, within: float) -> tuple[float, float]:
    if boundary:
        return (10.0 - within, 10.0 + within)
    return _AWAY_MM[int(rng.integers(0, 2))]


def write_study_set(
    out: str | Path,
    cases: int,
    *,
    boundary_share: float = 0.5,
    seed: int = 0,
    boundary_mm: float = DEFAULT_BOUNDARY_MM,
) -> StudySet:
    """Write ``cases`` synthetic cases into ``out`` (a new or empty folder); see the module."""
    from ho_annotate.annotations.naming import REFERENCE_READER, sidecar_path
    from ho_annotate.annotations.store import save_annotations
    from ho_annotate.synth import generate
    from ho_annotate.synth.writer import write_dicom

    if cases < 1 or not 0.0 <= boundary_share <= 1.0 or not 0.0 < boundary_mm < 5.0:
        raise HoAnnotateError(
            "synth-study needs at least one case, a boundary share from 0 to 1 and a boundary "
            "distance above 0 and below 5 mm"
        )
    root = Path(out)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise HoAnnotateError(f"{root}: already exists and is not an empty folder; choose another")
    images, reference = root / "images", root / "reference"
    images.mkdir(parents=True)
    reference.mkdir()
    rng = np.random.default_rng([seed, 16])
    near = np.zeros(cases, dtype=bool)
    near[: round(cases * boundary_share)] = True
    rng.shuffle(near)
    rows: list[dict[str, str]] = []
    for i, boundary in enumerate(near):
        name = f"case-{i + 1:03d}"
        while True:
            case_seed = int(rng.integers(0, 2**31))
            design = _design(
                np.random.default_rng(case_seed),
                case_seed,
                "clean",
                _gap_range(np.random.default_rng([case_seed, 1]), bool(boundary), boundary_mm),
            )
            try:
                case = generate(design, name)
            except DesignError:
                continue
            side = design.imaged_sides()[0]
            parts = case.rendering.ho.get(side)
            if parts is not None and parts.gap_mm is not None:
                break
        image = images / f"{name}.dcm"
        write_dicom(case.dataset, image)
        sidecar = reference / sidecar_path(image, REFERENCE_READER).name
        save_annotations(case.annotations, sidecar)
        expected = next(e for e in case.expected if e.side == side)
        rows.append(
            {
                "image": image.name,
                "side": side,
                "gap_mm": f"{parts.gap_mm:.3f}",
                "brooker": expected.true_brooker or "",
                "della_valle": expected.della_valle or "",
                "boundary": "true" if abs(parts.gap_mm - 10.0) <= boundary_mm else "false",
            }
        )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TRUTH_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    truth = root / "truth.csv"
    atomic_write(truth, buffer.getvalue().encode("utf-8"))
    return StudySet(images, reference, truth, tuple(rows))
