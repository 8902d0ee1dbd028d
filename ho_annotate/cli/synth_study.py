"""``ho-annotate synth-study``: a synthetic reading study with its truth table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "synth-study",
        help="write a synthetic reading study: images, reference sidecars and a truth table",
        description=(
            "Write OUT/images/ (single-hip synthetic DX radiographs, calibrated spacing), "
            "OUT/reference/ (the generator's reference sidecars, kept apart from the images "
            "where readers' sidecars go) and OUT/truth.csv (true gap and true grades per hip, "
            "for 'ho-annotate agreement --truth'). A share of the cases has a true gap near "
            "10 mm, where Brooker II and III meet."
        ),
    )
    parser.add_argument("out", type=Path, metavar="OUT", help="a new or empty folder")
    parser.add_argument("--cases", type=int, required=True, metavar="N", help="number of cases")
    parser.add_argument(
        "--boundary-share",
        type=float,
        default=0.5,
        metavar="SHARE",
        help="share of cases with a true gap within --boundary-mm of 10 mm (default 0.5)",
    )
    parser.add_argument("--boundary-mm", type=float, default=1.0, metavar="MM", help="default 1.0")
    parser.add_argument("--seed", type=int, default=0, help="the same seed gives the same study")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ho_annotate.synth.study_set import write_study_set

    written = write_study_set(
        args.out,
        args.cases,
        boundary_share=args.boundary_share,
        seed=args.seed,
        boundary_mm=args.boundary_mm,
    )
    near = sum(r["boundary"] == "true" for r in written.rows)
    print(
        f"wrote {len(written.rows)} cases ({near} near 10 mm) to {written.images}, references"
        f" to {written.reference}, truth to {written.truth}",
        file=sys.stderr,
    )
    return 0
