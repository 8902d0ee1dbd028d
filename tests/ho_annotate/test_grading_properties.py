"""Property tests: translation, spacing scale and a shrinking gap."""

from __future__ import annotations

from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

from ho_annotate.annotations.model import AnnotationSet, Item, Spacing
from ho_annotate.grading import grade
from ho_annotate.measurement.hips import measure

FAST = settings(max_examples=40, deadline=None)
RANK = {"0": 0, "I": 1, "II": 2, "III": 3, "IV": 4}


def rect(r0: float, c0: float, h: float, w: float) -> list[tuple[float, float]]:
    return [(r0, c0), (r0, c0 + w), (r0 + h, c0 + w), (r0 + h, c0)]


boxes = st.tuples(st.integers(0, 200), st.integers(0, 200), st.integers(2, 40), st.integers(2, 40))
kinds = st.sampled_from(
    [("spur", "pelvis"), ("spur", "femur"), ("island", None), ("bone", "pelvis"), ("bone", "femur")]
)
sides = st.sampled_from(["left", "right"])
shapes = st.lists(st.tuples(kinds, sides, boxes), min_size=1, max_size=6)
lines = st.lists(
    st.tuples(sides, st.tuples(st.integers(0, 200), st.integers(0, 200), st.integers(1, 60))),
    max_size=2,
)
spacings = st.sampled_from([0.125, 0.25, 0.5, 1.0])
spacing_kinds = st.sampled_from(["calibrated", "estimated", "detector", "unknown"])


def build(shape_list: list[Any], line_list: list[Any], dr: int = 0, dc: int = 0) -> AnnotationSet:
    items = []
    for n, ((kind, origin), side, (r, c, h, w)) in enumerate(shape_list):
        items.append(
            Item(kind=kind, side=side, origin=origin, points=rect(r + dr, c + dc, h, w), id=f"s{n}")
        )
    for n, (side, (r, c, length)) in enumerate(line_list):
        pts = [(float(r + dr), float(c + dc)), (float(r + dr + length), float(c + dc))]
        items.append(Item(kind="gap", side=side, points=pts, id=f"g{n}"))
    return AnnotationSet(sop_instance_uid="1", reader="r", items=items, side_basis="orientation")


def summary(aset: AnnotationSet, sp: Spacing, scheme: str) -> dict[str, Any]:
    out = grade(aset, sp, scheme).to_json()
    for side in out["sides"].values():
        side.pop("gap_points")
    return out


@FAST
@given(shapes, lines, st.integers(-100, 100), st.integers(-100, 100), spacings, spacing_kinds)
def test_translating_everything_changes_nothing(
    shape_list: list[Any], line_list: list[Any], dr: int, dc: int, mm: float, kind: str
) -> None:
    sp = Spacing(row_mm=mm, col_mm=mm * 2, kind=kind)  # type: ignore[arg-type]
    for scheme in ("brooker", "della-valle"):
        assert summary(build(shape_list, line_list), sp, scheme) == summary(
            build(shape_list, line_list, dr, dc), sp, scheme
        )


@FAST
@given(shapes, lines, spacings, st.sampled_from([0.5, 2.0, 3.0, 0.1]))
def test_scaling_the_spacing_scales_every_length(
    shape_list: list[Any], line_list: list[Any], mm: float, factor: float
) -> None:
    aset = build(shape_list, line_list)
    base = measure(aset, Spacing(row_mm=mm, col_mm=mm / 2, kind="calibrated"))
    scaled = measure(aset, Spacing(row_mm=mm * factor, col_mm=mm / 2 * factor, kind="calibrated"))
    for side in ("left", "right"):
        a, b = base[side], scaled[side]
        # reader lines may cross the absolute 0.5 mm mis-click limit, so compare when both count
        refused = any("mis-click" in w for w in (*a.warnings, *b.warnings))
        pairs = [(a.auto_gap, b.auto_gap)] + ([] if refused else [(a.reader_gap, b.reader_gap)])
        for gap_a, gap_b in pairs:
            assert (gap_a is None) == (gap_b is None)
            if gap_a is not None and gap_b is not None:
                assert gap_b.length == pytest.approx(gap_a.length * factor)
        for i, j in zip(a.islands, b.islands, strict=True):
            assert j.length == pytest.approx(i.length * factor)
            assert j.area == pytest.approx(i.area * factor**2)
        assert len(a.contacts) == len(b.contacts)


@FAST
@given(
    st.floats(0.6, 30.0),
    st.floats(0.6, 30.0),
    st.sampled_from(["calibrated", "estimated", "manual", "detector", "unknown"]),
    st.integers(0, 3),
)
def test_shrinking_a_gap_never_lowers_the_grade(
    g1: float, g2: float, kind: str, islands: int
) -> None:
    wide, narrow = max(g1, g2), min(g1, g2)
    sp = Spacing(row_mm=1.0, col_mm=1.0, kind=kind, uncertainty=0.03)  # type: ignore[arg-type]

    def grade_for(gap: float) -> str | None:
        items = [
            Item(kind="spur", side="left", origin="pelvis", points=rect(0, 0, 10, 10)),
            Item(kind="spur", side="left", origin="femur", points=rect(10 + gap, 0, 10, 10)),
        ]
        items += [
            Item(kind="island", side="left", points=rect(100, 30 * n, 5, 5)) for n in range(islands)
        ]
        aset = AnnotationSet(sop_instance_uid="1", reader="r", items=items)
        return grade(aset, sp).sides["left"].grade

    before, after = grade_for(wide), grade_for(narrow)
    if before == "III":
        assert after == "III"
    if before is not None and after is not None:
        assert RANK[after] >= RANK[before]
