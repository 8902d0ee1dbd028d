"""``ho-annotate measure``: a results table for many radiographs and readers."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "measure",
        help="measure and grade many radiographs into one CSV/Parquet table",
        description=(
            "Find radiographs under the given files and folders and every reader's sidecar "
            "for each, and write one row per image, side and reader (grades of every scheme, "
            "decisive gap in mm, borderline, needs, islands, spacing kind, UIDs). Reads DICOM "
            "headers only. A bad file gives a row with an 'error' and the run goes on. No "
            "patient names, IDs or birth dates are written. See docs/batch.md for the columns."
        ),
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="results file: CSV, or Parquet when the name ends in .parquet",
    )
    parser.add_argument(
        "--annotations",
        type=Path,
        metavar="DIR",
        help="folder holding the sidecars, if not beside the images",
    )
    parser.add_argument(
        "--scheme",
        action="append",
        dest="schemes",
        metavar="NAME",
        help="grading scheme (repeatable; default: every registered scheme)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        metavar="N",
        help="measure on N local processes (this one included)",
    )
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on a Dask distributed scheduler (tcp://...)"
    )
    parser.add_argument(
        "--pseudonymize",
        metavar="SALT",
        help="replace UIDs and paths by salted hashes (keep the salt secret)",
    )
    parser.add_argument(
        "--resume", action="store_true", help="skip images the output already holds, append"
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace an existing results file when done"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit with status 1 when any row has an error"
    )
    parser.add_argument(
        "--export-sr",
        type=Path,
        metavar="DIR",
        help="also write a DICOM SR (TID 1500) per image and reader into DIR (new files only)",
    )
    parser.add_argument(
        "--include-reference",
        action="store_true",
        help="measure 'reference' sidecars as a reader too (left out by default)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ho_annotate.batch import measure_to_file
    from ho_annotate.errors import HoAnnotateError

    if args.workers < 0:
        raise HoAnnotateError("--workers must be 0 or more")
    if args.workers > 1 and args.scheduler:
        raise HoAnnotateError("give either --workers or --scheduler, not both")
    _note_shared_cpus(args.workers)
    try:
        summary = measure_to_file(
            args.paths,
            args.output,
            annotations_dir=args.annotations,
            schemes=args.schemes,
            workers=args.workers,
            scheduler=args.scheduler,
            pseudonymize=args.pseudonymize,
            resume=args.resume,
            overwrite=args.overwrite,
            progress=not args.quiet,
            include_reference=args.include_reference,
        )
    except KeyboardInterrupt:
        if Path(args.output).is_file():
            print(
                "ho-annotate measure: interrupted; the images measured so far are in "
                f"{args.output}: the same command with --resume measures the rest",
                file=sys.stderr,
            )
            return 130
        raise
    if not args.quiet:
        skipped = f", {summary.skipped} already done" if summary.skipped else ""
        print(
            f"measured {summary.images} images{skipped}: {summary.rows} rows,"
            f" {summary.errors} with errors -> {summary.output}",
            file=sys.stderr,
        )
    failed = 0
    if args.export_sr is not None:
        from ho_annotate.export.dataset import export_dataset_srs

        exported = export_dataset_srs(
            args.paths,
            args.export_sr,
            annotations_dir=args.annotations,
            pseudonymize=args.pseudonymize,
        )
        failed = len(exported.failed)
        for line in exported.failed:
            print(f"ho-annotate measure: SR not written: {line}", file=sys.stderr)
        if not args.quiet:
            print(f"wrote {len(exported.written)} SRs -> {args.export_sr}", file=sys.stderr)
    if args.strict and (summary.errors or failed):
        print(f"ho-annotate measure: {summary.errors} rows have errors (--strict)", file=sys.stderr)
        return 1
    return 0


def _note_shared_cpus(workers: int) -> None:
    """Say when the processes asked for outnumber the CPUs (allowed: slow storage may gain)."""
    from ho_annotate.batch.processes import MAX_PER_CPU, usable_cpus

    cpus = usable_cpus()
    if cpus < workers <= MAX_PER_CPU * cpus:
        print(
            f"ho-annotate measure: note: {workers} processes share {cpus} "
            f"CPU{'s' if cpus != 1 else ''} here; about one per CPU is usually fastest",
            file=sys.stderr,
        )
