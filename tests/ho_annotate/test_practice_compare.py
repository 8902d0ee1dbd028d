"""Table tests of the practice comparison: right, wrong, missed, extra, no grade, not read."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from ho_annotate.annotations.model import AnnotationSet, HipReading, Hips, Item, Spacing
from ho_annotate.errors import HoAnnotateError
from ho_annotate.practice import compare_case, match_shapes, summarize

SPACING = Spacing(row_mm=0.1, col_mm=0.1, kind="calibrated", source="test")
UID = "1.2.3.4"


def box(r0: float, c0: float, r1: float, c1: float) -> list[tuple[float, float]]:
    return [(r0, c0), (r0, c1), (r1, c1), (r1, c0)]


def island(r0: float, c0: float, r1: float, c1: float, id: str, side: str = "left") -> Item:
    return Item(kind="island", side=side, points=box(r0, c0, r1, c1), id=id)  # type: ignore[arg-type]


def spurs_with_gap(gap_px: float, side: str = "right", prefix: str = "") -> list[Item]:
    """A pelvic spur above a femoral spur, and a gap line of ``gap_px`` between them."""
    top, bottom = 200.0, 200.0 + gap_px
    return [
        Item(
            kind="spur",
            side=side,  # type: ignore[arg-type]
            origin="pelvis",
            points=box(150, 100, top, 160),
            id=f"{prefix}ps",
        ),
        Item(
            kind="spur",
            side=side,  # type: ignore[arg-type]
            origin="femur",
            points=box(bottom, 100, bottom + 50, 160),
            id=f"{prefix}fs",
        ),
        Item(kind="gap", side=side, points=[(top, 130.0), (bottom, 130.0)], id=f"{prefix}g"),  # type: ignore[arg-type]
    ]


def reading(items: list[Item], *, no_ho: tuple[str, ...] = (), reader: str = "s") -> AnnotationSet:
    hips = Hips(
        left=HipReading(no_ho_confirmed="left" in no_ho),
        right=HipReading(no_ho_confirmed="right" in no_ho),
    )
    return AnnotationSet(sop_instance_uid=UID, reader=reader, items=items, hips=hips)


#: Reference: left hip an island (I); right hip spurs 8.0 mm apart (III).
REFERENCE = reading(
    [island(300, 300, 400, 400, "ri"), *spurs_with_gap(80.0, prefix="r")], reader="reference"
)

Case = tuple[
    str, Callable[[], AnnotationSet | None], dict[str, str | None], dict[str, dict[str, object]]
]
CASES: list[Case] = [
    (
        "right on both hips",
        lambda: reading([island(305, 300, 400, 405, "si"), *spurs_with_gap(80.0)]),
        {},
        {
            "left": {"outcome": "right", "student_grade": "I", "missed": 0, "extra": 0},
            "right": {"outcome": "right", "student_grade": "III", "gap_diff_mm": 0.0},
        },
    ),
    (
        "wrong: gap measured too wide",
        lambda: reading([island(305, 300, 400, 405, "si"), *spurs_with_gap(120.0)]),
        {},
        {
            "right": {
                "outcome": "wrong",
                "student_grade": "II",
                "reference_grade": "III",
                "gap_diff_mm": 4.0,
                "matched": 1,
            },
        },
    ),
    (
        "missed island, hip not read",
        lambda: reading(spurs_with_gap(80.0)),
        {},
        {"left": {"outcome": "not read", "student_grade": None, "missed": 1, "extra": 0}},
    ),
    (
        "extra island far from the reference one",
        lambda: reading(
            [island(305, 300, 400, 405, "si"), island(600, 600, 650, 650, "sx")],
            no_ho=("right",),
        ),
        {},
        {
            "left": {"outcome": "right", "matched": 1, "missed": 0, "extra": 1},
            "right": {"outcome": "wrong", "student_grade": "0", "missed": 2},
        },
    ),
    (
        "no grade: a spur with nothing opposite",
        lambda: reading([island(305, 300, 400, 405, "si"), spurs_with_gap(80.0)[0]]),
        {},
        {"right": {"outcome": "no grade", "student_grade": None, "gap_diff_mm": None}},
    ),
    (
        "not read: nothing submitted",
        lambda: None,
        {},
        {
            "left": {"outcome": "not read", "missed": 1},
            "right": {"outcome": "not read", "student_status": "not read", "missed": 2},
        },
    ),
    (
        "picked grades win over annotations",
        lambda: None,
        {"left": "I", "right": "II"},
        {
            "left": {"outcome": "right", "student_grade_source": "picked"},
            "right": {"outcome": "wrong", "student_grade": "II"},
        },
    ),
]


@pytest.mark.parametrize(
    ("name", "student", "picked", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_comparison_table(
    name: str,
    student: Callable[[], AnnotationSet | None],
    picked: dict[str, str | None],
    expected: dict[str, dict[str, object]],
) -> None:
    result = compare_case(student(), REFERENCE, SPACING, picked=picked, case=name)  # type: ignore[arg-type]
    assert result.case == name
    for side, fields in expected.items():
        got = result.sides[side]
        for field, want in fields.items():
            value = getattr(got, field)
            if field in ("matched", "missed", "extra"):
                value = len(value)
            assert value == want, f"{side}.{field}: {value!r} != {want!r}"


def test_reference_reason_explains_the_grade_and_feedback_says_what_was_wrong() -> None:
    result = compare_case(reading(spurs_with_gap(120.0)), REFERENCE, SPACING)
    right = result.sides["right"]
    assert right.reason.startswith("Class III")
    assert "8.0 mm" in right.reason
    assert "Wrong: you said II, the reference says III" in right.feedback
    assert "your gap is 4.0 mm longer than the reference's" in right.feedback
    assert not right.borderline and "borderline" not in right.feedback  # 8.0 mm: clear
    assert "missed 1 spur; extra 1 spur" in right.feedback  # the femoral spur moved 4 mm
    assert "missed 1 island" in result.sides["left"].feedback


def test_a_reference_gap_near_1_cm_is_called_borderline_and_a_short_gap_is_shorter() -> None:
    reference = reading(spurs_with_gap(104.0), reader="reference")  # 10.4 mm: II, borderline
    result = compare_case(reading(spurs_with_gap(96.0)), reference, SPACING)
    right = result.sides["right"]
    assert right.borderline and right.reference_grade == "II"
    assert "Wrong: you said III, the reference says II" in right.feedback
    assert "your gap is 0.8 mm shorter than the reference's" in right.feedback
    assert "reference gap of 10.4 mm is borderline: experts disagree within this band" in (
        right.feedback
    )
    same = compare_case(reading(spurs_with_gap(104.0)), reference, SPACING).sides["right"]
    assert same.feedback.startswith("Correct: you and the reference both say II")
    assert "your gap equals the reference's" in same.feedback


def test_reference_without_grade_is_not_scored() -> None:
    reference = reading(spurs_with_gap(80.0), reader="reference")
    result = compare_case(reading(spurs_with_gap(80.0)), reference, None)  # no spacing: no II/III
    assert result.sides["right"].outcome == "no reference"
    assert summarize([result]).hips == 0


def test_matching_is_one_to_one_and_optimal_not_greedy() -> None:
    # Reference A=[0,10], B=[6,16] (columns); student X=[2,12] overlaps A best (0.67) but the only
    # one-to-one pairing that matches both is X-B (0.43) and Y-A (0.54).
    ref = [island(0, 0, 10, 10, "A"), island(0, 6, 10, 16, "B")]
    stu = [island(0, 2, 10, 12, "X"), island(0, -3, 10, 7, "Y")]
    matched, missed, extra = match_shapes(stu, ref)
    assert sorted((m.reference_id, m.student_id) for m in matched) == [("A", "Y"), ("B", "X")]
    assert missed == [] and extra == []
    matched, missed, extra = match_shapes(stu, ref, iou_threshold=0.6)
    assert [(m.reference_id, m.student_id) for m in matched] == [("A", "X")]
    assert [r.id for r in missed] == ["B"] and [r.id for r in extra] == ["Y"]


def test_matching_needs_the_threshold_and_the_same_kind() -> None:
    ref = [island(0, 0, 10, 10, "A")]
    # Shifted 6 px: IoU 4/16 = 0.25, under the default 0.3.
    assert match_shapes([island(0, 6, 10, 16, "X")], ref)[0] == []
    assert len(match_shapes([island(0, 6, 10, 16, "X")], ref, iou_threshold=0.2)[0]) == 1
    spur = Item(kind="spur", side="left", origin="pelvis", points=box(0, 0, 10, 10), id="S")
    matched, missed, extra = match_shapes([spur], ref)
    assert matched == [] and [r.kind for r in missed] == ["island"]
    assert [r.kind for r in extra] == ["spur"]


def test_summary_accuracy_confusion_and_quadratic_kappa() -> None:
    students = [
        reading([island(305, 300, 400, 405, "si"), *spurs_with_gap(80.0)]),  # I, III right
        reading([island(305, 300, 400, 405, "si"), *spurs_with_gap(120.0)]),  # I right, II wrong
        None,  # both not read
    ]
    results = [compare_case(s, REFERENCE, SPACING, case=f"c{n}") for n, s in enumerate(students)]
    summary = summarize(results)
    assert (summary.hips, summary.right, summary.wrong, summary.not_read) == (6, 3, 1, 2)
    assert summary.accuracy == pytest.approx(0.5)
    assert summary.confusion["III"] == {"0": 0, "I": 0, "II": 1, "III": 1, "IV": 0, "none": 1}
    assert summary.confusion["I"]["I"] == 2 and summary.confusion["I"]["none"] == 1
    assert summary.kappa_hips == 4
    # Quadratic-weighted kappa by hand over the 4 graded pairs (indices in 0..IV).
    ref = np.array([1, 3, 1, 3])
    stu = np.array([1, 3, 1, 2])
    observed = np.zeros((5, 5))
    for r, s in zip(ref, stu, strict=True):
        observed[r, s] += 1
    expected = np.outer(observed.sum(1), observed.sum(0)) / observed.sum()
    weights = np.subtract.outer(np.arange(5), np.arange(5)) ** 2
    kappa = 1 - (weights * observed).sum() / (weights * expected).sum()
    assert summary.kappa_quadratic == pytest.approx(kappa, abs=1e-4)
    assert summary.mean_abs_gap_diff_mm == pytest.approx(2.0)


def test_refuses_a_grade_outside_the_scheme_and_a_reading_of_another_image() -> None:
    with pytest.raises(HoAnnotateError, match="not a brooker grade"):
        compare_case(None, REFERENCE, SPACING, picked={"left": "B"})
    other = AnnotationSet(sop_instance_uid="9.9.9", reader="s")
    with pytest.raises(HoAnnotateError, match="same radiograph"):
        compare_case(other, REFERENCE, SPACING)
    # Della Valle grades are accepted under that scheme.
    result = compare_case(None, REFERENCE, SPACING, picked={"left": "A"}, scheme="della-valle")
    assert result.sides["left"].student_grade == "A"
