"""``ho-annotate study``: create a reading study, follow its progress, export its reads.

``study read`` and ``study adjudicate`` (the workbench on a reader's worklist) need the
workbench's reading model and are not here yet.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "study",
        help="a blinded, randomised reading study: create, status, export",
        description=(
            "A reading study over one folder: STUDY/study.json holds the images (by SOP "
            "Instance UID and relative path) under neutral case labels, the readers with a "
            "seeded random case order per read, the washout and the reference reader; each "
            "read keeps its sidecars in STUDY/reads/<reader>/<read>/. See docs/studies.md."
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="write STUDY/study.json for the given images")
    create.add_argument("study", type=Path, metavar="STUDY", help="the study folder")
    create.add_argument(
        "--images", nargs="+", type=Path, required=True, metavar="PATH", help="files or folders"
    )
    create.add_argument(
        "--readers", required=True, metavar="NAMES", help="comma-separated: alice,bob,carol"
    )
    create.add_argument("--reads", type=int, default=1, help="reads per reader (default 1)")
    create.add_argument(
        "--washout-days", type=float, default=14.0, help="days between reads (default 14)"
    )
    create.add_argument("--reference", metavar="READER", help="the reference reader (reads once)")
    create.add_argument("--seed", type=int, default=0, help="seed of the case orders")
    create.set_defaults(func=run_create)
    status = actions.add_parser("status", help="per reader and read: done, time, next opening")
    status.add_argument("study", type=Path, metavar="STUDY")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(func=run_status)
    export = actions.add_parser(
        "export", help="the measure table of every read, with read, time and submission"
    )
    export.add_argument("study", type=Path, metavar="STUDY")
    export.add_argument(
        "-o", "--output", type=Path, required=True, help="results.csv or results.parquet"
    )
    export.add_argument(
        "--scheme", action="append", dest="schemes", metavar="NAME", help="grading scheme"
    )
    export.add_argument("--overwrite", action="store_true", help="replace an existing file")
    export.set_defaults(func=run_export)


def run_create(args: argparse.Namespace) -> int:
    from ho_annotate.study import create_study

    study = create_study(
        args.study,
        args.images,
        args.readers.split(","),
        reads=args.reads,
        washout_days=args.washout_days,
        reference=args.reference,
        seed=args.seed,
    )
    print(
        f"created {args.study / 'study.json'}: {len(study.cases)} cases, readers "
        f"{', '.join(study.readers)}"
        + (f", reference {study.reference}" if study.reference else ""),
        file=sys.stderr,
    )
    return 0


def run_status(args: argparse.Namespace) -> int:
    from ho_annotate.study import format_status, study_status

    status = study_status(args.study)
    if args.json:
        json.dump(status, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_status(status))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from ho_annotate.study import export_study

    out = export_study(args.study, args.output, schemes=args.schemes, overwrite=args.overwrite)
    print(f"wrote {out}", file=sys.stderr)
    return 0
