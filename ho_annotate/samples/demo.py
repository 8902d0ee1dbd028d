"""The demo: grade every bundled sample from its reference annotations, with overlays and a CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

from ho_annotate.annotations.naming import REFERENCE_READER as READER
from ho_annotate.samples.bundled import sample_data_dir, sample_files, sample_rows

if TYPE_CHECKING:
    from ho_annotate.annotations.model import Side
    from ho_annotate.grading import HipRecord

DEFAULT_OUT = Path("ho-annotate-demo")
TABLE_CSV = "demo.csv"
#: Marks a folder the demo wrote, so a second run may replace its own PNGs and table.
MARKER = ".ho-annotate-demo"


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

    @classmethod
    def from_record(cls, file: str, record: HipRecord) -> DemoRow:
        """The demo line of one hip graded by Brooker and Della Valle (Brooker's gap and reason)."""
        brooker, della_valle = record.schemes["brooker"], record.schemes["della-valle"]
        return cls(
            file=file,
            side=record.side,
            brooker=brooker.grade or "-",
            della_valle=della_valle.grade or "-",
            gap_mm="" if brooker.gap_mm is None else f"{brooker.gap_mm:.1f}",
            borderline="yes" if brooker.borderline else "no",
            spacing_kind=record.spacing_kind or "none",
            reason=brooker.reason,
            needs=" ".join(brooker.needs),
        )

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


def _prepare(out_dir: Path, names: list[str], overwrite: bool) -> None:
    """Create ``out_dir``; refuse to replace files in it that an earlier demo did not write."""
    from ho_annotate.files.outputs import OutputRefusedError, check_output_dir, refuse_input

    check_output_dir(out_dir, "demo")
    ours = (out_dir / MARKER).is_file()
    clash = [out_dir / n for n in names if (out_dir / n).exists()]
    for path in clash:
        refuse_input(path, "demo output")
        if path.is_dir():
            raise OutputRefusedError(f"{path}: is a folder; the demo would write a file there")
    if clash and not (ours or overwrite):
        raise OutputRefusedError(
            f"{out_dir}: already holds {clash[0].name} (not written by the demo); "
            "choose another --out folder or pass --overwrite"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text("written by ho-annotate demo\n", encoding="utf-8")


def run_demo(
    out_dir: Path = DEFAULT_OUT, samples: Path | None = None, *, overwrite: bool = False
) -> DemoResult:
    """Grade each sample (Brooker and Della Valle), draw its overlay, write the table.

    Files already in ``out_dir`` are replaced only when an earlier demo wrote them (the
    folder holds the demo's marker) or with ``overwrite``.
    """
    from ho_annotate.annotations.naming import sidecar_path
    from ho_annotate.annotations.store import load_annotations
    from ho_annotate.dicom.radiograph import load_radiograph
    from ho_annotate.files.atomic import atomic_path
    from ho_annotate.grading import HipRecord, grade
    from ho_annotate.report.overlay import render_overlay

    folder = samples or sample_data_dir()
    titles = {row.file: row.title for row in sample_rows(folder)}
    result = DemoResult(Path(out_dir))
    images = sample_files(folder)
    _prepare(result.out_dir, [*(f"{i.stem}.png" for i in images), TABLE_CSV], overwrite)
    for image in images:
        rad = load_radiograph(image)
        aset = load_annotations(sidecar_path(image, READER), expected_sop_uid=rad.sop_instance_uid)
        brooker = grade(aset, rad.spacing, "brooker")
        della_valle = grade(aset, rad.spacing, "della-valle")
        right_first: tuple[Side, ...] = ("right", "left")
        for side in right_first:
            res = brooker.sides[side]
            if res.status == "not assessable":
                continue
            dv = della_valle.sides[side]
            record = HipRecord.from_results(side, [("brooker", res), ("della-valle", dv)])
            result.rows.append(DemoRow.from_record(image.name, record))
        png = result.out_dir / f"{image.stem}.png"
        render_overlay(rad, aset, [brooker, della_valle], png, title=titles.get(image.name))
        result.overlays.append(png)
    result.table = result.out_dir / TABLE_CSV
    with atomic_path(result.table) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
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
