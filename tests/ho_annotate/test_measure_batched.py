"""Batched measurement (shapes of both hips built together, few pairs computed at once) gives
exactly what shapely gives one shape and one pair at a time, on random drawings.

The reference below builds every outline with ``polygon_mm`` and every line with ``line_mm``,
and computes every spur pair with ``closest``: no cache, no bounding-box search, no batching.
Equality is exact (``==`` on floats), not approximate: the batch output must not change.
"""

from __future__ import annotations

import math
import random

import pytest
import shapely
from shapely.geometry.base import BaseGeometry

from ho_annotate.annotations.model import (
    SIDES,
    AnnotationSet,
    BoneOrigin,
    Item,
    ItemKind,
    Side,
    Spacing,
)
from ho_annotate.measurement.geometry import closest, line_mm, max_feret, polygon_mm
from ho_annotate.measurement.hips import Measurer, SideMeasurements, measure


def _blob(rng: random.Random, r: float, c: float, size: float, n: int) -> list[tuple[float, float]]:
    """A star-shaped outline: convex, concave (radius varies), sometimes on whole pixels."""
    concave = rng.random() < 0.5
    whole = rng.random() < 0.2
    points = []
    for k in range(n):
        angle = 2 * math.pi * (k + rng.uniform(-0.3, 0.3)) / n
        radius = size * (rng.uniform(0.4, 1.0) if concave else rng.uniform(0.9, 1.0))
        p = (r + radius * math.sin(angle), c + radius * math.cos(angle))
        points.append((float(round(p[0])), float(round(p[1]))) if whole else p)
    return points


def _random_set(rng: random.Random) -> AnnotationSet:
    """Bones, spurs (some touching or overlapping a bone, some a hair apart), islands (some
    bow ties, measured after repair), gap lines (some mis-clicks) on both hips."""
    items: list[Item] = []
    for side in ("left", "right"):
        if rng.random() < 0.15:
            continue
        col = 1000.0 if side == "left" else 1400.0
        pelvis = _blob(rng, 800, col, rng.uniform(60, 150), rng.choice([4, 8, 16, 32]))
        femur = _blob(rng, 1100, col, rng.uniform(60, 150), rng.choice([4, 8, 16, 32]))
        items += [
            Item(kind="bone", side=side, origin="pelvis", points=pelvis),
            Item(kind="bone", side=side, origin="femur", points=femur),
        ]
        for _ in range(rng.randint(0, 4)):
            origin: BoneOrigin = rng.choice(["pelvis", "femur"])
            size = rng.uniform(3, 60)
            if rng.random() < 0.3:  # right against the opposite bone's vertex: touching or a hair
                anchor = rng.choice(femur if origin == "pelvis" else pelvis)
                r = anchor[0] + (-size if origin == "pelvis" else size) * rng.choice([1, 1.0001])
                spur = [(anchor[0], anchor[1]), (r, anchor[1] - size), (r, anchor[1] + size)]
            else:
                spur = _blob(rng, rng.uniform(900, 1000), col + rng.uniform(-60, 60), size, 8)
            items.append(Item(kind="spur", side=side, origin=origin, points=spur))
        for _ in range(rng.randint(0, 3)):
            if rng.random() < 0.15:  # a bow tie (a sidecar refuses it; code may build one)
                r, c = rng.uniform(900, 1000), col
                island = [(r, c), (r + 10, c + 10), (r, c + 10), (r + 10, c)]
            else:
                r, c = rng.uniform(900, 1000), col + rng.uniform(-150, 150)
                island = _blob(rng, r, c, rng.uniform(1, 30), rng.choice([3, 5, 16]))
            items.append(Item(kind="island", side=side, points=island))
        for _ in range(rng.randint(0, 2)):
            r, length = rng.uniform(900, 1000), rng.choice([0.2, 3.0, 25.0, 90.0])
            items.append(Item(kind="gap", side=side, points=[(r, col), (r + length, col + 1.5)]))
    rng.shuffle(items)
    return AnnotationSet(sop_instance_uid="1.2.3", reader="tester", items=items)


Nearest = tuple[float, tuple[float, float], tuple[float, float], str]


