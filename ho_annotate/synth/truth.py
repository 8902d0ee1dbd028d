"""What the tool must report for a design, derived from the design and the spacing rules.

This never runs the grading engine: it applies GUIDE section 1 to the designed sizes and the
spacing the header implies, so a test can compare the engine against it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ho_annotate.annotations.model import Side, Spacing
from ho_annotate.synth.design import CaseDesign, SideDesign
from ho_annotate.synth.reference import header_spacing

LIMIT_MM = 10.0
#: Relative uncertainty per spacing kind (GUIDE section 1).
UNCERTAINTY = {"calibrated": 0.01, "estimated": 0.05}
#: The magnification range assumed when the spacing is at the detector or of unknown meaning.
MAG_LOW, MAG_HIGH = 1.05, 1.30


def half_up(value: float) -> float:
    """Round to 0.1 mm, halves up (the reporting rule)."""
    return math.floor(value * 10.0 + 0.5 + 1e-9) / 10.0


@dataclass(frozen=True)
class Expected:
    """One row of cases.csv."""

    side: Side
    brooker: str | None
    della_valle: str | None
    gap_mm: float | None
    borderline: bool
    true_brooker: str | None
    true_gap_mm: float | None
    #: Distance (mm) of the deciding value from the nearest rule threshold; small means fragile.
    margin: float


def measured(true_mm: float, design: CaseDesign, spacing: Spacing | None) -> float | None:
    """The length the tool measures for a true length, with the header's spacing."""
    if spacing is None:
        return None
    return true_mm * spacing.col_mm / design.patient_pixel_mm


def _decide(length: float, spacing: Spacing) -> tuple[bool | None, bool, float]:
    """(at least 10 mm, or None if undecidable; borderline; margin) for a measured length.

    ``margin`` is how far (mm, at the worst place) the decision sits from flipping, so cases
    built for the sample data can be kept clear of rounding ambiguities.
    """
    step = max(spacing.row_mm, spacing.col_mm)
    value = half_up(length)
    if spacing.kind in UNCERTAINTY:
        u = UNCERTAINTY[spacing.kind]
        low, high = length * (1 - u) - step, length * (1 + u) + step
        borderline = low <= LIMIT_MM <= high
        margin = min(abs(value - LIMIT_MM) + 0.05, abs(low - LIMIT_MM), abs(high - LIMIT_MM))
        return value >= LIMIT_MM, borderline, margin
    low_r, high_r = half_up(value / MAG_HIGH), half_up(value / MAG_LOW)
    margin = min(abs(value / MAG_HIGH - LIMIT_MM), abs(value / MAG_LOW - LIMIT_MM))
    at_least: bool | None = None
    if low_r >= LIMIT_MM:
        at_least = True
    elif high_r < LIMIT_MM:
        at_least = False
    edge = (length - step) / MAG_HIGH <= LIMIT_MM <= (length + step) / MAG_LOW
    return at_least, at_least is not None and edge, margin


def expected_side(
    design: CaseDesign, side: Side, sd: SideDesign | None, island_mm: list[float]
) -> Expected:
    """The expected report for one hip; ``sd`` is the resolved design or None if not imaged."""
    if sd is None or not sd.read:
        return Expected(
            side,
            None,
            None,
            None,
            False,
            None if sd is None else sd.true_grade(),
            sd.gap_mm if sd is not None else None,
            math.inf,
        )
    spacing = header_spacing(design)
    truth = sd.true_grade()
    true_gap = sd.gap_mm if (sd.pelvic_spur or sd.femoral_spur) and not sd.bridge else None
    margin = math.inf
    if truth == "0":
        return Expected(side, "0", "A", None, False, "0", None, margin)
    if truth == "IV":
        return Expected(side, "IV", "C", None, False, "IV", None, margin)
    islands_large: bool | None = False
    if island_mm:
        longest = max(island_mm)
        value = measured(longest, design, spacing)
        if value is None:
            islands_large = None
        else:
            islands_large, _, m = _decide(value, spacing)  # type: ignore[arg-type]
            margin = min(margin, m)
    if truth == "I":
        dv = None if islands_large is None else ("B" if islands_large else "A")
        return Expected(side, "I", dv, None, False, "I", None, margin)
    assert true_gap is not None
    value = measured(true_gap, design, spacing)
    if value is None:
        return Expected(side, None, None, None, False, truth, true_gap, margin)
    gap = half_up(value)
    wide, borderline, m = _decide(value, spacing)  # type: ignore[arg-type]
    margin = min(margin, m)
    if wide is None:
        brooker, dv = None, None
    elif wide:
        brooker, dv = "II", "B"
    else:
        brooker, dv = "III", "C"
    return Expected(side, brooker, dv, gap, borderline, truth, true_gap, margin)
