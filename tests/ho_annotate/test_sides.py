"""Which hip is which: laterality, PatientOrientation, the assumed convention, flipping."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from conftest import WriteDX

from ho_annotate import read_header
from ho_annotate.annotations.model import AnnotationSet, HipReading, Hips, Item
from ho_annotate.annotations.store import new_annotation_set
from ho_annotate.dicom.sides import SIDE_ASSUMED_WARNING, assign_sides, flip_sides, side_for_point
from ho_annotate.grading import grade


@dataclass
class Header:
    laterality: str | None = None
    patient_orientation: tuple[str, str] | None = None


@pytest.mark.parametrize(
    ("header", "basis", "image_left", "image_right"),
    [
        (Header("L"), "laterality", "left", "left"),
        (Header("R", ("L", "F")), "laterality", "right", "right"),
        (Header(None, ("L", "F")), "orientation", "right", "left"),
        (Header(None, ("R", "F")), "orientation", "left", "right"),
        (Header(None, ("LF", "F")), "orientation", "right", "left"),
        (Header(None, ("A", "F")), "assumed", "right", "left"),
        (Header(None, None), "assumed", "right", "left"),
        (Header("B", None), "assumed", "right", "left"),
    ],
)
def test_side_assignment(header: Header, basis: str, image_left: str, image_right: str) -> None:
    assignment = assign_sides(header)
    assert assignment.basis == basis
    assert (assignment.warning == SIDE_ASSUMED_WARNING) is (basis == "assumed")
    assert side_for_point(header, 10, 100) == image_left
    assert side_for_point(header, 90, 100) == image_right


def test_flipping_an_image_swaps_two_hip_sides_but_not_single_hip_views() -> None:
    standard = Header(None, ("L", "F"))
    assert side_for_point(standard, 10, 100, flipped=True) == "left"
    assert side_for_point(standard, 90, 100, flipped=True) == "right"
    assert side_for_point(Header("L"), 10, 100, flipped=True) == "left"


def test_flip_sides_swaps_items_and_readings_but_keeps_reader_placed_items() -> None:
    aset = AnnotationSet(
        sop_instance_uid="1",
        reader="r",
        hips=Hips(left=HipReading(no_ho_confirmed=True)),
        items=[
            Item(kind="island", side="right", points=[(0, 0), (0, 5), (5, 5)], id="a"),
            Item(
                kind="island",
                side="right",
                points=[(0, 0), (0, 5), (5, 5)],
                id="b",
                side_by_reader=True,
            ),
        ],
    )
    flipped = flip_sides(aset)
    assert [i.side for i in flipped.items] == ["left", "right"]
    assert flipped.hips.right.no_ho_confirmed and not flipped.hips.left.no_ho_confirmed
    assert flipped.side_basis == "reader"
    assert aset.items[0].side == "right"


def test_real_headers_decide_the_sides(dx_file: WriteDX) -> None:
    mirrored = read_header(dx_file("m.dcm", PatientOrientation=["R", "F"]))
    plain = read_header(dx_file("p.dcm"))
    assert side_for_point(mirrored, 1, 48) == "left"
    assert assign_sides(plain).basis == "assumed"
    assert new_annotation_set(plain, "r").side_basis == "assumed"


def test_single_hip_view_grades_only_its_hip(dx_file: WriteDX) -> None:
    header = read_header(
        dx_file(
            "l.dcm",
            ImageLaterality="L",
            PixelSpacing=[0.1, 0.1],
            PixelSpacingCalibrationType="FIDUCIAL",
        )
    )
    aset = new_annotation_set(header, "reader1")
    assert aset.side_basis == "laterality"
    assert side_for_point(header, 1, 48) == side_for_point(header, 47, 48) == "left"
    aset.hips.left.no_ho_confirmed = True
    report = grade(aset, header.spacing)
    assert report.sides["left"].grade == "0"
    right = report.sides["right"]
    assert right.status == "not assessable" and right.grade is None and right.needs == ()
    assert "single-hip view of the left hip" in right.reason
    assert not any("assumed" in w for w in report.sides["left"].warnings)
