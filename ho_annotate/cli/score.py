"""``ho-annotate score``: compare a folder of student sidecars with the reference sidecars."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

DESCRIPTION = (
    "Compare a student's sidecars with reference sidecars of the same radiographs (paired by "
    "SOPInstanceUID): per hip the grade right or wrong, the gap difference in mm, islands and "
    "spurs missed or extra (matched by overlap), and why the reference grade is what it is; "
    "then accuracy, quadratic-weighted kappa and a confusion table. A reference case with no "
    "student file counts as not read."
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "score", help="score student sidecars against references", description=DESCRIPTION
    )
    parser.add_argument("student_dir", type=Path, metavar="STUDENT_DIR")
    parser.add_argument("reference_dir", type=Path, metavar="REFERENCE_DIR")
    parser.add_argument(
        "--images",
        type=Path,
        metavar="DIR",
        help="folder of the radiographs, for their header spacing "
        "(default: the spacing recorded in the sidecars)",
    )
    parser.add_argument("--reader", help="score only this reader's sidecars")
    parser.add_argument("--scheme", default="brooker", help="grading scheme (default brooker)")
    parser.add_argument(
        "--iou",
        type=float,
        default=0.3,
        help="overlap (IoU) needed to match a student shape to a reference shape (default 0.3)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def run(args: argparse.Namespace) -> int:
    import msgspec

    from ho_annotate.errors import HoAnnotateError
    from ho_annotate.grading import get_scheme
    from ho_annotate.practice.folders import score_folders
    from ho_annotate.practice.score import format_confusion, format_summary

    get_scheme(args.scheme)  # refuses an unknown name, listing the known ones
    if not 0.0 < args.iou <= 1.0:
        raise HoAnnotateError(f"--iou {args.iou}: give an overlap between 0 and 1")
    result = score_folders(
        args.student_dir,
        args.reference_dir,
        images_dir=args.images,
        reader=args.reader,
        scheme=args.scheme,
        iou_threshold=args.iou,
    )
    for path in result.unmatched:
        print(f"ho-annotate score: warning: {path}: no reference for this image", file=sys.stderr)
    if args.json:
        print(msgspec.json.encode(result).decode())
        return 0
    rows = [["case", "side", "reference", "student", "outcome", "gap diff mm", "missed", "extra"]]
    notes = []
    for case in result.cases:
        for side, s in case.sides.items():
            gap = f"{s.gap_diff_mm:+.1f}" if s.gap_diff_mm is not None else ""
            rows.append(
                [
                    case.case,
                    side,
                    s.reference_grade or "-",
                    s.student_grade or "-",
                    s.outcome,
                    gap,
                    str(len(s.missed)),
                    str(len(s.extra)),
                ]
            )
            if s.outcome not in ("right", "no reference"):
                notes.append(f"{case.case} {side}: {s.feedback} {s.reason}")
    print(_table(rows))
    print()
    print(format_summary(result.summary))
    print()
    print(format_confusion(result.summary))
    if notes:
        print()
        print("\n".join(notes))
    return 0
