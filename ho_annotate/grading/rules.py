"""The 1 cm threshold under calibration uncertainty (GUIDE section 1, our rule).

- ``calibrated`` (1 %), ``estimated`` (5 %), ``manual`` (its stated uncertainty): decide on the
  reported value; ``borderline`` when the value widened by its uncertainty and by one pixel
  along the measured direction reaches across 10.0 mm;
- ``detector`` and ``unknown``: the true length lies in [measured / 1.30, measured / 1.05];
  decide only when that whole interval (its bounds reported to 0.1 mm) is on one side of 10.0;
- no spacing: nothing can be decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ho_annotate.annotations.model import Spacing
from ho_annotate.measurement.hips import reported

THRESHOLD_MM: Final = 10.0
#: Relative uncertainty of a spacing by kind; a spacing's own ``uncertainty`` wins.
DEFAULT_UNCERTAINTY: Final[dict[str, float]] = {
    "calibrated": 0.01,
    "estimated": 0.05,
    "manual": 0.02,
}
#: Magnification of an AP pelvis at the detector (reported range).
MAGNIFICATION: Final = (1.05, 1.30)
UNCORRECTED_KINDS: Final = frozenset({"detector", "unknown"})


@dataclass(frozen=True)
class Decision:
    """Whether a length is at least 1 cm, as far as the calibration allows."""

    #: True: at least 10.0 mm; False: under; None: cannot be said.
    at_least: bool | None
    #: The measured length reported to 0.1 mm (``None`` without spacing).
    measured_mm: float | None
    #: For uncorrected spacing: the true length's range, reported to 0.1 mm.
    true_range_mm: tuple[float, float] | None = None
    borderline: bool = False


def uncertainty(spacing: Spacing) -> float:
    """The relative uncertainty used for a spacing."""
    if spacing.uncertainty is not None:
        return spacing.uncertainty
    return DEFAULT_UNCERTAINTY.get(spacing.kind, 0.0)


def decide(length_mm: float | None, spacing: Spacing | None, step_mm: float | None) -> Decision:
    """Apply the 1 cm threshold to a length measured with ``spacing``.

    ``step_mm`` is one pixel along the measured direction, in mm.
    """
    if length_mm is None or spacing is None:
        return Decision(None, None)
    step = step_mm or 0.0
    value = reported(length_mm)
    if spacing.kind in UNCORRECTED_KINDS:
        lo_m, hi_m = MAGNIFICATION
        low, high = reported(value / hi_m), reported(value / lo_m)
        at_least: bool | None = None
        if low >= THRESHOLD_MM:
            at_least = True
        elif high < THRESHOLD_MM:
            at_least = False
        edge = (length_mm - step) / hi_m <= THRESHOLD_MM <= (length_mm + step) / lo_m
        return Decision(at_least, value, (low, high), at_least is not None and edge)
    u = uncertainty(spacing)
    low_f = length_mm * (1.0 - u) - step
    high_f = length_mm * (1.0 + u) + step
    return Decision(value >= THRESHOLD_MM, value, None, low_f <= THRESHOLD_MM <= high_f)
