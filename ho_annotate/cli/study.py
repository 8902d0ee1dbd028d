"""``ho-annotate study``: create a reading study, follow its progress, export its reads.

``study read`` opens the workbench (the napari plugin's ``launch_study_read``) on a reader's
current read; ``study adjudicate`` (its ``launch_study_adjudication``) the disputed cases.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "study",
        help="a blinded, randomised reading study: create, read, adjudicate, status, export",
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
    read = actions.add_parser(
        "read", help="the workbench on a reader's current read: blinded, with Submit"
    )
    read.add_argument("study", type=Path, metavar="STUDY")
    read.add_argument("--reader", required=True, metavar="NAME", help="the reader reading")
    read.set_defaults(func=run_read)
    adjudicate = actions.add_parser(
        "adjudicate",
        help="the cases readers disagree on, every reader's drawings shown: a consensus read",
    )
    adjudicate.add_argument("study", type=Path, metavar="STUDY")
    adjudicate.add_argument(
        "--reader", required=True, metavar="NAME", help="the adjudicator (the study's reference)"
    )
    adjudicate.set_defaults(func=run_adjudicate)
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


def run_read(args: argparse.Namespace) -> int:
    from ho_annotate.cli import require_napari
    from ho_annotate.study import current_read, load_study

    current_read(load_study(args.study), args.reader)  # no read open: say so before any window
    require_napari()
    from napari_ho_annotate import launch_study_read

    launch_study_read(args.study, args.reader)
    return 0


def run_adjudicate(args: argparse.Namespace) -> int:
    from ho_annotate.cli import require_napari

    require_napari()
    from napari_ho_annotate import launch_study_adjudication

    launch_study_adjudication(args.study, args.reader)
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
