"""Grading rules, table-driven: one row per rule of GUIDE section 1 and issue 4."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from ho_annotate.annotations.model import (
    AnnotationSet,
    HipReading,
    Hips,
    Item,
    ManualCalibration,
    Spacing,
)
from ho_annotate.grading import NEEDS, SideResult, grade, schemes


def rect(r0: float, c0: float, r1: float, c1: float) -> list[tuple[float, float]]:
    return [(r0, c0), (r0, c1), (r1, c1), (r1, c0)]


def spacing(kind: str, mm: float = 1.0, uncertainty: float | None = None) -> Spacing:
    return Spacing(row_mm=mm, col_mm=mm, kind=kind, uncertainty=uncertainty)  # type: ignore[arg-type]


def pelvic(
    r0: float = 0, c0: float = 0, r1: float = 10, c1: float = 10, side: str = "left"
) -> Item:
    return Item(kind="spur", side=side, points=rect(r0, c0, r1, c1), origin="pelvis")  # type: ignore[arg-type]


def femoral(
    r0: float, c0: float = 0, r1: float | None = None, c1: float = 10, side: str = "left"
) -> Item:
    r1 = r0 + 10 if r1 is None else r1
    return Item(kind="spur", side=side, points=rect(r0, c0, r1, c1), origin="femur")  # type: ignore[arg-type]


def spur_pair(gap: float, side: str = "left") -> list[Item]:
    """A pelvic spur ending at row 10 and a femoral spur ``gap`` pixels below it."""
    return [pelvic(side=side), femoral(10 + gap, side=side)]


def island(length: float, side: str = "left") -> Item:
    """A thin triangle whose longest extent (maximum Feret diameter) is ``length``."""
    points = [(100.0, 100.0), (100.0 + length, 100.0), (100.0 + length / 2, 100.5)]
    return Item(kind="island", side=side, points=points)  # type: ignore[arg-type]


def gap_line(length: float, side: str = "left") -> Item:
    return Item(kind="gap", side=side, points=[(10, 5), (10 + length, 5)])  # type: ignore[arg-type]


def bridge(side: str = "left") -> Item:
    return Item(kind="bridge", side=side, points=rect(0, 0, 30, 10))  # type: ignore[arg-type]


def make(
    items: list[Item], hips: Hips | None = None, calibration: ManualCalibration | None = None
) -> AnnotationSet:
    return AnnotationSet(
        sop_instance_uid="1.2.3",
        reader="tester",
        side_basis="orientation",
        items=items,
        hips=hips or Hips(),
        calibration=calibration,
    )


def left(
    items: list[Item], sp: Spacing | None, scheme: str = "brooker", **kw: object
) -> SideResult:
    return grade(make(items, **kw), sp, scheme).sides["left"]  # type: ignore[arg-type]


@dataclass
class Case:
    name: str
    items: list[Item]
    spacing: Spacing | None
    grade: str | None
    gap_mm: float | None = None
    needs: list[str] = field(default_factory=list)
    borderline: bool | None = None
    scheme: str = "brooker"


CAL = spacing("calibrated")
CAL_FINE = spacing("calibrated", 0.1)

CASES = [
    # the threshold applies to the reported value
    Case("9.94 reports 9.9: III", spur_pair(9.94), CAL, "III", 9.9),
    Case("9.95 reports 10.0: II", spur_pair(9.95), CAL, "II", 10.0),
    Case("9.96 reports 10.0: II", spur_pair(9.96), CAL, "II", 10.0),
    Case("fine pixels 99.4 px: III", spur_pair(99.4), CAL_FINE, "III", 9.9),
    Case("fine pixels 99.5 px: II", spur_pair(99.5), CAL_FINE, "II", 10.0),
    # anisotropic: 60 px is 12 mm down the rows, 6 mm across the columns
    Case(
        "anisotropic rows",
        spur_pair(60),
        Spacing(row_mm=0.2, col_mm=0.1, kind="calibrated"),
        "II",
        12.0,
    ),
    Case(
        "anisotropic columns",
        [pelvic(), femoral(0, 70, 10, 80)],
        Spacing(row_mm=0.2, col_mm=0.1, kind="calibrated"),
        "III",
        6.0,
    ),
    # diagonal: corner to corner, 7 px each way is 9.9 mm, 7.1 px is 10.0 mm
    Case("diagonal under", [pelvic(), femoral(17, 17, 30, 30)], CAL, "III", 9.9),
    Case("diagonal over", [pelvic(), femoral(17.1, 17.1, 30, 30)], CAL, "II", 10.0),
    # several spurs: the minimum wins
    Case(
        "several spurs",
        [pelvic(), pelvic(0, 40, 10, 50), femoral(25), femoral(18, 40, 30, 50)],
        CAL,
        "III",
        8.0,
    ),
    # outline to outline is the joint space
    Case(
        "joint space ignored",
        [
            Item(kind="bone", side="left", points=rect(0, 60, 10, 70), origin="pelvis"),
            Item(kind="bone", side="left", points=rect(12, 60, 30, 70), origin="femur"),
            pelvic(),
            femoral(25),
        ],
        CAL,
        "II",
        15.0,
    ),
    Case("contact asks to confirm", [pelvic(), femoral(8)], CAL, None, None, ["confirm_ankylosis"]),
    Case("bridge is IV", [bridge()], CAL, "IV"),
    Case("bridge wins over touching spurs", [bridge(), pelvic(), femoral(8)], CAL, "IV"),
    Case("bridge is IV without spacing", [bridge()], None, "IV"),
    # the reader's line decides, either way
    Case("reader line under", [*spur_pair(15), gap_line(8)], CAL, "III", 8.0),
    Case("reader line over", [*spur_pair(8), gap_line(12)], CAL, "II", 12.0),
    Case("gap line alone", [gap_line(7.44)], CAL, "III", 7.4),
    Case("missing gap", [pelvic()], CAL, None, None, ["gap"]),
    Case("islands are I", [island(30), island(4)], CAL, "I"),
    Case("islands are I without spacing", [island(30)], None, "I"),
    Case("spurs beat islands", [island(30), *spur_pair(5)], CAL, "III", 5.0),
    Case("no spacing: II vs III unknown", spur_pair(20), None, None, None, ["calibration"]),
    # calibration kinds and borderline
    Case("calibrated far", spur_pair(120), CAL_FINE, "II", 12.0, borderline=False),
    Case("calibrated near", spur_pair(100.5), CAL_FINE, "II", 10.1, borderline=True),
    Case("calibrated 10.4", spur_pair(104), CAL_FINE, "II", 10.4, borderline=False),
    Case("estimated 10.4", spur_pair(104), spacing("estimated", 0.1), "II", 10.4, borderline=True),
    Case("estimated 9.6", spur_pair(96), spacing("estimated", 0.1), "III", 9.6, borderline=True),
    Case("estimated 8", spur_pair(80), spacing("estimated", 0.1), "III", 8.0, borderline=False),
    Case("manual 2 %", spur_pair(104), spacing("manual", 0.1, 0.02), "II", 10.4, borderline=False),
    Case("manual 10 %", spur_pair(104), spacing("manual", 0.1, 0.10), "II", 10.4, borderline=True),
    # detector / unknown: true gap in [m / 1.30, m / 1.05]
    Case("detector 9.0", spur_pair(9), spacing("detector"), "III", 9.0),
    Case("detector 10.4", spur_pair(10.4), spacing("detector"), "III", 10.4),
    Case("detector 11.0", spur_pair(11), spacing("detector"), None, 11.0, ["calibration"]),
    Case("detector 12.9", spur_pair(12.9), spacing("detector"), None, 12.9, ["calibration"]),
    Case("detector 13.0", spur_pair(13), spacing("detector"), "II", 13.0),
    Case("unknown 11.0", spur_pair(11), spacing("unknown"), None, 11.0, ["calibration"]),
    Case("unknown 14.0", spur_pair(14), spacing("unknown"), "II", 14.0),
    # Della Valle
    Case("DV island 9.94", [island(9.94)], CAL, "A", scheme="della-valle"),
    Case("DV island 9.95", [island(9.95)], CAL, "B", scheme="della-valle"),
    Case(
        "DV island 10.2 estimated",
        [island(102)],
        spacing("estimated", 0.1),
        "B",
        borderline=True,
        scheme="della-valle",
    ),
    Case(
        "DV island 9.6 calibrated",
        [island(96)],
        CAL_FINE,
        "A",
        borderline=False,
        scheme="della-valle",
    ),
    Case(
        "DV island with spurs far",
        [island(5), *spur_pair(12)],
        CAL,
        "B",
        12.0,
        scheme="della-valle",
    ),
    Case(
        "DV big island, near spurs",
        [island(20), *spur_pair(8)],
        CAL,
        "C",
        8.0,
        scheme="della-valle",
    ),
    Case(
        "DV island detector 11",
        [island(11)],
        spacing("detector"),
        None,
        None,
        ["calibration"],
        scheme="della-valle",
    ),
    Case("DV island detector 14", [island(14)], spacing("detector"), "B", scheme="della-valle"),
    Case(
        "DV island no spacing",
        [island(14)],
        None,
        None,
        None,
        ["calibration"],
        scheme="della-valle",
    ),
    Case(
        "DV big island, spurs no spacing",
        [island(14), *spur_pair(5)],
        None,
        None,
        None,
        ["calibration"],
        scheme="della-valle",
    ),
    Case("DV bridge no spacing", [bridge(), island(3)], None, "C", scheme="della-valle"),
    Case(
        "DV spur contact",
        [pelvic(), femoral(8)],
        CAL,
        None,
        None,
        ["confirm_ankylosis"],
        scheme="della-valle",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_grading_rule(case: Case) -> None:
    res = left(case.items, case.spacing, case.scheme)
    assert res.status == "annotated"
    assert res.grade == case.grade, res.reason
    assert res.gap_mm == case.gap_mm
    assert [n.code for n in res.needs] == case.needs
    if case.borderline is not None:
        assert res.borderline is case.borderline
    assert res.reason.startswith("No grade:" if case.grade is None else ("Class", "Grade"))
    assert res.reason.endswith(".")


def test_the_reason_is_a_plain_sentence_with_the_number() -> None:
    res = left(spur_pair(7.4), CAL)
    assert res.reason == (
        "Class III: the pelvic spur comes within 7.4 mm of the femoral spur, under 1 cm."
    )
    res = left(spur_pair(12.3), CAL)
    assert (
        res.reason
        == "Class II: the pelvic spur stays 12.3 mm clear of the femoral spur, at least 1 cm."
    )


def test_detector_reason_gives_the_true_range() -> None:
    res = left(spur_pair(11), spacing("detector"))
    assert "8.5-10.5 mm" in res.reason
    assert res.needs[0].message.startswith("Calibrate on the prosthetic head")


def test_reader_line_is_decisive_and_the_automatic_gap_is_shown_beside_it() -> None:
    res = left([*spur_pair(15), gap_line(8)], CAL)
    assert res.decisive is not None and res.decisive.source == "reader"
    assert res.auto_gap is not None and res.auto_gap.reported_mm == 15.0
    assert res.to_json()["auto_gap_mm"] == 15.0
    assert res.to_json()["gap_source"] == "reader"


@pytest.mark.parametrize(
    ("hips", "status", "expected", "needs"),
    [
        (Hips(), "not read", None, ["reading"]),
        (Hips(left=HipReading(no_ho_confirmed=True)), "no HO", "0", []),
        (
            Hips(left=HipReading(not_assessable_reason="hip not in the image")),
            "not assessable",
            None,
            [],
        ),
    ],
)
def test_not_read_is_not_class_zero(
    hips: Hips, status: str, expected: str | None, needs: list[str]
) -> None:
    res = left([], CAL, hips=hips)
    assert res.status == status
    assert res.grade == expected
    assert [n.code for n in res.needs] == needs
    dv = left([], CAL, "della-valle", hips=hips)
    assert dv.grade == ("A" if expected == "0" else None)
    if status == "not assessable":
        assert "hip not in the image" in res.reason


def test_items_override_a_no_ho_confirmation() -> None:
    res = left([island(5)], CAL, hips=Hips(left=HipReading(no_ho_confirmed=True)))
    assert (res.status, res.grade) == ("annotated", "I")


def test_both_hips_are_graded_independently() -> None:
    items = [*spur_pair(7.4, "left"), *spur_pair(15, "right")]
    report = grade(make(items), CAL)
    assert report.sides["left"].grade == "III"
    assert report.sides["right"].grade == "II"
    alone = grade(make(spur_pair(7.4, "left")), CAL)
    same = ("grade", "gap_mm", "reason", "needs", "borderline", "warnings")
    alone_left = alone.sides["left"].to_json()
    both_left = report.sides["left"].to_json()
    assert {k: alone_left[k] for k in same} == {k: both_left[k] for k in same}
    assert alone.sides["right"].grade is None


def test_manual_calibration_overrides_the_header() -> None:
    cal = ManualCalibration(
        method="circle", known_mm=28.0, row_mm=0.1, col_mm=0.1, uncertainty=0.01
    )
    report = grade(make(spur_pair(120), calibration=cal), spacing("detector", 0.2))
    assert report.spacing_kind == "manual"
    assert report.sides["left"].grade == "II"
    assert report.sides["left"].gap_mm == 12.0


def test_assumed_sides_warn_on_every_hip() -> None:
    aset = AnnotationSet(sop_instance_uid="1", reader="r", items=spur_pair(5))
    report = grade(aset, CAL)
    for res in report.sides.values():
        assert any(w.startswith("Sides assumed") for w in res.warnings)


def test_json_shape_of_a_report() -> None:
    out = grade(make([*spur_pair(7.4), island(3)]), CAL).to_json("img.dcm")
    assert list(out) == ["image", "scheme", "spacing_kind", "sides"]
    assert out["spacing_kind"] == "calibrated"
    side = out["sides"]["left"]
    for key in ("status", "grade", "gap_mm", "reason", "needs", "borderline", "warnings"):
        assert key in side
    assert side["grade"] == "III" and side["gap_mm"] == 7.4 and side["island_count"] == 1
    assert out["sides"]["right"]["needs"] == ["reading"]


def test_needs_messages_are_actions() -> None:
    assert set(NEEDS) == {"reading", "gap", "calibration", "confirm_ankylosis"}
    for need in NEEDS.values():
        assert need.message.endswith(".")
        assert need.message.split()[0] in {"Read", "Draw", "Calibrate", "Mark"}


def test_builtin_schemes_are_registered() -> None:
    assert schemes()[:2] == ("brooker", "della-valle")
