"""ICC(2,1) against the worked example of Shrout & Fleiss (1979), Psychol Bull 86:420-428."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ho_annotate.agreement import icc_2_1

# Table 2 of Shrout & Fleiss (1979): 6 targets rated by 4 judges.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def test_shrout_fleiss_worked_example() -> None:
    result = icc_2_1(SHROUT_FLEISS)
    # The paper's Table 4 gives ICC(2,1) = .29 and Table 3 the mean squares.
    assert round(result.icc, 2) == 0.29
    assert round(result.bms, 2) == 11.24
    assert round(result.jms, 2) == 32.49
    assert round(result.ems, 2) == 1.02
    assert (result.n, result.k) == (6, 4)
    # The interval brackets the estimate and is wide with only six targets.
    assert 0.0 < result.ci_low < 0.1
    assert 0.7 < result.ci_high < 0.8


def test_identical_judges_agree_perfectly() -> None:
    values = np.array([3.0, 7.5, 9.9, 12.0, 15.2])
    result = icc_2_1(np.column_stack([values, values, values]))
    assert result.icc == 1.0
    assert result.ci95 == (1.0, 1.0)


def test_a_constant_offset_lowers_absolute_agreement() -> None:
    rng = np.random.default_rng(1)
    truth = rng.uniform(2, 20, size=40)
    noise = rng.normal(0, 0.5, size=40)
    same = icc_2_1(np.column_stack([truth, truth + noise]))
    shifted = icc_2_1(np.column_stack([truth, truth + noise + 3.0]))
    assert same.icc > 0.95
    # Absolute agreement counts the judges' offset as disagreement (consistency would not).
    assert shifted.icc < same.icc - 0.05
    assert shifted.ci_low < shifted.icc < shifted.ci_high


def test_interval_coverage_on_simulated_ratings() -> None:
    # True ICC = var(target) / (var(target) + var(judge) + var(error)) = 4 / (4 + 1 + 1).
    rng = np.random.default_rng(7)
    true_icc = 4 / 6
    hits = 0
    trials = 200
    for _ in range(trials):
        targets = rng.normal(0, 2, size=(30, 1))
        judges = rng.normal(0, 1, size=(1, 3))
        ratings = targets + judges + rng.normal(0, 1, size=(30, 3))
        r = icc_2_1(ratings)
        hits += r.ci_low <= true_icc <= r.ci_high
    assert 0.88 <= hits / trials <= 0.995


def test_rejects_tables_it_cannot_use() -> None:
    with pytest.raises(ValueError, match="at least 2 targets"):
        icc_2_1([[1.0, 2.0]])
    with pytest.raises(ValueError, match="complete table"):
        icc_2_1([[1.0, 2.0], [3.0, math.nan]])
