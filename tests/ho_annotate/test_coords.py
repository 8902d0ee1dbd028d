"""``flat_points`` gives exactly ``np.asarray``'s floats, or ``None`` for what is not pairs."""

from __future__ import annotations

import random

import numpy as np

from ho_annotate.annotations.coords import flat_points


def test_same_floats_as_asarray_on_random_points() -> None:
    rng = random.Random(18)
    for _ in range(200):
        lists = [
            [
                rng.choice(
                    [(rng.uniform(-3e3, 3e3), rng.uniform(-1e-9, 1e9)), [rng.randint(-9, 9), 0.1]]
                )
                for _ in range(rng.randint(1, 40))
            ]
            for _ in range(rng.randint(1, 6))
        ]
        flat = flat_points(lists)
        expected = np.asarray([p for points in lists for p in points], dtype=np.float64)
        assert flat is not None and flat.tobytes() == expected.tobytes()
        assert flat.shape == expected.shape


def test_what_is_not_pairs_of_numbers_is_left_to_the_caller() -> None:
    assert flat_points([[(1.0, 2.0), (1.0, 2.0, 3.0)]]) is None
    assert flat_points([[(1.0, 2.0)], [(4.0,)]]) is None
    assert flat_points([["12", "34"]]) is None  # strings of two characters are not points
    assert flat_points([[(1.0, 1j)]]) is None
    nan = flat_points([[(float("nan"), float("inf"))]])
    assert nan is not None and np.isnan(nan[0, 0]) and np.isinf(nan[0, 1])