def _reference_gap(
    aset: AnnotationSet, side: Side, scale: tuple[float, float]
) -> tuple[list[tuple[str, str]], Nearest | None]:
    """Contacts and the nearest pair, every pair computed one by one with shapely."""

    def shapes(kind: ItemKind, origin: str | None = None) -> list[tuple[Item, BaseGeometry]]:
        return [
            (it, polygon_mm(it.points, scale))
            for it in aset.items_on(side, kind)
            if origin is None or it.origin == origin
        ]

    pelvic, femoral = shapes("spur", "pelvis"), shapes("spur", "femur")
    pelvis, femur = shapes("bone", "pelvis"), shapes("bone", "femur")
    pairs = (
        [(a, b) for a in pelvic for b in femoral]
        + [(a, b) for a in pelvic for b in femur]
        + [(a, b) for a in femoral for b in pelvis]
    )
    found = [closest(a[1], b[1]) for a, b in pairs]
    contacts = [(pairs[i][0][0].id, pairs[i][1][0].id) for i, r in enumerate(found) if r.touching]
    apart = sorted((r.distance, i) for i, r in enumerate(found) if not r.touching)
    if not apart:
        return contacts, None
    i = apart[0][1]
    return contacts, (found[i].distance, found[i].a, found[i].b, pairs[i][0][0].id)


def _check(got: SideMeasurements, aset: AnnotationSet, side: Side, spacing: Spacing | None) -> None:
    scale = spacing.mm if spacing is not None else (1.0, 1.0)
    contacts, nearest = _reference_gap(aset, side, scale)
    assert [c.item_ids for c in got.contacts] == contacts
    if nearest is None:
        assert got.auto_gap is None
    else:
        assert got.auto_gap is not None
        length, a, b, first = nearest
        assert got.auto_gap.length == length
        assert got.auto_gap.item_ids[0] == first
        assert got.auto_gap.points == (
            (a[0] / scale[0], a[1] / scale[1]),
            (b[0] / scale[0], b[1] / scale[1]),
        )
    islands = [it for it in aset.items_on(side, "island")]
    assert [i.item_id for i in got.islands] == [it.id for it in islands]
    for island, it in zip(got.islands, islands, strict=True):
        geom = polygon_mm(it.points, scale)
        feret = max_feret(geom)
        assert island.area == shapely.area(geom)
        assert island.length == feret.length
        assert island.ends == (
            (feret.a[0] / scale[0], feret.a[1] / scale[1]),
            (feret.b[0] / scale[0], feret.b[1] / scale[1]),
        )
    lines = [line_mm(it.points, scale).length for it in aset.items_on(side, "gap")]
    minimum = 0.5 if spacing is not None else 1.0
    kept = [length for length in lines if length >= minimum]
    assert (got.reader_gap.length if got.reader_gap else None) == (min(kept) if kept else None)


SPACINGS = [
    None,
    Spacing(row_mm=0.139, col_mm=0.139, kind="detector"),
    Spacing(row_mm=0.121, col_mm=0.143, kind="calibrated"),
]


@pytest.mark.parametrize("seed", range(4))
def test_batched_measurement_equals_shapely_one_by_one(seed: int) -> None:
    rng = random.Random(seed)
    for trial in range(60):
        aset = _random_set(rng)
        spacing = SPACINGS[trial % len(SPACINGS)]
        got = measure(aset, spacing)
        for side in SIDES:
            _check(got[side], aset, side, spacing)


def test_a_kept_measurer_after_edits_equals_a_fresh_one() -> None:
    """The widget's Measurer keeps shapes between calls: edits give what a fresh one gives."""
    rng = random.Random(99)
    spacing = SPACINGS[2]
    kept = Measurer()
    aset = _random_set(rng)
    for _ in range(40):
        if aset.items and rng.random() < 0.5:
            moved = rng.choice(aset.items)
            moved.points = [(r + rng.uniform(-3, 3), c) for r, c in moved.points]
        else:
            aset = _random_set(rng)
        assert kept.measure_all(aset, spacing) == Measurer().measure_all(aset, spacing)


@pytest.mark.parametrize("femoral", [2, 6])  # 2 + 1 pairs: all at once; 6 + 1: the search
def test_a_tie_goes_to_the_first_pair_either_way(femoral: int) -> None:
    square = [(0.0, 0.0), (0.0, 10.0), (10.0, 10.0), (10.0, 0.0)]
    items = [Item(kind="spur", side="left", origin="pelvis", points=square, id="p")]
    items.append(
        Item(
            kind="bone",
            side="left",
            origin="femur",
            id="bone",
            points=[(r + 400.0, c) for r, c in square],
        )
    )
    for n in range(femoral):  # f0 and f1 diagonal to the pelvic spur, one each side
        shift = (n // 2 + 1) * (1 if n % 2 else -1) * 20.0
        spur = [(r + 20.0, c + shift) for r, c in square]
        items.append(Item(kind="spur", side="left", origin="femur", points=spur, id=f"f{n}"))
    aset = AnnotationSet(sop_instance_uid="1.2.3", reader="tester", items=items)
    gap = measure(aset, Spacing(row_mm=1.0, col_mm=1.0, kind="calibrated"))["left"].auto_gap
    assert gap is not None
    assert gap.length == math.sqrt(200.0)  # f0 and f1 (and no other) at this distance
    assert gap.item_ids == ("p", "f0")
