"""Fixtures shared by every test area: real DICOM files written with pydicom."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import DigitalXRayImageStorageForPresentation, ExplicitVRLittleEndian, generate_uid

WriteDX = Callable[..., Path]


def write_dx(
    path: Path,
    pixels: np.ndarray | None = None,
    *,
    photometric: str = "MONOCHROME2",
    bits_stored: int = 12,
    **attributes: Any,
) -> Path:
    """Write a single-frame DX radiograph with pydicom and return its path.

    ``attributes`` are DICOM keywords set on the dataset (``PixelSpacing=[0.14, 0.14]``,
    ``ImagerPixelSpacing=...``, ``ImageLaterality="L"``, ``PatientOrientation=["L", "F"]``...).
    A keyword given as ``None`` is left out.
    """
    if pixels is None:
        rng = np.random.default_rng(0)
        pixels = rng.integers(0, 2**bits_stored, size=(64, 48), dtype=np.uint16)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DigitalXRayImageStorageForPresentation
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "DX"
    ds.PatientName = "Test^Patient"
    ds.PatientID = "TEST-0001"
    ds.PatientBirthDate = "19500101"
    ds.ViewPosition = "AP"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    signed = pixels.dtype.kind == "i"
    ds.PixelRepresentation = 1 if signed else 0
    ds.BitsAllocated = 16
    ds.BitsStored = bits_stored
    ds.HighBit = bits_stored - 1
    ds.PixelData = pixels.astype(np.int16 if signed else np.uint16).tobytes()
    for keyword, value in attributes.items():
        if value is not None:
            setattr(ds, keyword, value)
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.fixture
def dx_file(tmp_path: Path) -> WriteDX:
    """``dx_file(name="x.dcm", pixels=None, **attrs)`` writes a DX file in ``tmp_path``."""

    def make(name: str = "image.dcm", pixels: np.ndarray | None = None, **attrs: Any) -> Path:
        return write_dx(tmp_path / name, pixels, **attrs)

    return make
