"""pydicom's and pydicom-data's test files: each loads as 2-D or raises RadiographError.

The files are listed from the package folders (``get_testdata_files`` would try to download).
``MUST_LOAD`` keeps refusing everything from passing: those single-frame grayscale files load,
and their pixels match pydicom's own decode through the Modality LUT and polarity rules.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import data_store
import numpy as np
import pydicom
import pytest
from pydicom.pixels import apply_modality_lut

from ho_annotate import RadiographError, load_radiograph, read_header

FOLDERS = (
    Path(pydicom.__file__).parent / "data" / "test_files",
    Path(data_store.__file__).parent / "data",
)
ALL_FILES = sorted(p for folder in FOLDERS for p in folder.rglob("*") if p.is_file())
BY_NAME = {p.name: p for p in ALL_FILES}

MUST_LOAD = (
    "CT_small.dcm",
    "MR_small.dcm",
    "MR_small_RLE.dcm",
    "MR_small_bigendian.dcm",
    "MR_small_expb.dcm",
    "MR_small_implicit.dcm",
    "MR_small_jp2klossless.dcm",
    "MR_small_jpeg_ls_lossless.dcm",
    "MR_small_padded.dcm",
    "JPEG2000.dcm",
    "JPEG2000_UNC.dcm",
    "JPEG-LL.dcm",
    "JPGLosslessP14SV1_1s_1f_8b.dcm",
    "JPEGLSNearLossless_16.dcm",
    "693_J2KI.dcm",
    "693_J2KR.dcm",
    "693_UNCI.dcm",
    "693_UNCR.dcm",
    "MR2_J2KI.dcm",
    "MR2_J2KR.dcm",
    "MR2_UNCI.dcm",
    "MR2_UNCR.dcm",
    "RG1_J2KR.dcm",
    "RG1_UNCI.dcm",
    "RG3_J2KI.dcm",
    "RG3_UNCR.dcm",
    "mlut_18.dcm",
    "vlut_04.dcm",
    "image_dfl.dcm",
    "explicit_VR-UN.dcm",
    "examples_overlay.dcm",
    "MR-SIEMENS-DICOM-WithOverlays.dcm",
)

MUST_REFUSE = (
    "MR_truncated.dcm",
    "emri_small.dcm",
    "color3d_jpeg_baseline.dcm",
    "liver.dcm",
    "test-SR.dcm",
    "README.txt",
    "JPGExtended.dcm",
    "OBXXXX1A.dcm",
    "DICOMDIR",
)


def test_the_suite_is_present() -> None:
    assert len(ALL_FILES) > 150
    for name in MUST_LOAD + MUST_REFUSE:
        assert name in BY_NAME, name


def test_every_file_loads_as_2d_or_is_refused_cleanly() -> None:
    loaded, refused, others = [], [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in ALL_FILES:
            try:
                rad = load_radiograph(path)
            except RadiographError as exc:
                assert str(path) in str(exc)
                refused.append(path.name)
            except Exception as exc:  # the failure this test exists to catch
                others.append(f"{path}: {type(exc).__name__}: {exc}")
            else:
                assert rad.pixels.ndim == 2, path
                assert rad.pixels.dtype.isnative, path
                assert rad.window[1] > 0, path
                loaded.append(path.name)
            try:
                read_header(path)
            except RadiographError:
                pass
            except Exception as exc:
                others.append(f"{path} (header): {type(exc).__name__}: {exc}")
    assert others == []
    assert set(MUST_LOAD) <= set(loaded)
    assert set(MUST_REFUSE) <= set(refused)


def _expected(path: Path) -> np.ndarray:
    ds = pydicom.dcmread(path)
    values = np.asarray(apply_modality_lut(ds.pixel_array, ds), dtype=np.float64)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        bits, signed = ds.BitsStored, ds.PixelRepresentation == 1
        lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
        slope, intercept = float(ds.get("RescaleSlope", 1)), float(ds.get("RescaleIntercept", 0))
        lo, hi = sorted((lo * slope + intercept, hi * slope + intercept))
        values = lo + hi - values
    return values


@pytest.mark.parametrize("name", MUST_LOAD)
def test_single_frame_grayscale_matches_pydicom(name: str) -> None:
    path = BY_NAME[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rad = load_radiograph(path)
        expected = _expected(path)
    assert rad.pixels.shape == expected.shape
    np.testing.assert_allclose(rad.pixels, expected, rtol=1e-6, atol=1e-3)
