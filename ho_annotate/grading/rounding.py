"""The reporting rule: lengths to 0.1 mm, half up; grades are decided on the reported value."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["reported", "round_mm"]

_TENTH = Decimal("0.1")


def round_mm(value: float) -> Decimal:
    """Round a length to 0.1 mm, half up, as reported.

    The value is first cleaned of floating-point noise at 1e-6 mm (far below a pixel), so
    9.95 computed as 9.949999999999999 still reports 10.0.
    """
    return Decimal(repr(round(value, 6))).quantize(_TENTH, rounding=ROUND_HALF_UP)


def reported(value: float) -> float:
    """``round_mm`` as a float (for JSON and comparisons)."""
    return float(round_mm(value))
