"""Exceptions the core raises for bad input; the CLI turns them into clear messages."""

from __future__ import annotations


class HoAnnotateError(ValueError):
    """Base class for every refusal of user input (bad file, bad annotation, bad option)."""


class RadiographError(HoAnnotateError):
    """A file cannot be used as a radiograph; the message names the file and the reason."""


class SidecarError(HoAnnotateError):
    """An annotation sidecar cannot be read or written; the message names the file."""


class CalibrationError(HoAnnotateError):
    """A calibration cannot be computed from what was given."""
