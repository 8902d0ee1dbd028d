"""Every codec a CR/DX export uses decodes to the same pixels, without GPL decoders."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import data_store
import numpy as np
import pydicom
import pytest
from pydicom import dcmwrite
from pydicom.pixels import pixel_array
from pydicom.pixels.decoders import JPEGLosslessSV1Decoder
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    JPEG2000Lossless,
    JPEGLSLossless,
    RLELossless,
)

from ho_annotate import load_radiograph
from ho_annotate.dicom.radiograph import RadiographWarning
from tests.conftest import WriteDX

PYDICOM_FILES = Path(pydicom.__file__).parent / "data" / "test_files"
DATA_STORE_FILES = Path(data_store.__file__).parent / "data"


def _stored() -> np.ndarray:
    rng = np.random.default_rng(3)
    base = np.add.outer(np.arange(48) * 40, np.arange(40) * 30).astype(np.int64)
    return ((base + rng.integers(0, 50, base.shape)) % 4096).astype(np.uint16)


@pytest.mark.parametrize("syntax", [JPEG2000Lossless, JPEGLSLossless, RLELossless])
def test_encoded_fixtures_decode_losslessly(dx_file: WriteDX, tmp_path: Path, syntax: UID) -> None:
    stored = _stored()
    ds = pydicom.dcmread(dx_file(pixels=stored, photometric="MONOCHROME1"))
    ds.compress(syntax, encoding_plugin="pydicom" if syntax == RLELossless else "")
    out = tmp_path / "compressed.dcm"
    ds.save_as(out, enforce_file_format=True)
    assert pydicom.dcmread(out).file_meta.TransferSyntaxUID == syntax
    rad = load_radiograph(out)
    np.testing.assert_array_equal(rad.pixels, 4095 - stored.astype(np.int64))


def test_big_endian_comes_back_in_native_order(dx_file: WriteDX, tmp_path: Path) -> None:
    stored = _stored()
    ds = pydicom.dcmread(dx_file(pixels=stored))
    ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
    ds.PixelData = stored.astype(">u2").tobytes()
    out = tmp_path / "big.dcm"
    dcmwrite(out, ds, implicit_vr=False, little_endian=False, force_encoding=True)
    rad = load_radiograph(out)
    assert rad.pixels.dtype.isnative
    np.testing.assert_array_equal(rad.pixels, stored)


def test_deflated_transfer_syntax(dx_file: WriteDX, tmp_path: Path) -> None:
    stored = _stored()
    ds = pydicom.dcmread(dx_file(pixels=stored))
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    out = tmp_path / "deflated.dcm"
    ds.save_as(out, enforce_file_format=True)
    np.testing.assert_array_equal(load_radiograph(out).pixels, stored)


@pytest.mark.parametrize(
    "path",
    [
        DATA_STORE_FILES / "JPEG-LL.dcm",  # JPEG lossless process 14 SV1
        DATA_STORE_FILES / "JPGLosslessP14SV1_1s_1f_8b.dcm",
        PYDICOM_FILES / "SC_rgb_jpeg_gdcm.dcm",  # lossless JPEG, colour
        DATA_STORE_FILES / "RG1_J2KR.dcm",  # a real CR, JPEG 2000, MONOCHROME1
    ],
    ids=lambda p: p.name,
)
def test_bundled_compressed_files_match_pydicom(path: Path) -> None:
    rad = load_radiograph(path)
    reference = pydicom.dcmread(path).pixel_array
    assert rad.pixels.shape == reference.shape[:2]
    if reference.ndim == 2 and rad.photometric == "MONOCHROME2":
        np.testing.assert_array_equal(rad.pixels, reference)


def test_jpeg_lossless_decodes_through_gdcm_without_gpl_libjpeg() -> None:
    assert importlib.util.find_spec("libjpeg") is None, "GPL pylibjpeg-libjpeg is installed"
    assert "gdcm" in JPEGLosslessSV1Decoder.available_plugins
    path = DATA_STORE_FILES / "JPEG-LL.dcm"
    assert pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID == (
        "1.2.840.10008.1.2.4.70"
    )
    rad = load_radiograph(path)
    assert rad.pixels.shape == (1024, 256)
    np.testing.assert_array_equal(rad.pixels, pixel_array(path, decoding_plugin="gdcm"))


def test_jpeg_baseline_colour_loads_as_luminance() -> None:
    path = PYDICOM_FILES / "SC_rgb_jpeg_dcmtk.dcm"  # JPEG baseline, YBR_FULL
    with pytest.warns(RadiographWarning):
        rad = load_radiograph(path)
    rgb = pydicom.dcmread(path).pixel_array.astype(np.float64)
    expected = rgb @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(rad.pixels, expected, rtol=1e-5, atol=1e-3)
