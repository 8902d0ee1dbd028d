"""The ``ho-annotate`` command line: one parser, subcommands registered in one place.

Each subcommand lives in ``ho_annotate/cli/<name>.py`` and exposes
``register(subparsers) -> None``, which adds its parser and sets ``func`` to a function
``(argparse.Namespace) -> int``. Subcommand modules import heavy dependencies (napari, dask,
matplotlib...) inside their run function, so ``ho-annotate --help`` stays fast and headless.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ho_annotate._version import __version__
from ho_annotate.errors import HoAnnotateError

#: The subcommands, in the order ``--help`` lists them (roughly the order a user meets them).
#: Add new ones here.
SUBCOMMANDS: tuple[str, ...] = (
    "demo",
    "info",
    "grade",
    "calibrate",
    "view",
    "synth",
    "measure",
    "agreement",
    "practice",
    "score",
)


#: The flag of each input a core error can name in ``HoAnnotateError.option``.
OPTION_FLAGS: dict[str, str] = {
    "annotations": "--annotations",
    "reader": "--reader",
    "references": "--references",
    "scheduler": "--scheduler",
    "synthetic": "--synthetic",
}


def error_text(exc: HoAnnotateError) -> str:
    """The one-line message of a core error, naming the flag of the option it points to."""
    flag = OPTION_FLAGS.get(exc.option or "")
    return f"{exc} ({flag})" if flag else str(exc)


class MissingExtraError(HoAnnotateError):
    """A subcommand needs an optional extra that is not installed."""


def require_napari() -> None:
    """Fail with an install hint when the napari extra is missing."""
    try:
        import napari  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError(
            "this command needs napari: install it with  pip install 'ho-annotate[napari]'"
        ) from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ho-annotate",
        description=(
            "Heterotopic ossification on hip radiographs: load DICOM, measure gaps in mm, "
            "grade Brooker and Della Valle. For research and education, not a medical device."
        ),
    )
    parser.add_argument("--version", action="version", version=f"ho-annotate {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"ho_annotate.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ho-annotate`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0 if args.command is None else 2
    try:
        return int(args.func(args) or 0)
    except HoAnnotateError as exc:
        print(f"ho-annotate {args.command}: error: {error_text(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ho-annotate {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
