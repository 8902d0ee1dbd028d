"""The batch's fast paths give what the full paths give: header facts, grades, sidecars."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydicom import dcmread

from ho_annotate import read_header
from ho_annotate.annotations.model import AnnotationSet, Hips, Item, Spacing
from ho_annotate.annotations.store import encode_annotations, load_annotations, load_sidecar
from ho_annotate.dicom.spacing import header_spacing
from ho_annotate.grading import Grader, grade, schemes
from tests.conftest import WriteDX

DISPLAY_ONLY = {"rescale", "value_range", "voi_window", "voi_source"}


@pytest.mark.parametrize(
    "attrs",
    [
        {"PixelSpacing": [0.121, 0.122], "PixelSpacingCalibrationType": "GEOMETRY"},
        {
            "ImagerPixelSpacing": ["0.139", "0.139"],
            "EstimatedRadiographicMagnificationFactor": 1.15,
        },
        {"PixelSpacing": [0.1, 0.1], "ImageLaterality": "R", "PatientOrientation": ["P", "F"]},
        {"ImagerPixelSpacing": [0.2], "Laterality": "L", "ViewPosition": "AP"},
    ],
)
def test_header_without_display_matches_full_header(
    dx_file: WriteDX, attrs: dict[str, object]
) -> None:
    path = dx_file(**attrs)
    full, fast = read_header(path), read_header(path, display=False)
    for f in dataclasses.fields(full):
        if f.name not in DISPLAY_ONLY:
            assert getattr(fast, f.name) == getattr(full, f.name), f.name
    assert fast.voi_source == "not read"
    ds = dcmread(path, stop_before_pixels=True)  # pydicom's own decoding of the same values
    assert fast.sop_instance_uid == str(ds.SOPInstanceUID) != ""
    assert fast.study_instance_uid == str(ds.StudyInstanceUID)
    assert fast.sop_class_uid == str(ds.SOPClassUID)
    assert (fast.rows, fast.columns, fast.bits_stored) == (ds.Rows, ds.Columns, ds.BitsStored)
    assert fast.photometric == ds.PhotometricInterpretation
    orientation = ds.get("PatientOrientation")
    expected = tuple(orientation) if orientation is not None and len(orientation) == 2 else None
    assert fast.patient_orientation == expected
    assert fast.laterality == (ds.get("ImageLaterality") or ds.get("Laterality") or None)
    assert fast.view_position == (ds.get("ViewPosition") or None)


def test_spacing_from_raw_text_equals_spacing_from_pydicom_values(dx_file: WriteDX) -> None:
    path = dx_file(
        ImagerPixelSpacing=["0.139", "0.140"], EstimatedRadiographicMagnificationFactor="1.2"
    )
    raw = dcmread(path, stop_before_pixels=True)
    converted = dcmread(path, stop_before_pixels=True)
    for element in converted:
        _ = element.value  # converted by pydicom before the spacing is derived
    assert header_spacing(raw) == header_spacing(converted)
    spacing = header_spacing(raw)
    assert spacing is not None and spacing.kind == "estimated"
    assert spacing.mm == pytest.approx((0.139 / 1.2, 0.140 / 1.2))


def test_damaged_spacing_text_still_counts_as_absent(dx_file: WriteDX) -> None:
    path = dx_file(PixelSpacing=None, ImagerPixelSpacing=["1.0", "0.1"])
    data = path.read_bytes()
    assert data.count(b"1.0\\0.1") == 1
    path.write_bytes(data.replace(b"1.0\\0.1", b"abc\\0.1"))
    assert read_header(path, display=False).spacing is None  # absent, not an error


def _annotations() -> AnnotationSet:
    square = [(100.0, 100.0), (100.0, 140.0), (140.0, 140.0), (140.0, 100.0)]
    below = [(p[0] + 46.0, p[1]) for p in square]
    return AnnotationSet(
        sop_instance_uid="1.2.3",
        reader="tester",
        side_basis="orientation",
        items=[
            Item(kind="spur", side="left", origin="pelvis", points=square),
            Item(kind="spur", side="left", origin="femur", points=below),
            Item(kind="island", side="right", points=[(10.0, 10.0), (30.0, 12.0), (20.0, 25.0)]),
        ],
        hips=Hips(),
    )


@pytest.mark.parametrize("spacing", [Spacing(row_mm=0.2, col_mm=0.2, kind="calibrated"), None])
def test_grade_many_equals_one_grade_per_scheme(spacing: Spacing | None) -> None:
    names = schemes()
    assert len(names) >= 2
    aset = _annotations()
    many = Grader().grade_many(aset, spacing, names)
    assert [r.scheme for r in many] == list(names)
    for report, name in zip(many, names, strict=True):
        assert report.to_json() == grade(aset, spacing, name).to_json()


def test_load_annotations_without_state_equals_load_sidecar(tmp_path: Path) -> None:
    path = tmp_path / "image.tester.ho.json"
    path.write_bytes(encode_annotations(_annotations()))
    assert load_annotations(path, "1.2.3") == load_sidecar(path, "1.2.3").annotations
