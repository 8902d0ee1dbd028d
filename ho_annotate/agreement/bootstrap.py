"""Seeded percentile bootstrap over clusters (patients, studies or images).

Hips of one patient (both sides, follow-up images) are not independent, so whole clusters are
resampled with replacement, each resample as many clusters as the data has; a statistic's 95 %
interval is the 2.5th and 97.5th percentile of its values over the resamples (resamples where
it is undefined are skipped). The same seed gives the same resamples for every statistic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Bootstrap", "Interval"]

Interval = tuple[float, float]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Bootstrap:
    """``resamples`` draws (0: no intervals) seeded with ``seed``, at ``confidence``."""

    resamples: int = 1000
    seed: int = 0
    confidence: float = 0.95

    def indices(self, clusters: Sequence[object]) -> list[IntArray]:
        """Row indices of each resample: whole clusters drawn with replacement.

        Clusters are numbered in the sorted order of their labels; numpy's default generator
        seeded with ``seed`` draws a ``resamples x clusters`` table of cluster numbers.
        """
        if self.resamples <= 0 or len(clusters) == 0:
            return []
        _, codes = np.unique(np.asarray([str(c) for c in clusters]), return_inverse=True)
        codes = codes.ravel()
        order = np.argsort(codes, kind="stable")  # rows grouped by cluster, in row order
        sizes = np.bincount(codes)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        k = len(sizes)
        rng = np.random.default_rng(self.seed)
        draws = rng.integers(0, k, size=(self.resamples, k))
        if (sizes == 1).all():
            return [order[d] for d in draws]
        out = []
        for d in draws:  # each drawn cluster's rows, one after the other
            lengths = sizes[d]
            ends = np.cumsum(lengths)
            shift = np.repeat(starts[d] - (ends - lengths), lengths)
            out.append(order[np.arange(int(ends[-1])) + shift].astype(np.intp))
        return out

    def intervals(
        self,
        clusters: Sequence[object],
        statistic: Callable[[IntArray], Sequence[float]],
        count: int,
    ) -> list[Interval]:
        """The interval of each of ``count`` statistics computed by ``statistic(rows)``."""
        samples = self.indices(clusters)
        if not samples:
            return [(math.nan, math.nan)] * count
        values = np.array([list(statistic(rows)) for rows in samples], dtype=float)
        return [self._percentiles(values[:, i]) for i in range(count)]

    def _percentiles(self, values: npt.NDArray[np.float64]) -> Interval:
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return (math.nan, math.nan)
        tail = 100.0 * (1.0 - self.confidence) / 2.0
        low, high = np.percentile(finite, [tail, 100.0 - tail])
        return (float(low), float(high))
