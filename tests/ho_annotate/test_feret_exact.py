"""``max_feret`` gives exactly the floats of the plain numpy formulation it replaced."""

from __future__ import annotations

import random

import numpy as np
import shapely

from ho_annotate.measurement.geometry import max_feret


def _reference(geom: shapely.Geometry) -> tuple[float, tuple[float, float], tuple[float, float]]:
    coords = shapely.get_coordinates(shapely.convex_hull(geom))
    diff = coords[:, None, :] - coords[None, :, :]
    d2 = np.einsum("ijk,ijk->ij", diff, diff)
    i, j = np.unravel_index(int(np.argmax(d2)), d2.shape)
    a = (float(coords[i, 0]), float(coords[i, 1]))
    return float(np.sqrt(d2[i, j])), a, (float(coords[j, 0]), float(coords[j, 1]))


def test_same_floats_and_points_on_random_outlines() -> None:
    rng = random.Random(18)
    for _ in range(300):
        n = rng.choice([3, 4, 8, 16, 60])
        cx, cy, r = rng.uniform(0, 3e3), rng.uniform(0, 3e3), rng.uniform(0.01, 300)
        points = [
            (cx + r * rng.uniform(0.3, 1) * np.sin(a), cy + r * rng.uniform(0.3, 1) * np.cos(a))
            for a in sorted(rng.uniform(0, 2 * np.pi) for _ in range(n))
        ]
        if rng.random() < 0.3:  # ties: a square or a regular polygon on whole pixels
            points = [(round(x), round(y)) for x, y in points]
        geom = shapely.Polygon(points).buffer(0) if n > 3 else shapely.Polygon(points)
        feret = max_feret(geom)
        assert (feret.length, feret.a, feret.b) == _reference(geom)
    square = shapely.Polygon([(0, 0), (0, 2), (2, 2), (2, 0)])  # two diagonals tie: the first
    feret = max_feret(square)
    assert (feret.length, feret.a, feret.b) == _reference(square)
    assert feret.length == float(np.sqrt(8.0))
