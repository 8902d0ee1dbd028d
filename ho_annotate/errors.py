"""Exceptions the core raises for bad input; the CLI turns them into clear messages.

Every error reads as one line naming the file and the problem. Errors may also carry the parts
as fields: ``file`` (which file or folder), ``problem`` (what is wrong), ``action`` (what to do,
in words that name no command-line flag) and ``option`` (which input to change, e.g.
``"reader"``); the CLI adds its flag name for ``option``.
"""

from __future__ import annotations

import os


class HoAnnotateError(ValueError):
    """Base class for every refusal of user input (bad file, bad annotation, bad option)."""

    def __init__(
        self,
        message: str = "",
        *,
        file: str | os.PathLike[str] | None = None,
        problem: str = "",
        action: str = "",
        option: str | None = None,
    ) -> None:
        self.file = os.fspath(file) if file is not None else None
        self.problem = problem
        self.action = action
        self.option = option
        if not message:
            parts = [p for p in (problem, action) if p]
            message = "; ".join(parts)
            if self.file is not None:
                message = f"{self.file}: {message}"
        super().__init__(message)


class RadiographError(HoAnnotateError):
    """A file cannot be used as a radiograph; the message names the file and the reason."""


class SidecarError(HoAnnotateError):
    """An annotation sidecar cannot be read or written; the message names the file."""


class SidecarConflictError(SidecarError):
    """A save refused because the file on disk is not the one the edits started from (another
    window or program saved it, or it holds another reader's annotations): the reader must
    choose between the file and their edits. Other save failures (a full disk, a folder that
    cannot be written) are plain ``SidecarError``: saving again later may succeed."""


class CalibrationError(HoAnnotateError):
    """A calibration cannot be computed from what was given."""
