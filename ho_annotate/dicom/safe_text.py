"""Text from files made safe to print: no control characters or terminal escape sequences.

DICOM header text, file names and error messages can carry ANSI escapes (ESC [ ... m) or other
control characters that would recolour, move or clear a reader's terminal, or hide a line.
"""

from __future__ import annotations

import re
from types import TracebackType
from typing import Any, Final

# CSI and OSC sequences first (so their parameters go too), then any other C0/C1 control.
_ESCAPES: Final = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x9b[0-?]*[ -/]*[@-~]"
)
_CONTROLS: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` with escape sequences removed and other control characters shown as ``?``."""
    value = _ESCAPES.sub("", str(text))
    if not keep_newlines:
        value = value.replace("\n", " ").replace("\t", " ")
    return _CONTROLS.sub("?", value)


_QUOTED: Final = re.compile(r"'[^']*'|\"[^\"]*\"|b'[^']*'")
_NUMBERS: Final = re.compile(r"\b\d+(?:\.\d+)+\b")


_UID: Final = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_CODE: Final = re.compile(r"[A-Z0-9 _]{1,16}")


def safe_uid(value: str | None) -> str | None:
    """A UID as printed: only when it is one (digits and dots, at most 64), else a notice."""
    if not value:
        return None
    return value if len(value) <= 64 and _UID.fullmatch(value) else "(not a valid UID, not shown)"


def safe_code(value: str | None) -> str | None:
    """A code string (Modality, ViewPosition...) as printed: only a valid CS value."""
    if not value:
        return None
    return value if _CODE.fullmatch(value) else "(not a valid code string, not shown)"


def without_values(message: str) -> str:
    """A library's warning text with anything that may be a header value taken out.

    pydicom quotes the offending value (``Invalid value for VR UI: 'Doe^John'``): quoted text
    and UID-like numbers are replaced by ``…``.
    """
    text = _QUOTED.sub("…", printable(message))
    text = _NUMBERS.sub("…", text)
    return text.split(". Please see")[0].strip()


class LibraryWarnings:
    """Collects the warnings and log records libraries emit while a block runs, instead of
    letting them print header values (names, accession numbers, UIDs) to the terminal."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def __enter__(self) -> LibraryWarnings:
        import logging
        import warnings

        self._catcher = warnings.catch_warnings(record=True)
        self._records = self._catcher.__enter__()
        warnings.simplefilter("always")
        self._logger = logging.getLogger("pydicom")
        self._handler = _ListHandler(self.messages)
        self._propagate = self._logger.propagate
        self._logger.addHandler(self._handler)
        self._logger.propagate = False
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._logger.removeHandler(self._handler)
        self._logger.propagate = self._propagate
        for record in self._records:
            self.messages.append(
                f"{record.category.__name__}: {without_values(str(record.message))}"
            )
        self._catcher.__exit__(kind, value, trace)

    def summary(self) -> str | None:
        """One line naming how many warnings there were and the distinct kinds, or None."""
        if not self.messages:
            return None
        kinds = list(dict.fromkeys(self.messages))
        shown = "; ".join(kinds[:3]) + ("; …" if len(kinds) > 3 else "")
        return f"{len(self.messages)} warning(s) about the input (values not shown): {shown}"


class _ListHandler:
    """A minimal logging handler that keeps record messages without values."""

    def __new__(cls, sink: list[str]) -> Any:
        import logging

        class Handler(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                try:
                    text = record.getMessage()
                except Exception:
                    text = str(record.msg)
                sink.append(f"{record.levelname.lower()}: {without_values(text)}")

        return Handler(logging.WARNING)
