"""Fractional rescale of native 16-bit pixels skips a copy; the values must not change."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.pixels.processing import apply_modality_lut

from ho_annotate import load_radiograph


@pytest.mark.parametrize(
    ("bits_stored", "photometric", "syntax"),
    [
        (12, "MONOCHROME2", "1.2.840.10008.1.2.1"),
        (12, "MONOCHROME1", "1.2.840.10008.1.2"),
        (16, "MONOCHROME2", "1.2.840.10008.1.2.1"),
    ],
)
def test_fractional_rescale_matches_pydicom(dx_file, bits_stored, photometric, syntax) -> None:
    rng = np.random.default_rng(bits_stored)
    stored = rng.integers(0, 2**bits_stored, size=(37, 29), dtype=np.uint16)
    if bits_stored < 16:
        stored[::3, ::5] |= np.uint16(0xF000)  # garbage in the unused high bits
    path = dx_file(
        pixels=stored,
        bits_stored=bits_stored,
        photometric=photometric,
        RescaleSlope=0.25,
        RescaleIntercept=-3.5,
    )
    ds = pydicom.dcmread(path)
    ds.file_meta.TransferSyntaxUID = syntax
    ds.save_as(path, implicit_vr=syntax == "1.2.840.10008.1.2", little_endian=True)

    rad = load_radiograph(path)

    expected = apply_modality_lut(pydicom.dcmread(path).pixel_array, ds).astype(np.float32)
    if photometric == "MONOCHROME1":
        lo, hi = -3.5, 0.25 * (2**bits_stored - 1) - 3.5
        expected = np.float32(lo + hi) - expected
    assert rad.pixels.dtype == np.float32
    assert rad.pixels.shape == (37, 29)
    np.testing.assert_allclose(rad.pixels, expected, rtol=0, atol=1e-4)
