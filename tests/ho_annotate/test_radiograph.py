"""load_radiograph / read_header on real DICOM files written with pydicom."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from ho_annotate import Radiograph, RadiographHeader, load_radiograph, read_header
from ho_annotate.annotations.model import ManualCalibration
from tests.conftest import WriteDX


def _ramp(rows: int = 40, cols: int = 30, top: int = 4095) -> np.ndarray:
    return np.linspace(0, top, rows * cols).astype(np.uint16).reshape(rows, cols)


def test_monochrome2_identity_returns_stored_values(dx_file: WriteDX) -> None:
    stored = _ramp()
    rad = load_radiograph(dx_file(pixels=stored, WindowCenter=2000, WindowWidth=3000))
    assert isinstance(rad, Radiograph)
    assert rad.pixels.ndim == 2
    assert rad.pixels.dtype == np.uint16
    np.testing.assert_array_equal(rad.pixels, stored)
    assert rad.window == (2000.0, 3000.0)
    assert rad.voi_source == "WindowCenter/WindowWidth"


def test_identifying_fields(dx_file: WriteDX) -> None:
    path = dx_file(
        ImageLaterality="L",
        PatientOrientation=["R", "F"],
        ViewPosition="AP",
        ImagerPixelSpacing=[0.14, 0.14],
    )
    ds = pydicom.dcmread(path)
    for item in (read_header(path), load_radiograph(str(path))):
        assert item.path == path
        assert item.sop_instance_uid == ds.SOPInstanceUID
        assert item.study_instance_uid == ds.StudyInstanceUID
        assert item.series_instance_uid == ds.SeriesInstanceUID
        assert item.laterality == "L"
        assert item.patient_orientation == ("R", "F")
        assert item.view_position == "AP"
        assert (item.rows, item.columns) == (64, 48)
        assert item.photometric == "MONOCHROME2"
        assert item.spacing_kind == "detector"
        text = repr(item)
        assert "Test^Patient" not in text and "TEST-0001" not in text


def test_laterality_falls_back_to_series_laterality_and_ignores_both(dx_file: WriteDX) -> None:
    assert read_header(dx_file("a.dcm", Laterality="R")).laterality == "R"
    assert read_header(dx_file("b.dcm", ImageLaterality="B")).laterality is None
    assert read_header(dx_file("c.dcm")).patient_orientation is None


def test_file_without_extension_loads(dx_file: WriteDX) -> None:
    rad = load_radiograph(dx_file("IM000001"))
    assert rad.pixels.shape == (64, 48)


def test_monochrome1_inverts_by_stored_range_not_data_max(dx_file: WriteDX) -> None:
    stored = _ramp(top=1000)  # data max far below the 12-bit range
    rad = load_radiograph(
        dx_file(pixels=stored, photometric="MONOCHROME1", WindowCenter=800, WindowWidth=400)
    )
    np.testing.assert_array_equal(rad.pixels, 4095 - stored.astype(np.int64))
    assert rad.window == (4095 - 800, 400)
    assert rad.value_range == (0.0, 4095.0)


def test_monochrome1_with_rescale_inverts_the_modality_range(dx_file: WriteDX) -> None:
    stored = _ramp()
    rad = load_radiograph(
        dx_file(
            pixels=stored,
            photometric="MONOCHROME1",
            RescaleSlope=2,
            RescaleIntercept=-100,
            WindowCenter=1000,
            WindowWidth=500,
        )
    )
    lo, hi = -100, 2 * 4095 - 100
    expected = lo + hi - (2 * stored.astype(np.int64) - 100)
    np.testing.assert_array_equal(rad.pixels, expected)
    assert rad.window == (lo + hi - 1000, 500)


def test_fractional_rescale_gives_float_values(dx_file: WriteDX) -> None:
    stored = _ramp()
    rad = load_radiograph(dx_file(pixels=stored, RescaleSlope=0.5, RescaleIntercept=10.25))
    assert rad.pixels.dtype.kind == "f"
    np.testing.assert_allclose(rad.pixels, stored * 0.5 + 10.25, rtol=1e-6)


def test_modality_lut_sequence_is_applied(dx_file: WriteDX) -> None:
    stored = _ramp(top=255)
    lut = Dataset()
    lut.LUTDescriptor = [256, 0, 16]
    table = (np.arange(256) * 7 + 3).astype(np.uint16)
    lut.add_new(0x00283006, "US", table.tolist())
    lut.ModalityLUTType = "US"
    rad = load_radiograph(
        dx_file(pixels=stored, bits_stored=8, ModalityLUTSequence=Sequence([lut]))
    )
    np.testing.assert_array_equal(rad.pixels, table[stored])


def test_voi_lut_sequence_becomes_a_linear_window(dx_file: WriteDX) -> None:
    voi = Dataset()
    voi.LUTDescriptor = [4096, 0, 16]
    ramp = np.clip((np.arange(4096) - 1000) * 65535 // 2000, 0, 65535).astype(np.uint16)
    voi.add_new(0x00283006, "US", ramp.tolist())
    rad = load_radiograph(dx_file(VOILUTSequence=Sequence([voi])))
    center, width = rad.window
    assert center == pytest.approx(2000, abs=1)
    assert width == pytest.approx(2000, abs=2)
    assert "VOI LUT" in rad.voi_source


def test_no_voi_uses_a_percentile_window(dx_file: WriteDX) -> None:
    stored = _ramp()
    rad = load_radiograph(dx_file(pixels=stored))
    center, width = rad.window
    assert rad.voi_window is None
    assert center == pytest.approx(2047.5, rel=0.01)
    assert width == pytest.approx(0.99 * 4095, rel=0.01)


def test_signed_pixels(dx_file: WriteDX) -> None:
    stored = np.linspace(-2048, 2047, 40 * 30).astype(np.int16).reshape(40, 30)
    rad = load_radiograph(dx_file(pixels=stored))
    np.testing.assert_array_equal(rad.pixels, stored)
    rad1 = load_radiograph(dx_file("m1.dcm", pixels=stored, photometric="MONOCHROME1"))
    np.testing.assert_array_equal(rad1.pixels, -1 - stored.astype(np.int64))


def test_header_is_the_radiograph_without_pixels(dx_file: WriteDX) -> None:
    path = dx_file(ImagerPixelSpacing=[0.14, 0.14], WindowCenter=100, WindowWidth=50)
    rad = load_radiograph(path)
    assert rad.header == read_header(path)
    assert type(rad.header) is RadiographHeader


def test_manual_calibration_overrides_header_spacing(dx_file: WriteDX) -> None:
    rad = load_radiograph(dx_file(ImagerPixelSpacing=[0.14, 0.14]))
    cal = ManualCalibration(method="line", known_mm=50, row_mm=0.12, col_mm=0.12, uncertainty=0.01)
    manual = rad.with_calibration(cal)
    assert manual.spacing_kind == "manual"
    assert manual.spacing_mm == (0.12, 0.12)
    assert rad.spacing_kind == "detector"


def test_loading_never_writes_the_file(dx_file: WriteDX) -> None:
    path = dx_file(photometric="MONOCHROME1", RescaleSlope=2, RescaleIntercept=1)
    before, mtime = path.read_bytes(), path.stat().st_mtime_ns
    rad = load_radiograph(path)
    rad.pixels[...] = 0
    read_header(path)
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == mtime


def test_path_like_and_string_paths(dx_file: WriteDX) -> None:
    path = dx_file()
    assert load_radiograph(str(path)).path == Path(path)


def test_integer_rescale_stays_integer_and_compact(dx_file: WriteDX) -> None:
    stored = _ramp()
    rad = load_radiograph(dx_file(pixels=stored, RescaleSlope=1, RescaleIntercept=-1024))
    assert rad.pixels.dtype == np.int16
    np.testing.assert_array_equal(rad.pixels, stored.astype(np.int64) - 1024)
    wide = load_radiograph(dx_file("w.dcm", pixels=stored, RescaleSlope=20, RescaleIntercept=5))
    assert wide.pixels.dtype == np.int32  # 20 * 4095 does not fit 16 bits
    np.testing.assert_array_equal(wide.pixels, stored.astype(np.int64) * 20 + 5)


def test_monochrome1_with_a_modality_lut_inverts_by_the_lut_range(dx_file: WriteDX) -> None:
    stored = _ramp(top=255)
    lut = Dataset()
    lut.LUTDescriptor = [200, 10, 16]  # covers stored values 10..209; others clamp to the ends
    table = (np.arange(200) * 3 + 100).astype(np.uint16)
    lut.add_new(0x00283006, "US", table.tolist())
    lut.ModalityLUTType = "US"
    rad = load_radiograph(
        dx_file(
            pixels=stored,
            bits_stored=8,
            photometric="MONOCHROME1",
            ModalityLUTSequence=Sequence([lut]),
        )
    )
    mapped = table[np.clip(stored.astype(np.int64) - 10, 0, 199)].astype(np.int64)
    lo, hi = 100, 100 + 3 * 199
    assert rad.value_range == (lo, hi)
    np.testing.assert_array_equal(rad.pixels, lo + hi - mapped)
