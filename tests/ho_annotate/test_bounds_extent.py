"""A load computes a set's point box once; the range and image checks give the same answers
with it as without (the refusals of a sidecar do not change)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from ho_annotate.annotations.bounds import image_problems, point_extent, value_problems
from ho_annotate.annotations.limits import MAX_COORDINATE, OUTSIDE_IMAGE_MARGIN
from ho_annotate.annotations.model import AnnotationSet, Item


def _value(rng: random.Random) -> float:
    roll = rng.random()
    if roll < 0.02:
        return rng.choice([math.nan, math.inf, -math.inf])
    if roll < 0.05:
        return rng.choice([1e300, -1e300, 2e6, -2e6])
    return rng.uniform(-300, 2800)


def _set(rng: random.Random) -> AnnotationSet:
    aset = AnnotationSet(sop_instance_uid="1.2.3", reader="alice")
    for n in range(rng.randint(0, 6)):
        points = [(_value(rng), _value(rng)) for _ in range(rng.randint(3, 12))]
        clicks = [(_value(rng), _value(rng)) for _ in range(rng.randint(0, 3))] or None
        item = Item(kind="island", side="left", id=f"i{n}", points=points, clicks=clicks)
        aset.items.append(item)
    return aset


def _first(aset: AnnotationSet, bad: Callable[[float, float], bool]) -> list[str]:
    """Per item, the path of its first point that is ``bad`` (the reference, point by point)."""
    out = []
    for n, item in enumerate(aset.items):
        named = [(f"points[{k}]", p) for k, p in enumerate(item.points)]
        named += [(f"clicks[{k}]", p) for k, p in enumerate(item.clicks or ())]
        out += [f"$.items[{n}].{at}" for at, (r, c) in named if bad(r, c)][:1]
    return out


def test_checks_with_the_shared_box_name_the_first_bad_point_of_each_item() -> None:
    rng = random.Random(18)
    kinds = set()
    far = MAX_COORDINATE
    for _ in range(600):
        aset = _set(rng)
        box = point_extent(aset)
        kinds.add("none" if box is None else "box")
        beyond = _first(aset, lambda r, c: any(math.isfinite(v) and abs(v) > far for v in (r, c)))
        assert [w for w, _ in value_problems(aset, box)] == beyond
        assert [w for w, _ in value_problems(aset)] == beyond
        for rows, cols in [(2500, 2048), (100, 3000)]:
            m = OUTSIDE_IMAGE_MARGIN * max(rows, cols) + 0.5

            def outside(
                r: float, c: float, rows: int = rows, cols: int = cols, m: float = m
            ) -> bool:
                return not (-m <= r <= rows - 1 + m and -m <= c <= cols - 1 + m)

            expected = _first(aset, outside)
            assert [w for w, _ in image_problems(aset, (rows, cols), box)] == expected
            assert [w for w, _ in image_problems(aset, (rows, cols))] == expected
    assert kinds == {"none", "box"}  # both the quick answer and the item-by-item one ran


def test_an_empty_set_is_within_any_image() -> None:
    aset = AnnotationSet(sop_instance_uid="1.2.3", reader="alice")
    assert list(image_problems(aset, (10, 10), point_extent(aset))) == []
