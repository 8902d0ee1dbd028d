"""Class 3 of issue 13: no identifier reaches a practice copy, the terminal or a results table.

The practice test walks every element of a presented file, at every depth, and looks for
each planted identifier in every value.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from adversarial_helpers import run_cli
from conftest import write_dx
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from ho_annotate.annotations.model import AnnotationSet
from ho_annotate.annotations.naming import sidecar_path
from ho_annotate.annotations.store import encode_annotations
from ho_annotate.dicom.deidentify import annex_e_actions
from ho_annotate.dicom.safe_text import LibraryWarnings
from ho_annotate.errors import RadiographError
from ho_annotate.practice.present import BurnedInTextWarning, present_case
from ho_annotate.practice.run import prepare_run

PHI = ("Doe^John", "MRN-4711", "Elm Street 5", "555-0199", "Dr^Who", "SN-99887", "20240229")


def _item(**attributes: object) -> Dataset:
    item = Dataset()
    for keyword, value in attributes.items():
        setattr(item, keyword, value)
    return item


def _source(path: Path, burned: str | None = "NO") -> Path:
    write_dx(
        path,
        np.arange(64, dtype=np.uint16).reshape(8, 8),
        PixelSpacing=[0.1, 0.1],
        PixelSpacingCalibrationType="FIDUCIAL",
        BurnedInAnnotation=burned,
    )
    ds = pydicom.dcmread(path)
    ds.PatientName, ds.PatientID = PHI[0], PHI[1]
    ds.PatientAddress, ds.PatientTelephoneNumbers = PHI[2], PHI[3]
    ds.OtherPatientNames, ds.PatientAge, ds.PatientBirthDate = PHI[0], "067Y", PHI[6]
    ds.PerformingPhysicianName, ds.DeviceSerialNumber = PHI[4], PHI[5]
    ds.StudyDate = ds.ContentDate = ds.AcquisitionDate = PHI[6]
    ds.InstitutionAddress, ds.OperatorsName = PHI[2], PHI[4]
    inner = _item(PatientName=PHI[0], PatientID=PHI[1])
    ds.ReferencedPatientSequence = Sequence([_item(ReferencedSOPInstanceUID="1.2.3.4.5")])
    ds.RequestAttributesSequence = Sequence(
        [_item(RequestedProcedureID=PHI[1], ScheduledProcedureStepDescription=PHI[0],
               ReferencedStudySequence=Sequence([inner]))]
    )  # fmt: skip
    block = ds.private_block(0x0019, "ACME 1.0", create=True)
    block.add_new(0x10, "LO", PHI[0])
    ds.save_as(path)
    return path


def _walk_values(ds: Dataset) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def visit(dataset: Dataset, elem: DataElement) -> None:
        if elem.VR != "SQ":
            found.append((elem.keyword or str(elem.tag), str(elem.value)))

    ds.walk(visit)
    ds.file_meta.walk(visit)
    return found


def test_every_element_of_a_presented_case_is_deidentified(tmp_path: Path) -> None:
    set_dir = tmp_path / "set"
    set_dir.mkdir()
    source = _source(set_dir / "doe_john_hip.dcm")
    source_ds = pydicom.dcmread(source)
    refs = set_dir / "references"
    refs.mkdir()
    aset = AnnotationSet(sop_instance_uid=str(source_ds.SOPInstanceUID), reader="teacher")
    aset.hips.left.no_ho_confirmed = aset.hips.right.no_ho_confirmed = True
    sidecar_path(source, "teacher", refs).write_bytes(encode_annotations(aset))
    before = source.read_bytes()

    session = prepare_run(set_dir, tmp_path / "run", reader="alice", seed=1)
    case = session.run.cases[0]
    ds = pydicom.dcmread(session.image_path(case))
    values = _walk_values(ds)
    for keyword, value in values:
        for needle in PHI:
            assert needle.lower() not in value.lower(), (keyword, needle)
    exact, _ = annex_e_actions()
    removed = {t for t, code in exact.items() if code == "X"}
    present = set()
    ds.walk(lambda _d, e: present.add(int(e.tag)))
    assert not present & removed
    assert not any(pydicom.tag.Tag(t).is_private for t in present)
    # UIDs are new, consistent, and the reference follows the copy.
    for keyword in ("SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID"):
        assert ds[keyword].value != source_ds[keyword].value
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID == case.sop_instance_uid
    assert ds.PatientIdentityRemoved == "YES"
    # Still the same DX image: class, pixels, spacing; type 2 attributes kept, empty.
    assert ds.SOPClassUID == source_ds.SOPClassUID
    assert np.array_equal(ds.pixel_array, source_ds.pixel_array)
    assert [float(v) for v in ds.PixelSpacing] == [0.1, 0.1]
    assert "StudyDate" in ds and not ds.StudyDate
    session.submit(case, None, {"left": "0", "right": "0"})
    assert session.reference(case).sop_instance_uid == case.sop_instance_uid
    assert source.read_bytes() == before  # the source is only read


def test_burned_in_annotation_is_refused_or_flagged(tmp_path: Path) -> None:
    with pytest.raises(RadiographError, match="BurnedInAnnotation is YES"):
        present_case(_source(tmp_path / "yes.dcm", "YES"), tmp_path / "out1.dcm", "case_001")
    assert not (tmp_path / "out1.dcm").exists()
    with pytest.warns(BurnedInTextWarning, match="does not state"):
        present_case(_source(tmp_path / "unk.dcm", None), tmp_path / "out2.dcm", "case_002")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        present_case(_source(tmp_path / "no.dcm", "NO"), tmp_path / "out3.dcm", "case_003")


def test_library_warnings_are_reported_without_values() -> None:
    import logging

    with LibraryWarnings() as held:
        warnings.warn(
            "Invalid value for VR PN: 'Doe^John'. Please see <link>", UserWarning, stacklevel=1
        )
        logging.getLogger("pydicom").warning("bad UID '1.2.840.99.4711' for ACC-1 \"Doe\"")
    summary = held.summary() or ""
    assert "2 warning(s)" in summary
    for needle in ("Doe", "1.2.840.99.4711", "<link>"):
        assert needle not in summary


def test_info_prints_only_safe_fields_and_no_escapes(tmp_path: Path) -> None:
    path = write_dx(tmp_path / "x.dcm", np.zeros((8, 8), dtype=np.uint16))
    ds = pydicom.dcmread(path)
    ds.PatientName = PHI[0]
    ds.add(DataElement(0x00080016, "UI", "Doe^John\x1b[31m"))
    ds.add(DataElement(0x00080060, "CS", "CR\x1b]0;owned\x07"))
    ds.add(DataElement(0x0020000D, "UI", "1.2.3.Doe^John"))
    ds.save_as(path)
    for extra in ((), ("--json",)):
        result = run_cli("info", path, *extra)
        assert result.returncode == 0, result.stderr
        text = result.stdout + result.stderr
        assert "Doe" not in text and "\x1b" not in text and "\x07" not in text
        assert "not shown" in result.stdout
