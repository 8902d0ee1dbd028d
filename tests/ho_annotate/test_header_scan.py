"""The batch header read (``read_header(display=False)``) gives pydicom's facts and refusals.

It walks the common file layout itself (``header_scan``) and leaves every other file to
pydicom; both must agree with the full pydicom read that ``read_header(path)`` does.
"""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import ImplicitVRLittleEndian, JPEGBaseline8Bit

from ho_annotate import RadiographError, read_header
from ho_annotate.dicom import scanned_header
from ho_annotate.dicom.header_scan import scan
from ho_annotate.dicom.reading import open_header
from ho_annotate.dicom.scanned_header import ScannedHeader
from tests.conftest import write_dx

PYDICOM_FILES = Path(pydicom.__file__).parent / "data" / "test_files"
DISPLAY_ONLY = {"rescale", "value_range", "voi_window", "voi_source"}


def _facts(path: Path, *, display: bool) -> dict[str, Any]:
    header = read_header(path, display=display)
    return {
        f.name: getattr(header, f.name)
        for f in dataclasses.fields(header)
        if f.name not in DISPLAY_ONLY
    }


def _scanned(path: Path) -> bool:
    with path.open("rb") as f:
        return scan(f, path.stat().st_size, frozenset({0x00020010})) is not None


def _code_item(value: str, nested: bool = False) -> Dataset:
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, "DCM", "Hüfte"
    if nested:
        item.ModifierCodeSequence = Sequence([_code_item("R-1"), _code_item("R-2")])
        item.ModifierCodeSequence.is_undefined_length = True
    return item


def _with_sequences(path: Path) -> Path:
    ds = pydicom.dcmread(path)
    ds.AnatomicRegionSequence = Sequence([_code_item("T-1", nested=True)])
    ds["AnatomicRegionSequence"].is_undefined_length = True
    ds.AnatomicRegionSequence[0].is_undefined_length_sequence_item = True
    ds.ProcedureCodeSequence = Sequence([_code_item("P-1"), _code_item("P-2")])  # defined
    block = ds.private_block(0x0029, "HO TEST", create=True)
    block.add_new(0x10, "LO", "private text")
    block.add_new(0x11, "OB", b"\x01\x02" * 40)
    ds.save_as(path, enforce_file_format=True)
    return path


