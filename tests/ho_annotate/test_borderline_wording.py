"""Warnings print rounded numbers (issue 15, item 11: "±0.243722 %")."""

from __future__ import annotations

from ho_annotate.annotations.model import AnnotationSet, Item, ManualCalibration
from ho_annotate.grading import grade


def box(r0: float, c0: float, r1: float, c1: float) -> list[tuple[float, float]]:
    return [(r0, c0), (r0, c1), (r1, c1), (r1, c0)]


def test_borderline_warning_rounds_the_calibration_uncertainty() -> None:
    aset = AnnotationSet(
        sop_instance_uid="1.2.3",
        reader="tester",
        calibration=ManualCalibration(
            method="circle", known_mm=28.0, row_mm=0.2, col_mm=0.2, uncertainty=0.00243722
        ),
        items=[
            Item(kind="spur", side="right", origin="pelvis", points=box(30, 40, 50, 90)),
            Item(kind="spur", side="right", origin="femur", points=box(100, 40, 120, 90)),
            Item(kind="gap", side="right", points=[(50.0, 65.0), (100.0, 65.0)]),
        ],
    )
    report = grade(aset, None)
    text = " ".join(report.sides["right"].warnings)
    assert "±0.24 % (manual)" in text, text
    assert "0.243722" not in text
