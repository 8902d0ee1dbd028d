"""Text from files made safe to print: no control characters or terminal escape sequences.

DICOM header text, file names and error messages can carry ANSI escapes (ESC [ ... m) or other
control characters that would recolour, move or clear a reader's terminal, or hide a line.
"""

from __future__ import annotations

import re
from typing import Final

# CSI and OSC sequences first (so their parameters go too), then any other C0/C1 control.
_ESCAPES: Final = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x9b[0-?]*[ -/]*[@-~]")
_CONTROLS: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` with escape sequences removed and other control characters shown as ``?``."""
    value = _ESCAPES.sub("", str(text))
    if not keep_newlines:
        value = value.replace("\n", " ").replace("\t", " ")
    return _CONTROLS.sub("?", value)
