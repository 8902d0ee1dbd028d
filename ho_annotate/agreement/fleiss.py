"""Fleiss' kappa: agreement of three or more readers on a nominal grade (statsmodels)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
from statsmodels.stats.inter_rater import fleiss_kappa as _fleiss_kappa


def fleiss_kappa(ratings: Sequence[Sequence[str]], labels: Sequence[str]) -> float:
    """Fleiss' kappa of ``ratings[hip][reader]``, every hip graded by the same number of readers.

    NaN when undefined (no hips, or a single grade used throughout).
    """
    if not ratings:
        return math.nan
    index = {label: i for i, label in enumerate(labels)}
    counts = np.zeros((len(ratings), len(labels)), dtype=int)
    for row, grades in enumerate(ratings):
        for grade in grades:
            counts[row, index[grade]] += 1
    if len(set(counts.sum(axis=1).tolist())) != 1:
        raise ValueError("Fleiss' kappa needs the same number of ratings for every hip")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = float(_fleiss_kappa(counts, method="fleiss"))
    return value if math.isfinite(value) else math.nan


def fleiss_from_counts(counts: np.ndarray) -> float:
    """Fleiss' kappa of a ``hips x grades`` count table, same raters per hip (NaN when
    undefined); the formula of Fleiss (1971), fast enough for the bootstrap."""
    c = np.asarray(counts, dtype=float)
    if c.shape[0] == 0:
        return math.nan
    m = float(c[0].sum())
    if m < 2:
        return math.nan
    p_hip = ((c * c).sum(axis=1) - m) / (m * (m - 1))
    p_grade = c.sum(axis=0) / (c.shape[0] * m)
    expected = float((p_grade**2).sum())
    if expected >= 1.0 - 1e-12:
        return math.nan
    return (float(p_hip.mean()) - expected) / (1.0 - expected)
