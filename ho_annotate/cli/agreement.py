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
            "Agreement between readers in a table written by 'ho-annotate measure' or "
            "'ho-annotate study export': per reader pair and grading scheme Cohen's kappa "
            "(unweighted, linear, quadratic), percent agreement and the confusion matrix; "
            "Fleiss' kappa when there are three or more readers; each reader against a "
            "reference reader or a truth table; re-reads of one reader against each other; for "
            "patient-plane gaps (detector-plane ones separately) ICC(2,1) and Bland-Altman. "
            "Every statistic has a 95 %% interval from a seeded bootstrap over patients (a "
            "'patient' column), else studies, else images."
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
    parser.add_argument(
        "--reference", metavar="READER", help="a reader who is the standard, not a reader"
    )
    parser.add_argument(
        "--truth",
        type=Path,
        metavar="FILE",
        help="truth table (CSV: image, side, gap_mm, grade per scheme), e.g. from synth-study",
    )
    parser.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="COLUMN",
        help="also report each subgroup of hips by this column (repeatable)",
    )
    parser.add_argument(
        "--boundary-mm",
        type=float,
        default=1.0,
        metavar="MM",
        help="II/III boundary subgroup: standard gap within MM of 10 mm (default 1)",
    )
    parser.add_argument(
        "--resamples",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples for the 95 %% intervals (default 1000; 0: none)",
    )
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    parser.add_argument(
        "--cluster",
        metavar="COLUMN",
        help="column whose values group hips for the bootstrap (default: patient, "
        "study_instance_uid, image: the first present)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--plots",
        type=Path,
        metavar="DIR",
        help="write PNG confusion matrices and Bland-Altman plots",
    )
    parser.add_argument(
        "--wide",
        type=Path,
        metavar="FILE.csv",
        help="write one row per hip, a column per reader (.csv; .sav or .dta with grade labels "
        "need the stats extra)",
    )
    parser.add_argument(
        "--report", type=Path, metavar="FILE.html", help="write a self-contained HTML report"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ho_annotate.batch.output import read_results
    from ho_annotate.errors import HoAnnotateError

    if args.resamples < 0 or args.boundary_mm < 0:
        raise HoAnnotateError("--resamples and --boundary-mm must be zero or more")
    table = read_results(args.results)  # fails fast, before the statistics libraries load
    from ho_annotate.agreement import Bootstrap, agreement, format_text, read_truth, to_json
    from ho_annotate.agreement.hips import prepare

    truth = read_truth(args.truth) if args.truth is not None else None
    result = agreement(
        table,
        schemes=args.schemes,
        reference=args.reference,
        truth=truth,
        by=args.by,
        boundary_mm=args.boundary_mm,
        bootstrap=Bootstrap(resamples=args.resamples, seed=args.seed),
        cluster=args.cluster,
    )
    if args.json:
        json.dump(to_json(result), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_text(result))
    if args.plots is not None:
        from ho_annotate.agreement import write_plots

        written = write_plots(result, args.plots)
        print(f"wrote {len(written)} plots to {args.plots}", file=sys.stderr)
    if args.wide is not None:
        from ho_annotate.agreement.wide import grade_codes, wide_table, write_wide

        prepared = prepare(
            table, schemes=args.schemes, reference=args.reference, truth=truth,
            cluster=args.cluster,
        )  # fmt: skip
        wide = wide_table(prepared)
        write_wide(wide, args.wide, grade_codes(prepared, wide))
        print(f"wrote {args.wide}", file=sys.stderr)
    if args.report is not None:
        from ho_annotate.agreement.html import write_html

        write_html(result, args.report, source=args.results.name, table=table)
        print(f"wrote {args.report}", file=sys.stderr)
    return 0
