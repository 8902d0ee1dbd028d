"""Shapes built for many images at once (``fill_caches``) are those each cache builds alone."""

from __future__ import annotations

import random

import shapely

from ho_annotate.annotations.model import Point
from ho_annotate.measurement.geometry import Scale, ShapeCache, fill_caches

Request = tuple[str, str, list[Point]]


def _outline(rng: random.Random) -> list[Point]:
    """A random outline: star-shaped, crossing itself, repeating or sharing points."""
    n = rng.choice([3, 4, 5, 8, 16, 32])
    cx, cy = rng.uniform(100, 2000), rng.uniform(100, 2000)
    pts = [(cx + rng.uniform(-50, 50), cy + rng.uniform(-50, 50)) for _ in range(n)]
    shape = rng.choice(["random", "bow tie", "repeat", "line", "grid"])
    if shape == "bow tie":
        pts = [(cx, cy), (cx + 10, cy + 10), (cx + 10, cy), (cx, cy + 10)]
    elif shape == "repeat":
        pts.insert(rng.randrange(len(pts)), pts[rng.randrange(len(pts))])
    elif shape == "line":
        pts = [(cx + k, cy + 2 * k) for k in range(n)]
    elif shape == "grid":
        pts = [(float(round(x)), float(round(y))) for x, y in pts]
    return pts


def _requests(rng: random.Random, image: int) -> list[Request]:
    out: list[Request] = []
    for k in range(rng.randint(1, 6)):
        if rng.random() < 0.25:
            a = (rng.uniform(0, 2000), rng.uniform(0, 2000))
            b = a if rng.random() < 0.2 else (a[0] + rng.uniform(-9, 9), a[1] + 3.0)
            out.append((f"g{image}-{k}", "line", [a, b]))
        else:
            out.append((f"p{image}-{k}", "polygon", _outline(rng)))
    return out


def _same(a: ShapeCache, b: ShapeCache, requests: list[Request], scale: Scale) -> None:
    for one, other in zip(a.shapes(requests, scale), b.shapes(requests, scale), strict=True):
        assert one.points == other.points
        assert one.finite == other.finite
        assert one.bounds == other.bounds
        assert shapely.to_wkb(one.geom) == shapely.to_wkb(other.geom)


def test_filled_shapes_equal_shapes_built_image_by_image() -> None:
    rng = random.Random(18)
    for _ in range(40):
        jobs = []
        for image in range(rng.randint(1, 12)):
            scale = rng.choice([(1.0, 1.0), (0.121, 0.121), (0.139, 0.1207), (0.3, 2.5)])
            jobs.append((ShapeCache(), _requests(rng, image), scale))
        fill_caches(jobs)
        for filled, requests, scale in jobs:
            _same(filled, ShapeCache(), requests, scale)


def test_filled_shapes_are_found_not_built_again() -> None:
    rng = random.Random(7)
    cache, requests = ShapeCache(), _requests(rng, 0)
    fill_caches([(cache, requests, (0.2, 0.2))])
    tokens = [e.token for e in cache.shapes(requests, (0.2, 0.2))]
    assert tokens == [e.token for e in cache.shapes(requests, (0.2, 0.2))]
    assert sorted(tokens) == list(range(1, len(requests) + 1))  # nothing built a second time


def test_what_cannot_be_built_at_once_is_left_to_the_cache() -> None:
    nan = float("nan")
    odd = ShapeCache()
    fine = ShapeCache()
    bad: list[Request] = [("a", "polygon", [(0.0, 0.0), (nan, 1.0), (1.0, 1.0)])]
    good: list[Request] = [("b", "polygon", [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)])]
    fill_caches([(odd, bad, (1.0, 1.0)), (fine, good, (1.0, 1.0))])
    assert odd.shapes(bad, (1.0, 1.0))[0].token == 1  # built by ``shapes`` itself
    assert not odd.shapes(bad, (1.0, 1.0))[0].finite
    _same(fine, ShapeCache(), good, (1.0, 1.0))
    repeated = ShapeCache()
    twice: list[Request] = [good[0], good[0]]
    fill_caches([(repeated, twice, (1.0, 1.0))])
    assert [e.token for e in repeated.shapes(twice, (1.0, 1.0))] == [1, 1]
