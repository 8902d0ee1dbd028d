"""Bland-Altman agreement of two readers' measurements: bias and 95 % limits of agreement."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class BlandAltman:
    """``bias`` is the mean of first minus second; limits are bias +- 1.96 SD of the differences."""

    n: int
    bias: float
    sd: float
    loa_low: float
    loa_high: float


def bland_altman(first: ArrayLike, second: ArrayLike) -> BlandAltman:
    """Bias and limits of agreement of paired measurements (NaN when fewer than two pairs)."""
    a = np.asarray(first, dtype=float)
    b = np.asarray(second, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("Bland-Altman needs two equally long 1-D series")
    diff = a - b
    n = int(diff.size)
    if n == 0:
        return BlandAltman(0, math.nan, math.nan, math.nan, math.nan)
    bias = float(diff.mean())
    sd = float(diff.std(ddof=1)) if n > 1 else math.nan
    return BlandAltman(n, bias, sd, bias - 1.96 * sd, bias + 1.96 * sd)
