"""Agreement of two readers on an ordinal grade: Cohen's kappa, percent agreement, confusion."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import cohen_kappa_score, confusion_matrix


@dataclass(frozen=True)
class PairAgreement:
    """Two readers' grades of the same hips compared.

    ``confusion[i][j]`` counts hips the first reader graded ``labels[i]`` and the second
    ``labels[j]``. A kappa is NaN when it is undefined (both readers used one grade only).
    """

    n: int
    percent_agreement: float
    kappa: float
    kappa_linear: float
    kappa_quadratic: float
    labels: tuple[str, ...]
    confusion: tuple[tuple[int, ...], ...]


def _kappa(a: np.ndarray, b: np.ndarray, n_labels: int, weights: str | None) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = cohen_kappa_score(a, b, labels=list(range(n_labels)), weights=weights)
    value = float(value)
    return value if math.isfinite(value) else math.nan


def pair_agreement(
    first: Sequence[str], second: Sequence[str], labels: Sequence[str]
) -> PairAgreement:
    """Compare two equally long sequences of grades, ordered as ``labels`` (lowest first).

    The weighted kappas use the position of a grade in ``labels``, so the order matters:
    0 < I < II < III < IV, A < B < C.
    """
    if len(first) != len(second):
        raise ValueError("both readers need a grade for the same hips")
    index = {label: i for i, label in enumerate(labels)}
    unknown = sorted({g for g in (*first, *second) if g not in index})
    if unknown:
        raise ValueError(f"grades {unknown} are not among {list(labels)}")
    a = np.array([index[g] for g in first], dtype=int)
    b = np.array([index[g] for g in second], dtype=int)
    n_labels = len(labels)
    matrix = confusion_matrix(a, b, labels=list(range(n_labels))) if len(a) else None
    confusion = (
        tuple(tuple(int(v) for v in row) for row in matrix)
        if matrix is not None
        else tuple((0,) * n_labels for _ in range(n_labels))
    )
    if len(a) == 0:
        return PairAgreement(0, math.nan, math.nan, math.nan, math.nan, tuple(labels), confusion)
    return PairAgreement(
        n=len(a),
        percent_agreement=100.0 * float(np.mean(a == b)),
        kappa=_kappa(a, b, n_labels, None),
        kappa_linear=_kappa(a, b, n_labels, "linear"),
        kappa_quadratic=_kappa(a, b, n_labels, "quadratic"),
        labels=tuple(labels),
        confusion=confusion,
    )


def confusion_kappas(confusion: np.ndarray) -> tuple[float, float, float, float]:
    """Percent agreement and the unweighted, linear and quadratic kappas of a square confusion
    matrix (the same definitions as :func:`pair_agreement`; fast enough for the bootstrap)."""
    c = np.asarray(confusion, dtype=float)
    total = c.sum()
    if total == 0:
        return (math.nan, math.nan, math.nan, math.nan)
    p = c / total
    expected = np.outer(p.sum(axis=1), p.sum(axis=0))
    distance = np.abs(np.subtract.outer(np.arange(len(c)), np.arange(len(c)))).astype(float)
    out = [100.0 * float(np.trace(p))]
    for weights in (distance > 0, distance, distance**2):
        denominator = float((weights * expected).sum())
        out.append(
            1.0 - float((weights * p).sum()) / denominator if denominator > 1e-12 else math.nan
        )
    return (out[0], out[1], out[2], out[3])
