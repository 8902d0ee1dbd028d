"""ICC(2,1): two-way random effects, absolute agreement, single rater.

Shrout & Fleiss (1979) case 2, form 1 (McGraw & Wong 1996: ICC(A,1)), with the 95 % interval
from the approximate F distribution of Satterthwaite's degrees of freedom given in both papers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats


@dataclass(frozen=True)
class ICCResult:
    """The coefficient, its interval and the mean squares it came from."""

    icc: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    bms: float
    jms: float
    ems: float

    @property
    def ci95(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)


def icc_2_1(ratings: ArrayLike, confidence: float = 0.95) -> ICCResult:
    """ICC(2,1) of an ``n targets x k judges`` table with no missing values.

    Needs at least two targets and two judges. When the judges agree exactly (no judge or
    residual variance) the coefficient is 1 and so is its interval; when nothing varies at
    all it is undefined (NaN).
    """
    x = np.asarray(ratings, dtype=float)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(f"ICC needs at least 2 targets x 2 judges, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("ICC needs a complete table: drop targets with missing ratings first")
    n, k = x.shape
    grand = x.mean()
    ss_targets = k * float(((x.mean(axis=1) - grand) ** 2).sum())
    ss_judges = n * float(((x.mean(axis=0) - grand) ** 2).sum())
    ss_total = float(((x - grand) ** 2).sum())
    ss_error = max(ss_total - ss_targets - ss_judges, 0.0)
    bms = ss_targets / (n - 1)
    jms = ss_judges / (k - 1)
    ems = ss_error / ((n - 1) * (k - 1))

    denominator = bms + (k - 1) * ems + k * (jms - ems) / n
    scale = max(bms, jms, ems, 1.0)
    if jms <= 1e-12 * scale and ems <= 1e-12 * scale:
        value = 1.0 if bms > 0 else math.nan
        return ICCResult(value, value, value, n, k, bms, jms, ems)
    icc = (bms - ems) / denominator
    low, high = _interval(icc, n, k, bms, jms, ems, confidence)
    return ICCResult(icc, low, high, n, k, bms, jms, ems)


def _interval(
    icc: float, n: int, k: int, bms: float, jms: float, ems: float, confidence: float
) -> tuple[float, float]:
    """McGraw & Wong (1996) / Shrout & Fleiss (1979) interval for ICC(2,1)."""
    if icc >= 1.0:
        return (1.0, 1.0)
    alpha = 1.0 - confidence
    a = k * icc / (n * (1.0 - icc))
    b = 1.0 + k * icc * (n - 1) / (n * (1.0 - icc))
    numerator = (a * jms + b * ems) ** 2
    denominator = (a * jms) ** 2 / (k - 1) + (b * ems) ** 2 / ((n - 1) * (k - 1))
    v = numerator / denominator if denominator > 0 else math.inf
    f_upper = float(stats.f.ppf(1 - alpha / 2, n - 1, v))
    f_lower = float(stats.f.ppf(1 - alpha / 2, v, n - 1))
    spread = k * jms + (k * n - k - n) * ems
    low = n * (bms - f_upper * ems) / (f_upper * spread + n * bms)
    high = n * (f_lower * bms - ems) / (spread + n * f_lower * bms)
    return (float(low), float(high))
