"""The reporting rule: lengths to 0.1 mm, half up; grades are decided on the reported value."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

__all__ = ["reported", "round_mm"]

_TENTH = Decimal("0.1")


def round_mm(value: float) -> Decimal:
    """Round a length to 0.1 mm, half up, as reported.

    The value is first cleaned of floating-point noise at 1e-6 mm (far below a pixel), so
    9.95 computed as 9.949999999999999 still reports 10.0.
    """
    if type(value) is float and value != 0.0:  # -0.0 equals 0.0 as a key: never cached
        return _rounded(value)
    return _round(value)


def _round(value: float) -> Decimal:
    return Decimal(repr(round(value, 6))).quantize(_TENTH, rounding=ROUND_HALF_UP)


#: A hip's lengths are reported several times (each scheme, each reason): rounded once.
_rounded = lru_cache(maxsize=512)(_round)


def reported(value: float) -> float:
    """``round_mm`` as a float (for JSON and comparisons)."""
    return float(round_mm(value))
