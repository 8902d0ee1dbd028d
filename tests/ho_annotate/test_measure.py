"""Per-hip measurement: which pairs count for the automatic gap, reader lines, rounding."""

from __future__ import annotations

import pytest

from ho_annotate.annotations.model import AnnotationSet, Item, Spacing
from ho_annotate.measurement.hips import Measurer, measure, round_mm

ONE_MM = Spacing(row_mm=1.0, col_mm=1.0, kind="calibrated")


def rect(r0: float, c0: float, r1: float, c1: float) -> list[tuple[float, float]]:
    return [(r0, c0), (r0, c1), (r1, c1), (r1, c0)]


def item(
    kind: str, points: list[tuple[float, float]], origin: str | None = None, **kw: object
) -> Item:
    return Item(kind=kind, side="left", points=points, origin=origin, **kw)  # type: ignore[arg-type]


def aset(*items: Item) -> AnnotationSet:
    return AnnotationSet(sop_instance_uid="1.2.3", reader="tester", items=list(items))


@pytest.mark.parametrize(
    ("value", "reported"),
    [
        (9.94, "9.9"),
        (9.95, "10.0"),
        (9.96, "10.0"),
        (9.949999999999999, "10.0"),
        (9.944999, "9.9"),
        (7.45, "7.5"),
        (0.05, "0.1"),
        (12.0, "12.0"),
    ],
)
def test_rounding_is_half_up_to_a_tenth(value: float, reported: str) -> None:
    assert str(round_mm(value)) == reported


def test_minimum_over_several_spurs_wins_and_keeps_its_point_pair() -> None:
    a = aset(
        item("spur", rect(0, 0, 10, 10), "pelvis", id="p1"),
        item("spur", rect(0, 30, 12, 40), "pelvis", id="p2"),
        item("spur", rect(20, 0, 30, 10), "femur", id="f1"),
        item("spur", rect(19, 30, 30, 40), "femur", id="f2"),
    )
    gap = measure(a, ONE_MM)["left"].auto_gap
    assert gap is not None
    assert gap.length == pytest.approx(7.0)
    assert set(gap.item_ids) == {"p2", "f2"}
    assert gap.points[0][0] == pytest.approx(12.0)
    assert gap.points[1][0] == pytest.approx(19.0)


@pytest.mark.parametrize(
    ("items", "expected", "between"),
    [
        # pelvic spur to femur outline counts
        (
            [
                item("spur", rect(0, 0, 10, 10), "pelvis"),
                item("bone", rect(25, 0, 40, 10), "femur"),
            ],
            15.0,
            ("pelvic spur", "femur outline"),
        ),
        # femoral spur to pelvis outline counts
        (
            [
                item("bone", rect(0, 0, 10, 10), "pelvis"),
                item("spur", rect(22, 0, 40, 10), "femur"),
            ],
            12.0,
            ("femoral spur", "pelvis outline"),
        ),
        # outline to outline is the joint space: ignored, the spur pair decides
        (
            [
                item("bone", rect(0, 0, 10, 10), "pelvis"),
                item("bone", rect(12, 0, 30, 10), "femur"),
                item("spur", rect(0, 50, 10, 60), "pelvis"),
                item("spur", rect(25, 50, 30, 60), "femur"),
            ],
            15.0,
            ("pelvic spur", "femoral spur"),
        ),
        # a spur and the outline of its own bone are not opposing surfaces
        (
            [
                item("spur", rect(0, 0, 10, 10), "pelvis"),
                item("bone", rect(12, 0, 20, 10), "pelvis"),
            ],
            None,
            None,
        ),
        # islands are not opposing bone surfaces
        (
            [item("spur", rect(0, 0, 10, 10), "pelvis"), item("island", rect(12, 0, 20, 10))],
            None,
            None,
        ),
    ],
)
def test_which_pairs_make_the_automatic_gap(
    items: list[Item], expected: float | None, between: tuple[str, str] | None
) -> None:
    gap = measure(aset(*items), ONE_MM)["left"].auto_gap
    if expected is None:
        assert gap is None
    else:
        assert gap is not None
        assert gap.length == pytest.approx(expected)
        assert gap.between == between


