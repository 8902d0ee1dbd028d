"""Geometry in mm: conversion, areas, Feret diameters, closest points, the shape cache."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ho_annotate.measurement.geometry import (
    ShapeCache,
    area,
    closest,
    closest_many,
    max_feret,
    pixel_step_mm,
    polygon_mm,
    to_mm,
    to_px,
)


def rect(r0: float, c0: float, r1: float, c1: float) -> list[tuple[float, float]]:
    return [(r0, c0), (r0, c1), (r1, c1), (r1, c0)]


def test_mm_coordinates_scale_rows_and_columns_separately() -> None:
    mm = to_mm([(10.0, 20.0)], (0.2, 0.1))
    assert mm.tolist() == [[2.0, 2.0]]
    assert to_px((2.0, 2.0), (0.2, 0.1)) == pytest.approx((10.0, 20.0))


@pytest.mark.parametrize(
    ("scale", "expected_area", "expected_feret"),
    [
        ((1.0, 1.0), 200.0, math.hypot(10, 20)),
        ((0.5, 0.25), 25.0, math.hypot(5, 5)),
        ((0.1, 0.2), 4.0, math.hypot(1, 4)),
    ],
)
def test_area_and_feret_of_a_rectangle(
    scale: tuple[float, float], expected_area: float, expected_feret: float
) -> None:
    poly = polygon_mm(rect(0, 0, 10, 20), scale)
    assert area(poly) == pytest.approx(expected_area)
    assert max_feret(poly).length == pytest.approx(expected_feret)


def test_feret_of_a_thin_diagonal_island_is_its_length_not_its_box() -> None:
    poly = polygon_mm([(0, 0), (1, 0), (31, 30), (30, 30)], (1.0, 1.0))
    feret = max_feret(poly)
    assert feret.length == pytest.approx(math.hypot(31, 30))
    assert {feret.a, feret.b} == {(0.0, 0.0), (31.0, 30.0)}


def test_self_intersecting_outline_is_repaired_not_rejected() -> None:
    bowtie = polygon_mm([(0, 0), (10, 10), (10, 0), (0, 10)], (1.0, 1.0))
    assert bowtie.is_valid
    assert area(bowtie) == pytest.approx(50.0)


def test_closest_points_of_diagonally_offset_squares() -> None:
    a = polygon_mm(rect(0, 0, 10, 10), (1.0, 1.0))
    b = polygon_mm(rect(13, 14, 20, 20), (1.0, 1.0))
    res = closest(a, b)
    assert res.distance == pytest.approx(5.0)
    assert res.a == (10.0, 10.0)
    assert res.b == (13.0, 14.0)
    assert not res.touching


def test_overlapping_shapes_touch() -> None:
    a = polygon_mm(rect(0, 0, 10, 10), (1.0, 1.0))
    b = polygon_mm(rect(5, 5, 20, 20), (1.0, 1.0))
    assert closest(a, b).touching


@pytest.mark.parametrize(
    ("direction", "scale", "expected"),
    [
        ((1.0, 0.0), (0.2, 0.1), 0.2),
        ((0.0, 3.0), (0.2, 0.1), 0.1),
        ((1.0, 1.0), (0.1, 0.1), 0.1),
        ((0.0, 0.0), (0.2, 0.1), 0.2),
    ],
)
def test_one_pixel_along_a_direction(
    direction: tuple[float, float], scale: tuple[float, float], expected: float
) -> None:
    assert pixel_step_mm(direction, scale) == pytest.approx(expected)


def test_cache_rebuilds_only_changed_shapes_and_reuses_pair_results() -> None:
    cache = ShapeCache()
    a1 = cache.shape("a", "polygon", rect(0, 0, 10, 10), (1.0, 1.0))
    b1 = cache.shape("b", "polygon", rect(20, 0, 30, 10), (1.0, 1.0))
    first = cache.pairs([(a1, b1)])[0]
    a2 = cache.shape("a", "polygon", rect(0, 0, 10, 10), (1.0, 1.0))
    assert a2 is a1
    assert cache.pairs([(a2, b1)])[0] is first
    a3 = cache.shape("a", "polygon", rect(0, 0, 15, 10), (1.0, 1.0))
    assert a3.token != a1.token
    assert cache.pairs([(a3, b1)])[0].distance == pytest.approx(5.0)
    a4 = cache.shape("a", "polygon", rect(0, 0, 15, 10), (0.5, 0.5))
    assert a4.token != a3.token


def test_pruned_search_finds_the_same_pair_as_checking_every_pair() -> None:
    rng = np.random.default_rng(7)
    for trial in range(30):
        cache = ShapeCache()
        shapes = []
        for n in range(8):
            r, c = rng.uniform(0, 80, size=2)
            h, w = rng.uniform(2, 15, size=2)
            shapes.append(cache.shape(f"s{n}", "polygon", rect(r, c, r + h, c + w), (0.5, 0.7)))
        pairs = [(a, b) for a in shapes[:4] for b in shapes[4:]]
        brute = closest_many([a.geom for a, _ in pairs], [b.geom for _, b in pairs])
        found = ShapeCache().search(pairs) if trial % 2 else cache.search(pairs)
        touching = [i for i, r in enumerate(brute) if r.touching]
        assert [i for i, _ in found.contacts] == touching
        apart = [(r.distance, i) for i, r in enumerate(brute) if not r.touching]
        if apart:
            assert found.nearest is not None
            assert found.nearest[0] == min(apart)[1]
            assert found.nearest[1].distance == pytest.approx(min(apart)[0])
        else:
            assert found.nearest is None