LAYOUTS = {
    "plain": {},
    "spacing": {
        "PixelSpacing": [0.121, 0.122],
        "ImagerPixelSpacing": [0.139, 0.139],
        "PixelSpacingCalibrationType": "GEOMETRY",
        "EstimatedRadiographicMagnificationFactor": "1.15",
        "PatientOrientation": ["L", "F"],
        "ImageLaterality": "R",
    },
    "detector": {
        "ImagerPixelSpacing": [0.15, 0.15],
        "EstimatedRadiographicMagnificationFactor": 1.2,
    },
    "text": {
        "SpecificCharacterSet": "ISO_IR 100",
        "InstitutionName": "Hôpital de la Côte",
        "ImageType": ["ORIGINAL", "PRIMARY"],
        "Laterality": "L",
        "PatientOrientation": ["A", "FR"],
        "NominalScannedPixelSpacing": [0.2, 0.2],
    },
    "odd values": {"PixelSpacing": [0.0, 0.1], "ViewPosition": "", "PatientOrientation": ["L"]},
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("sequences", [False, True], ids=["flat", "sequences"])
def test_fast_read_matches_pydicom(tmp_path: Path, layout: str, sequences: bool) -> None:
    path = write_dx(tmp_path / "x.dcm", **LAYOUTS[layout])
    if sequences:
        _with_sequences(path)
    assert _scanned(path)
    assert _facts(path, display=False) == _facts(path, display=True)


def test_implicit_vr_file(tmp_path: Path) -> None:
    path = write_dx(tmp_path / "x.dcm", PixelSpacing=[0.1, 0.1], PatientOrientation=["P", "F"])
    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    ds.save_as(path, enforce_file_format=True)
    _with_sequences(path)
    assert _scanned(path)
    facts = _facts(path, display=False)
    assert facts == _facts(path, display=True)
    assert facts["patient_orientation"] == ("P", "F")


@pytest.mark.parametrize(
    "name", ["MR_small_bigendian.dcm", "image_dfl.dcm", "no_meta.dcm", "CT_small.dcm"]
)
def test_other_layouts_give_the_same_facts_or_refusal(name: str) -> None:
    path = PYDICOM_FILES / name
    try:
        expected: Any = _facts(path, display=True)
    except RadiographError as exc:
        expected = str(exc)
    try:
        got: Any = _facts(path, display=False)
    except RadiographError as exc:
        got = str(exc)
    assert got == expected


def test_big_endian_and_deflated_are_left_to_pydicom() -> None:
    assert not _scanned(PYDICOM_FILES / "MR_small_bigendian.dcm")
    assert not _scanned(PYDICOM_FILES / "image_dfl.dcm")
    assert _scanned(PYDICOM_FILES / "CT_small.dcm")


def test_cut_files_are_refused_as_before(tmp_path: Path) -> None:
    path = _with_sequences(write_dx(tmp_path / "x.dcm", PixelSpacing=[0.1, 0.1]))
    data = path.read_bytes()
    pixels_at = data.index(b"\xe0\x7f\x10\x00")
    for cut in (150, 400, pixels_at - 3, pixels_at + 20, len(data) - 1):
        short = tmp_path / f"cut{cut}.dcm"
        short.write_bytes(data[:cut])
        outcomes = []
        for display in (False, True):
            try:
                outcomes.append(_facts(short, display=display))
            except RadiographError as exc:
                outcomes.append(str(exc))
        assert outcomes[0] == outcomes[1], cut
    cut = tmp_path / "cut_pixels.dcm"
    cut.write_bytes(data[:-10])
    with pytest.raises(RadiographError, match="ends 10 bytes before the end of its pixel data"):
        read_header(cut, display=False)


def test_encapsulated_pixel_data(tmp_path: Path) -> None:
    path = write_dx(tmp_path / "x.dcm", ImagerPixelSpacing=[0.14, 0.14])
    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.PixelData = pydicom.encaps.encapsulate([b"\xff\xd8" + b"\0" * 30 + b"\xff\xd9"])
    ds["PixelData"].is_undefined_length = True
    ds.save_as(path, enforce_file_format=True)
    assert _scanned(path)
    assert _facts(path, display=False) == _facts(path, display=True)


def _outcome(path: Path, *, display: bool) -> Any:
    try:
        return _facts(path, display=display)
    except RadiographError as exc:
        return str(exc)


def test_damaged_meta_group_length_is_refused_as_pydicom_does(tmp_path: Path) -> None:
    data = bytearray(write_dx(tmp_path / "x.dcm").read_bytes())
    assert data[132:138] == b"\x02\x00\x00\x00UL"
    data[138:140] = (18).to_bytes(2, "little")  # a 4-byte value now claims 18 bytes
    path = tmp_path / "damaged.dcm"
    path.write_bytes(bytes(data))
    refusal = _outcome(path, display=False)
    assert isinstance(refusal, str) and "cannot be read as DICOM" in refusal
    assert refusal == _outcome(path, display=True)


def test_random_damage_gives_the_same_facts_or_refusal(tmp_path: Path) -> None:
    seeds = [
        write_dx(tmp_path / "a.dcm", PixelSpacing=[0.1, 0.1], PatientOrientation=["L", "F"]),
        _with_sequences(write_dx(tmp_path / "b.dcm", ImagerPixelSpacing=[0.12, 0.12])),
    ]
    rng = random.Random(18)
    path = tmp_path / "m.dcm"
    for _ in range(150):
        data = bytearray(rng.choice(seeds).read_bytes())
        end = data.index(b"\xe0\x7f\x10\x00") + 12
        if rng.random() < 0.2:
            data = data[: rng.randrange(len(data))]
        else:
            for _ in range(rng.randint(1, 3)):
                data[rng.randrange(128, end)] = rng.randrange(256)
        path.write_bytes(bytes(data))
        assert _outcome(path, display=False) == _outcome(path, display=True)


def test_common_file_is_read_from_the_scan_and_converts_through_pydicom(tmp_path: Path) -> None:
    path = write_dx(tmp_path / "x.dcm", **LAYOUTS["text"])
    ds = open_header(path, ["InstitutionName", "PixelSpacing"])
    assert isinstance(ds, ScannedHeader)  # no pydicom data set set up for the raw values
    assert ds.get("InstitutionName") == "Hôpital de la Côte"  # pydicom decodes the text
    assert ds.file_meta.get_item(0x00020010, keep_deferred=True).value.startswith(b"1.2.840")
    assert _facts(path, display=False) == _facts(path, display=True)


def test_common_file_facts_need_no_pydicom_data_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_dx(tmp_path / "x.dcm", **LAYOUTS["spacing"])
    expected = _facts(path, display=True)

    def refuse(found: Any) -> Any:
        raise AssertionError("pydicom's data set was built")

    monkeypatch.setattr(scanned_header, "scanned_dataset", refuse)
    assert _facts(path, display=False) == expected