def test_anisotropic_pixels_measure_in_mm() -> None:
    spacing = Spacing(row_mm=0.2, col_mm=0.1, kind="calibrated")
    down = aset(
        item("spur", rect(0, 0, 10, 10), "pelvis"), item("spur", rect(60, 0, 70, 10), "femur")
    )
    across = aset(
        item("spur", rect(0, 0, 10, 10), "pelvis"), item("spur", rect(0, 60, 10, 70), "femur")
    )
    gap_down = measure(down, spacing)["left"].auto_gap
    gap_across = measure(across, spacing)["left"].auto_gap
    assert gap_down is not None and gap_across is not None
    assert gap_down.length == pytest.approx(10.0)
    assert gap_across.length == pytest.approx(5.0)
    assert gap_down.step_mm == pytest.approx(0.2)
    assert gap_across.step_mm == pytest.approx(0.1)


def test_touching_spurs_are_contacts_not_gaps() -> None:
    m = measure(
        aset(
            item("spur", rect(0, 0, 10, 10), "pelvis"), item("spur", rect(10, 5, 20, 15), "femur")
        ),
        ONE_MM,
    )["left"]
    assert m.auto_gap is None
    assert len(m.contacts) == 1
    assert m.contacts[0].between == ("pelvic spur", "femoral spur")


def test_shortest_reader_line_is_decisive_and_misclicks_are_ignored() -> None:
    m = measure(
        aset(
            item("spur", rect(0, 0, 10, 10), "pelvis"),
            item("spur", rect(20, 0, 30, 10), "femur"),
            item("gap", [(10, 5), (19, 5)], id="long"),
            item("gap", [(10, 2), (18.5, 2)], id="short"),
            item("gap", [(10, 8), (10.3, 8)], id="click"),
        ),
        ONE_MM,
    )["left"]
    assert m.reader_gap is not None and m.reader_gap.item_ids == ("short",)
    assert m.reader_gap.length == pytest.approx(8.5)
    assert m.decisive_gap is m.reader_gap
    assert m.auto_gap is not None and m.auto_gap.length == pytest.approx(10.0)
    assert any("click" in w and "mis-click" in w for w in m.warnings)


def test_outlines_much_closer_than_the_reader_line_give_a_warning() -> None:
    m = measure(
        aset(
            item("spur", rect(0, 0, 10, 10), "pelvis"),
            item("spur", rect(16, 0, 30, 10), "femur"),
            item("gap", [(10, 5), (22, 5)]),
        ),
        ONE_MM,
    )["left"]
    assert any("more than 1 mm closer" in w for w in m.warnings)


def test_broken_items_are_ignored_with_a_warning() -> None:
    m = measure(
        aset(
            item("spur", [(0, 0), (1, 1)], "pelvis", id="flat"),
            item("spur", rect(0, 0, 5, 5), None, id="noorigin"),
            item("gap", [(0, 0), (1, 1), (2, 2)], id="threepoint"),
        ),
        ONE_MM,
    )["left"]
    assert m.spur_ids == ()
    assert m.reader_gap is None
    text = " ".join(m.warnings)
    for ident in ("flat", "noorigin", "threepoint"):
        assert ident in text


def test_a_reused_measurer_gives_the_same_result_as_a_fresh_one_after_an_edit() -> None:
    pelvic = item("spur", rect(0, 0, 10, 10), "pelvis", id="p")
    femoral = item("spur", rect(20, 0, 30, 10), "femur", id="f")
    island = item("island", rect(50, 50, 60, 55), id="i")
    measurer = Measurer()
    first = measurer.measure_all(aset(pelvic, femoral, island), ONE_MM)["left"]
    assert first.auto_gap is not None and first.auto_gap.length == pytest.approx(10.0)
    moved = Item(kind="spur", side="left", points=rect(14, 0, 30, 10), origin="femur", id="f")
    again = measurer.measure_all(aset(pelvic, moved, island), ONE_MM)["left"]
    fresh = Measurer().measure_all(aset(pelvic, moved, island), ONE_MM)["left"]
    assert again == fresh
    assert again.auto_gap is not None and again.auto_gap.length == pytest.approx(4.0)
    assert again.islands[0].area == pytest.approx(50.0)
