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
        help="make a synthetic set of N cases in SET (default ./practice-set): the first at "
        "once, the rest in the background while you practise; a set left half made goes on "
        "with the same N and --seed",
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


def _pending(maker: Any, session: Any) -> Any:
    """``maker`` while its set or the run still lacks cases, else ``None``."""
    if maker is None or (maker.complete and len(session.run.cases) >= maker.total):
        return None
    return maker


def _open_session(args: argparse.Namespace, reader: str) -> tuple[Any, Any]:
    """The run to practise and, while its synthetic set is still being made, its maker."""
    from ho_annotate.errors import HoAnnotateError
    from ho_annotate.practice.background import SyntheticSetMaker, present_ready
    from ho_annotate.practice.run import RUN_FILE, PracticeSession, create_run, prepare_run

    set_dir: Path | None = args.set_dir
    if set_dir is not None and (set_dir / RUN_FILE).is_file():
        session = PracticeSession(set_dir)
        maker = SyntheticSetMaker.resume(Path(session.run.set_dir))
        return session, _pending(maker, session)
    if args.synthetic is not None:
        if args.synthetic < 1:
            raise HoAnnotateError(f"--synthetic {args.synthetic}: give at least one case")
        set_dir = set_dir or Path("practice-set")
    if set_dir is None:
        raise HoAnnotateError("give a practice set folder (or a run folder), or --synthetic N")
    if args.synthetic is not None:
        maker = SyntheticSetMaker(set_dir, args.synthetic, seed=args.seed, order_seed=args.seed)
    else:  # a synthetic set left half made goes on
        maker = SyntheticSetMaker.resume(set_dir)
    run_dir: Path = args.run or Path(f"{set_dir.resolve().name}-{reader}-practice")
    if (run_dir / RUN_FILE).is_file():
        session = PracticeSession(run_dir)
        return session, _pending(maker, session)
    if maker is None:
        session = prepare_run(
            set_dir,
            run_dir,
            reader=reader,
            references_dir=args.references,
            scheme=args.scheme,
            iou_threshold=args.iou,
            seed=args.seed,
        )
        return session, None
    if args.no_viewer:
        _make_all(maker)
    elif not maker.complete:
        print(f"Making case 1 of {maker.total} in {set_dir} ...", file=sys.stderr, flush=True)
        maker.make_first()
    session = create_run(
        set_dir,
        run_dir,
        reader=reader,
        references_dir=args.references,
        scheme=args.scheme,
        iou_threshold=args.iou,
    )
    present_ready(session, maker)
    return session, _pending(maker, session)


def _make_all(maker: Any) -> None:
    """Without a viewer: make every missing case here."""
    if not maker.complete:
        print(f"Making {maker.total} synthetic cases in {maker.set_dir} ...", file=sys.stderr)
        maker.make_all(lambda done, n: print(f"  {done}/{n}", file=sys.stderr, flush=True))


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
    from ho_annotate.annotations.naming import check_reader

    reader = check_reader(args.reader or _default_reader())
    session, maker = _open_session(args, reader)
    if maker is not None and args.no_viewer:
        from ho_annotate.practice.background import present_ready

        _make_all(maker)
        present_ready(session, maker)
        maker = None
    try:
        if maker is not None:
            maker.start()  # the other cases, in a child process, while napari opens
        done = sum(c.submitted is not None for c in session.run.cases)
        total = maker.total if maker is not None else len(session.run.cases)
        print(f"Practice run {session.run_dir}: {total} cases, {done} submitted.")
        if maker is not None:
            print(f"{maker.ready()} of {total} cases ready; the rest are being made.")
        print(f"Run file: {session.path}")
        if done:
            print(format_summary(session.summary()))
        if args.no_viewer:
            return 0
        from napari_ho_annotate import launch_practice

        launch_practice(session.run_dir, preparing=maker)
    finally:
        if maker is not None:
            maker.cancel()  # closing the window stops the child; the set can be resumed
    return 0
