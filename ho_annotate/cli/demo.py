"""``ho-annotate demo``: grade the bundled samples, write overlay PNGs and a CSV table."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from ho_annotate.samples.demo import DEFAULT_OUT, TABLE_CSV

DESCRIPTION = (
    "Grade every bundled synthetic sample radiograph from its reference annotations "
    "(Brooker and Della Valle), print a table with the reasons, and write an overlay PNG per "
    "case and the table as CSV. Runs headless in seconds."
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo", help="grade the bundled samples and write overlays", description=DESCRIPTION
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        default=DEFAULT_OUT,
        help=f"where to write the PNGs and {TABLE_CSV} (default: ./{DEFAULT_OUT})",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace same-named files in a folder the demo did not write",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ho_annotate.samples.demo import format_table, run_demo

    start = time.perf_counter()
    result = run_demo(args.out, overwrite=args.overwrite)
    print(format_table(result.rows))
    print()
    seconds = time.perf_counter() - start
    print(
        f"wrote {len(result.overlays)} overlay PNGs and {result.table} "
        f"into {result.out_dir.resolve()} ({seconds:.1f} s)"
    )
    print("open a PNG to see the annotations and grades drawn on the radiograph")
    return 0
