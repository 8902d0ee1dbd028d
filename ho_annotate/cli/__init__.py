"""The ``ho-annotate`` command line: one parser, subcommands registered in one place.

Each subcommand lives in ``ho_annotate/cli/<name>.py`` (a ``-`` in its name is ``_`` there) and
exposes ``register(subparsers) -> None``, which adds its parser and sets ``func`` to a function
``(argparse.Namespace) -> int``. Subcommand modules import heavy dependencies (napari, dask,
matplotlib...) inside their run function, so ``ho-annotate --help`` stays fast and headless.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from ho_annotate._version import __version__
from ho_annotate.errors import HoAnnotateError

#: The subcommands, in the order ``--help`` lists them (roughly the order a user meets them).
#: Add new ones here (a name with "-" lives in a module with "_").
SUBCOMMANDS: tuple[str, ...] = (
    "demo",
    "info",
    "grade",
    "calibrate",
    "view",
    "synth",
    "synth-study",
    "measure",
    "agreement",
    "practice",
    "score",
    "export",
    "import-sr",
    "study",
)


#: The flag of each input a core error can name in ``HoAnnotateError.option``.
OPTION_FLAGS: dict[str, str] = {
    "annotations": "--annotations",
    "pseudonymize": "--pseudonymize",
    "reader": "--reader",
    "references": "--references",
    "scheduler": "--scheduler",
    "synthetic": "--synthetic",
    "workers": "--workers",
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
        module = importlib.import_module(f"ho_annotate.cli.{name.replace('-', '_')}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ho-annotate`` console script.

    Every failure ends as one line on stderr and a non-zero exit, never a traceback: our own
    refusals and file-system errors exit 2, an interruption 130, a closed pipe (``| head``)
    quietly 141, and anything unexpected 3 (``HO_ANNOTATE_DEBUG=1`` shows its traceback).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0 if args.command is None else 2
    from ho_annotate.dicom.safe_text import LibraryWarnings, printable
    from ho_annotate.files.outputs import describe_os_error

    def fail(message: str, code: int) -> int:
        print(f"ho-annotate {args.command}: {printable(message)}", file=sys.stderr)
        return code

    held = LibraryWarnings()
    try:
        with held:
            code = int(args.func(args) or 0)
        note = held.summary()
        if note:
            print(f"ho-annotate {args.command}: note: {note}", file=sys.stderr)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers, not at exit
        return code
    except BrokenPipeError:
        _silence_stdout()
        return 141
    except HoAnnotateError as exc:
        return fail(f"error: {error_text(exc)}", 2)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    except OSError as exc:
        return fail(f"error: {describe_os_error(exc)}", 2)
    except MemoryError:
        return fail("error: not enough memory for this input (nothing was written)", 2)
    except RecursionError:
        return fail("error: the input is nested too deeply to read", 2)
    except Exception as exc:  # the last guard: one line, not a traceback
        if os.environ.get("HO_ANNOTATE_DEBUG"):
            raise
        return fail(
            f"internal error: {type(exc).__name__}: {exc} (please report it; "
            "HO_ANNOTATE_DEBUG=1 shows the traceback)",
            3,
        )


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
