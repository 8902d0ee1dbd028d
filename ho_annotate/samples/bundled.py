"""The bundled sample radiographs: where they are and what each should grade as.

In a source checkout they live in ``sample_data/`` at the repository root; in an installed
wheel they are packaged as ``ho_annotate/sample_data``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from ho_annotate.errors import HoAnnotateError

if TYPE_CHECKING:
    from ho_annotate.synth import WrittenCase

CASES_CSV = "cases.csv"
#: Sample cases must sit at least this far (mm) from any rule threshold, so the expected
#: grades do not hinge on rounding details.
MIN_MARGIN_MM = 0.05


@dataclass(frozen=True)
class SampleRow:
    """One row of cases.csv: what the tool must report for one hip of one file."""

    file: str
    side: str
    brooker: str | None
    della_valle: str | None
    gap_mm: float | None
    borderline: bool
    true_brooker: str | None
    true_gap_mm: float | None
    spacing: str
    prosthesis_mm: float | None
    title: str


#: The cases.csv header: SampleRow's fields, in order.
COLUMNS = tuple(f.name for f in fields(SampleRow))


def sample_data_dir() -> Path:
    """The sample data folder (checkout first, then the packaged copy)."""
    here = Path(__file__).resolve().parents[1]
    for candidate in (here.parent / "sample_data", here / "sample_data"):
        if (candidate / CASES_CSV).is_file():
            return candidate
    raise HoAnnotateError(
        "sample data not found: expected sample_data/cases.csv in the source checkout or "
        "ho_annotate/sample_data in the installed package; regenerate it with "
        "python scripts/make_sample_data.py"
    )


def _opt_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def sample_rows(folder: Path | None = None) -> list[SampleRow]:
    """Every row of cases.csv."""
    folder = folder or sample_data_dir()
    with open(folder / CASES_CSV, newline="", encoding="utf-8") as f:
        return [
            SampleRow(
                file=r["file"],
                side=r["side"],
                brooker=r["brooker"] or None,
                della_valle=r["della_valle"] or None,
                gap_mm=_opt_float(r["gap_mm"]),
                borderline=r["borderline"] == "true",
                true_brooker=r["true_brooker"] or None,
                true_gap_mm=_opt_float(r["true_gap_mm"]),
                spacing=r["spacing"],
                prosthesis_mm=_opt_float(r["prosthesis_mm"]),
                title=r["title"],
            )
            for r in csv.DictReader(f)
        ]


def sample_files(folder: Path | None = None) -> list[Path]:
    """The sample radiographs, in cases.csv order."""
    folder = folder or sample_data_dir()
    seen: dict[str, None] = {}
    for row in sample_rows(folder):
        seen.setdefault(row.file)
    return [folder / name for name in seen]


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def write_cases_csv(cases: Iterable[WrittenCase], path: Path) -> Path:
    """Write cases.csv from the designs (never from the grading engine)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for written in cases:
            design = written.case.rendering.design
            for exp in written.case.expected:
                if exp.side not in design.imaged_sides():
                    continue
                if exp.margin < MIN_MARGIN_MM:
                    raise ValueError(
                        f"{written.image.name} {exp.side}: the design sits {exp.margin:.3f} mm "
                        "from a grading threshold; choose a clearer size"
                    )
                writer.writerow(
                    [
                        written.image.name,
                        exp.side,
                        exp.brooker or "",
                        exp.della_valle or "",
                        _fmt(exp.gap_mm),
                        "true" if exp.borderline else "false",
                        exp.true_brooker or "",
                        _fmt(exp.true_gap_mm),
                        design.spacing,
                        _fmt(design.side(exp.side).prosthesis_mm),
                        design.description,
                    ]
                )
    return path
