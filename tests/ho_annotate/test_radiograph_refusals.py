"""Every input the loader refuses raises RadiographError naming the file and the reason."""

from __future__ import annotations

import warnings
from pathlib import Path

import data_store
import numpy as np
import pydicom
import pytest
from pydicom.uid import UID, SegmentationStorage

from ho_annotate import RadiographError, load_radiograph, read_header
from ho_annotate.dicom.radiograph import RadiographWarning
from tests.conftest import WriteDX

PYDICOM_FILES = Path(pydicom.__file__).parent / "data" / "test_files"
DATA_STORE_FILES = Path(data_store.__file__).parent / "data"


def _refused(path: Path, *words: str, header_too: bool = True) -> None:
    with pytest.raises(RadiographError) as info:
        load_radiograph(path)
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message
    if header_too:
        with pytest.raises(RadiographError):
            read_header(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    _refused(tmp_path / "nope.dcm", "no such file")
    _refused(tmp_path, "not a file")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.dcm"
    path.write_bytes(b"")
    _refused(path, "empty")


def test_non_dicom_files(tmp_path: Path) -> None:
    text = tmp_path / "notes.dcm"
    text.write_text("Rows 512, Columns 512: not an image\n" * 20)
    _refused(text, "not a DICOM image")
    rng = np.random.default_rng(1)
    junk = tmp_path / "junk"
    junk.write_bytes(rng.integers(0, 256, 5000, dtype=np.uint8).tobytes())
    _refused(junk)


def test_forced_parse_junk_with_plausible_start(tmp_path: Path) -> None:
    # an implicit-VR-looking start (group 0008) followed by garbage: force=True parses "something"
    path = tmp_path / "fake"
    path.write_bytes(b"\x08\x00\x05\x00\x0a\x00\x00\x00ISO_IR 100" + b"\xff" * 300)
    _refused(path)


def test_truncated_file(dx_file: WriteDX, tmp_path: Path) -> None:
    whole = dx_file().read_bytes()
    for cut in (len(whole) // 2, 400, 140):
        path = tmp_path / f"cut{cut}.dcm"
        path.write_bytes(whole[:cut])
        _refused(path, header_too=False)


def test_pixel_data_shorter_than_header_promises(dx_file: WriteDX, tmp_path: Path) -> None:
    ds = pydicom.dcmread(dx_file())
    ds.PixelData = ds.PixelData[: len(ds.PixelData) // 2]
    path = tmp_path / "short.dcm"
    ds.save_as(path)
    _refused(path, "shorter than the header promises", header_too=False)
    assert read_header(path).rows == 64  # the header itself is fine


def test_object_without_pixels(dx_file: WriteDX, tmp_path: Path) -> None:
    ds = pydicom.dcmread(dx_file())
    del ds.PixelData
    path = tmp_path / "nopixels.dcm"
    ds.save_as(path)
    _refused(path, "no image pixels", header_too=False)
    _refused(PYDICOM_FILES / "test-SR.dcm", "no image pixels")


def test_segmentation_is_refused(dx_file: WriteDX, tmp_path: Path) -> None:
    ds = pydicom.dcmread(dx_file())
    ds.SOPClassUID = SegmentationStorage
    path = tmp_path / "seg.dcm"
    ds.save_as(path)
    _refused(path, "Segmentation")


def test_multi_frame_is_refused_from_the_header(dx_file: WriteDX, tmp_path: Path) -> None:
    ds = pydicom.dcmread(dx_file())
    ds.NumberOfFrames = 3
    ds.PixelData = b"\x00\x01" * 7  # undecodable: the refusal must come before decoding
    path = tmp_path / "multi.dcm"
    ds.save_as(path)
    _refused(path, "3 frames", "one frame")


def test_undecodable_codec(dx_file: WriteDX, tmp_path: Path) -> None:
    _refused(PYDICOM_FILES / "JPGExtended.dcm", "cannot decode", header_too=False)
    ds = pydicom.dcmread(dx_file())
    ds.file_meta.TransferSyntaxUID = UID("1.2.840.10008.1.2.4.100")  # MPEG2: no decoder
    ds.PixelData = pydicom.encaps.encapsulate([b"\x00" * 64])
    ds["PixelData"].VR = "OB"
    path = tmp_path / "mpeg.dcm"
    ds.save_as(path)
    _refused(path, "cannot decode", header_too=False)


def test_palette_colour_is_refused() -> None:
    _refused(DATA_STORE_FILES / "OBXXXX1A.dcm", "palette")


def test_rgb_loads_as_luminance_with_a_warning(dx_file: WriteDX, tmp_path: Path) -> None:
    ds = pydicom.dcmread(dx_file())
    rgb = np.zeros((8, 6, 3), dtype=np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 200, 100, 50
    ds.Rows, ds.Columns = 8, 6
    ds.SamplesPerPixel, ds.PlanarConfiguration = 3, 0
    ds.PhotometricInterpretation = "RGB"
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelData = rgb.tobytes()
    path = tmp_path / "rgb.dcm"
    ds.save_as(path)
    with pytest.warns(RadiographWarning, match="luminance"):
        rad = load_radiograph(path)
    assert rad.pixels.shape == (8, 6)
    np.testing.assert_allclose(rad.pixels, 0.299 * 200 + 0.587 * 100 + 0.114 * 50, rtol=1e-5)


def test_grayscale_loads_without_warnings(dx_file: WriteDX) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_radiograph(dx_file())
