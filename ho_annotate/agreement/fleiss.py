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
