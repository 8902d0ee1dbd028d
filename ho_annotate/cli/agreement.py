"""``ho-annotate agreement``: inter-reader agreement from a ``measure`` results table."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "agreement",
        help="inter-reader agreement (kappa, ICC, Bland-Altman) from a measure table",
        description=(
            "Agreement between readers in a table written by 'ho-annotate measure': per reader "
            "pair and grading scheme Cohen's kappa (unweighted, linear, quadratic), percent "
            "agreement and the confusion matrix; Fleiss' kappa when there are three or more "
            "readers; for the gap in mm ICC(2,1) absolute agreement with its 95 % interval and "
            "Bland-Altman bias and limits. Hips not read or without a grade are left out "
            "pairwise and counted."
        ),
    )
    parser.add_argument("results", type=Path, help="results table (.csv or .parquet)")
    parser.add_argument(
        "--scheme",
        action="append",
        dest="schemes",
        metavar="NAME",
        help="grading scheme to compare (repeatable; default: every grade column)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--plots",
        type=Path,
        metavar="DIR",
        help="write PNG confusion matrices and Bland-Altman plots",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ho_annotate.batch.output import read_results

    table = read_results(args.results)  # fails fast, before the statistics libraries load
    from ho_annotate.agreement import agreement, format_text, to_json, write_plots

    result = agreement(table, schemes=args.schemes)
    if args.json:
        json.dump(to_json(result), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_text(result))
    if args.plots is not None:
        written = write_plots(result, args.plots)
        print(f"wrote {len(written)} plots to {args.plots}", file=sys.stderr)
    return 0
