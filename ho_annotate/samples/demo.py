"""The demo: grade every bundled sample from its reference annotations, with overlays and a CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, fields
from pathlib import Path

from ho_annotate.samples.bundled import sample_data_dir, sample_files, sample_rows

DEFAULT_OUT = Path("ho-annotate-demo")
TABLE_CSV = "demo.csv"
READER = "reference"


@dataclass(frozen=True)
class DemoRow:
    """One line of demo.csv; fields named as the ``grade --json`` fields they come from."""

    file: str
    side: str
    brooker: str
    della_valle: str
    gap_mm: str
    borderline: str
    spacing_kind: str
    reason: str
    needs: str

    def values(self) -> tuple[str, ...]:
        return tuple(str(getattr(self, name)) for name in COLUMNS)


#: The CSV header: DemoRow's fields, in order.
COLUMNS = tuple(f.name for f in fields(DemoRow))


@dataclass
class DemoResult:
    out_dir: Path
    rows: list[DemoRow] = field(default_factory=list)
    overlays: list[Path] = field(default_factory=list)
    table: Path | None = None


def run_demo(out_dir: Path = DEFAULT_OUT, samples: Path | None = None) -> DemoResult:
    """Grade each sample (Brooker and Della Valle), draw its overlay, write the table."""
    from ho_annotate.annotations.store import load_annotations, sidecar_path
    from ho_annotate.dicom.radiograph import load_radiograph
    from ho_annotate.grading import grade
    from ho_annotate.report.overlay import render_overlay

    folder = samples or sample_data_dir()
    titles = {row.file: row.title for row in sample_rows(folder)}
    result = DemoResult(Path(out_dir))
    result.out_dir.mkdir(parents=True, exist_ok=True)
    for image in sample_files(folder):
        rad = load_radiograph(image)
        aset = load_annotations(sidecar_path(image, READER), expected_sop_uid=rad.sop_instance_uid)
        brooker = grade(aset, rad.spacing, "brooker")
        della_valle = grade(aset, rad.spacing, "della-valle")
        for side in ("right", "left"):
            res = brooker.sides[side]  # type: ignore[index]
            if res.status == "not assessable":
                continue
            dv = della_valle.sides[side]  # type: ignore[index]
            result.rows.append(
                DemoRow(
                    file=image.name,
                    side=side,
                    brooker=res.grade or "-",
                    della_valle=dv.grade or "-",
                    gap_mm="" if res.gap_mm is None else f"{res.gap_mm:.1f}",
                    borderline="yes" if res.borderline else "no",
                    spacing_kind=res.spacing_kind or "none",
                    reason=res.reason,
                    needs=" ".join(n.code for n in res.needs),
                )
            )
        png = result.out_dir / f"{image.stem}.png"
        render_overlay(rad, aset, [brooker, della_valle], png, title=titles.get(image.name))
        result.overlays.append(png)
    result.table = result.out_dir / TABLE_CSV
    with open(result.table, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(row.values() for row in result.rows)
    return result


def format_table(rows: list[DemoRow], reason_width: int = 72) -> str:
    """A plain-text table for the terminal (long reasons are shortened; the CSV has them whole)."""
    head = (
        "file", "side", "Brooker", "Della Valle", "gap mm", "borderline", "spacing", "reason",
        "needs",
    )  # fmt: skip
    at = COLUMNS.index("reason")
    body = []
    for row in rows:
        values = list(row.values())
        if len(values[at]) > reason_width:
            values[at] = values[at][: reason_width - 1].rstrip() + "…"
        body.append(values)
    widths = [max(len(str(r[i])) for r in [head, *body]) for i in range(len(head))]
    lines = [
        "  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
        for r in [head, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
