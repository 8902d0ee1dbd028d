"""``ho-annotate practice``: prepare or resume a practice run and open it in napari."""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from pathlib import Path
from typing import Any

DESCRIPTION = (
    "Practise grading: each radiograph of a set is shown under a neutral name (case_001...) "
    "with telling attributes removed; you annotate and/or pick a grade per hip and submit, then "
    "the reference appears beside your answer with what was right, wrong, missed or extra, and "
    "why. The run (answers, running score, confusion table) is saved in a practice-run file you "
    "can resume and an instructor can collect. SET is a folder of radiographs with reference "
    "sidecars in SET/references, or an existing run folder to resume."
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "practice", help="practise grading against reference readings", description=DESCRIPTION
    )
    parser.add_argument(
        "set_dir",
        nargs="?",
        type=Path,
        metavar="SET",
        help="practice set folder, or a run folder to resume",
    )
    parser.add_argument(
        "--synthetic",
        type=int,
        metavar="N",
        help="generate a synthetic set of N cases into SET (default ./practice-set)",
    )
    parser.add_argument(
        "--references",
        type=Path,
        metavar="DIR",
        help="reference sidecars (default SET/references, else beside the images)",
    )
    parser.add_argument(
        "--run",
        type=Path,
        metavar="DIR",
        help="run folder (default ./<set name>-<reader>-practice; resumed when it exists)",
    )
    parser.add_argument("--reader", help="your reader name (default: your user name)")
    parser.add_argument("--scheme", default="brooker", help="grading scheme (default brooker)")
    parser.add_argument(
        "--iou",
        type=float,
        default=0.3,
        help="overlap (IoU) needed to match your shape to a reference shape (default 0.3; "
        "a new run only)",
    )
    parser.add_argument("--seed", type=int, default=0, help="case order and synthetic seed")
    parser.add_argument(
        "--no-viewer", action="store_true", help="prepare the run and print its state, no napari"
    )
    parser.set_defaults(func=run)


def _default_reader() -> str:
    """The user name, made a valid reader name (letters, digits, ``_`` and ``-``)."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", getpass.getuser()).strip("-_")
    return name[:64] or "student"


def _open_session(args: argparse.Namespace, reader: str) -> Any:
    from ho_annotate.errors import HoAnnotateError
    from ho_annotate.practice.run import RUN_FILE, PracticeSession, prepare_run
    from ho_annotate.practice.synthetic import generate_synthetic_set

    set_dir: Path | None = args.set_dir
    if set_dir is not None and (set_dir / RUN_FILE).is_file():
        return PracticeSession(set_dir)
    if args.synthetic is not None:
        if args.synthetic < 1:
            raise HoAnnotateError(f"--synthetic {args.synthetic}: give at least one case")
        set_dir = set_dir or Path("practice-set")
    if set_dir is None:
        raise HoAnnotateError("give a practice set folder (or a run folder), or --synthetic N")
    run_dir: Path = args.run or Path(f"{set_dir.resolve().name}-{reader}-practice")
    if (run_dir / RUN_FILE).is_file():
        return PracticeSession(run_dir)
    if args.synthetic is not None:
        print(f"Generating {args.synthetic} synthetic cases in {set_dir} ...", file=sys.stderr)
        generate_synthetic_set(
            set_dir,
            args.synthetic,
            seed=args.seed,
            progress=lambda done, n: print(f"  {done}/{n}", file=sys.stderr, flush=True),
        )
    return prepare_run(
        set_dir,
        run_dir,
        reader=reader,
        references_dir=args.references,
        scheme=args.scheme,
        iou_threshold=args.iou,
        seed=args.seed,
    )


def run(args: argparse.Namespace) -> int:
    from ho_annotate.errors import HoAnnotateError
    from ho_annotate.grading import get_scheme
    from ho_annotate.practice.score import format_summary

    get_scheme(args.scheme)  # refuses an unknown name, listing the known ones
    if not 0.0 < args.iou <= 1.0:
        raise HoAnnotateError(f"--iou {args.iou}: give an overlap between 0 and 1")
    if not args.no_viewer:
        from ho_annotate.cli import require_napari

        require_napari()
    from ho_annotate.annotations.store import check_reader

    reader = check_reader(args.reader or _default_reader())
    session = _open_session(args, reader)
    done = sum(c.submitted is not None for c in session.run.cases)
    print(f"Practice run {session.run_dir}: {len(session.run.cases)} cases, {done} submitted.")
    print(f"Run file: {session.path}")
    if done:
        print(format_summary(session.summary()))
    if args.no_viewer:
        return 0
    import napari
    from napari_ho_annotate.practice_widget import PracticeWidget

    viewer = napari.Viewer(title="ho-annotate practice")
    viewer.window.add_dock_widget(
        PracticeWidget(viewer, session.run_dir), name="Practice", area="right"
    )
    napari.run()
    return 0
