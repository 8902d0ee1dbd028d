"""Class 5 of issue 13: damaged and hostile pixel data fail as one ``RadiographError``.

Bit flips are seeded; the decompression bomb runs in a child process under an address-space
limit, so a regression shows as a failed test, not as a machine out of memory.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from adversarial_helpers import assert_clean_failure, make_study, run_cli
from conftest import write_dx
from pydicom import dcmread
from pydicom.encaps import encapsulate
from pydicom.uid import RLELossless

from ho_annotate import load_radiograph, read_header
from ho_annotate.annotations.model import AnnotationSet, Item
from ho_annotate.annotations.naming import sidecar_path
from ho_annotate.annotations.store import encode_annotations
from ho_annotate.batch import measure
from ho_annotate.errors import RadiographError

GIB = 1024**3


def _rle_file(path: Path, rows: int = 256, columns: int = 256) -> Path:
    y, x = np.mgrid[0:rows, 0:columns]
    write_dx(path, ((x * 7 + y * 3) % 4096).astype(np.uint16))
    ds = dcmread(path)
    ds.compress(RLELossless)
    ds.save_as(path)
    return path


def _segment(n: int) -> bytes:
    """``n`` zero bytes RLE-encoded as runs of 128 (the densest the format allows)."""
    runs, rest = divmod(n, 128)
    data = bytes([0x81, 0]) * runs  # -127: repeat the next byte 128 times
    if rest:
        data += bytes([(257 - rest) & 0xFF, 0])
    return data + (b"\0" if len(data) % 2 else b"")


def _rle_bomb(path: Path, rows: int, columns: int) -> Path:
    """A valid RLE file whose tiny encoding expands to ``rows * columns * 2`` bytes."""
    write_dx(path, np.zeros((8, 8), dtype=np.uint16))
    ds = dcmread(path)
    segment = _segment(rows * columns)
    header = np.zeros(16, dtype="<u4")
    header[:3] = (2, 64, 64 + len(segment))
    ds.Rows, ds.Columns = rows, columns
    ds.PixelData = encapsulate([header.tobytes() + segment + segment])
    ds["PixelData"].VR = "OB"
    ds.file_meta.TransferSyntaxUID = RLELossless
    ds.save_as(path, enforce_file_format=True)
    return path


def test_bit_flipped_rle_never_escapes_as_a_panic(tmp_path: Path) -> None:
    # These seeded flips made the Rust RLE decoder panic on 11 of 40 files before the fix.
    source = _rle_file(tmp_path / "rle.dcm")
    data = source.read_bytes()
    with source.open("rb") as f:
        dcmread(f, stop_before_pixels=True)
        start = f.tell()
    rng = np.random.default_rng(20261202)
    outcomes = {"loaded": 0, "refused": 0}
    for index in range(40):
        damaged = bytearray(data)
        for _ in range(8):
            at = int(rng.integers(start + 20, min(len(damaged), start + 2000)))
            damaged[at] ^= 1 << int(rng.integers(0, 8))
        path = tmp_path / f"flip{index}.dcm"
        path.write_bytes(bytes(damaged))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                load_radiograph(path)
            outcomes["loaded"] += 1
        except RadiographError as exc:
            assert str(path) in str(exc)
            outcomes["refused"] += 1
    assert outcomes["refused"] > 0
    assert source.read_bytes() == data


def test_rle_that_cannot_come_from_its_encoding_is_refused_before_decoding(
    tmp_path: Path,
) -> None:
    path = _rle_bomb(tmp_path / "bomb.dcm", 256, 256)
    ds = dcmread(path)
    ds.Rows, ds.Columns = 2048, 2048  # 8 MiB declared, a few hundred bytes encoded
    ds.save_as(path)
    with pytest.raises(RadiographError, match="expand at most 64"):
        load_radiograph(path)


def test_a_decompression_bomb_is_refused_under_a_memory_limit(tmp_path: Path) -> None:
    # 20000 x 20000 x 16 bit = 763 MiB from 12.5 MB of RLE: within the 64x rule, over the limit.
    bomb = _rle_bomb(tmp_path / "bomb.dcm", 20000, 20000)
    result = run_cli("calibrate", bomb, "--head-diameter", "28", address_space=2 * GIB, timeout=120)
    assert_clean_failure(result, "limit", "HO_ANNOTATE_MAX_PIXEL_MB")


def test_truncated_files_give_error_rows_in_measure(tmp_path: Path) -> None:
    images = make_study(tmp_path / "study", 2, readers=())
    for image in images:
        data = image.read_bytes()
        image.write_bytes(data[: len(data) - 40])
    table = measure([tmp_path / "study"])
    assert len(table) == 2
    assert (table["status"].isna() | (table["status"] == "")).all()
    assert table["error"].str.contains("truncated").all()


@pytest.mark.parametrize(
    "attributes",
    [
        {"PixelSpacing": ["1e308", "1e308"]},
        {"PixelSpacing": ["1e-320", "1e-320"]},
        {"PixelSpacing": ["1e-300", "5"]},
        {"ImagerPixelSpacing": ["0.1", "0.1"], "EstimatedRadiographicMagnificationFactor": "1e308"},
        {
            "ImagerPixelSpacing": ["0.1", "0.1"],
            "EstimatedRadiographicMagnificationFactor": "1e-308",
        },
        {"ImagerPixelSpacing": ["1e300", "1e300"], "EstimatedRadiographicMagnificationFactor": "2"},
    ],
)
def test_extreme_spacing_is_absent_not_a_crash(
    tmp_path: Path, attributes: dict[str, object]
) -> None:
    path = write_dx(tmp_path / "x.dcm", np.zeros((200, 200), dtype=np.uint16), **attributes)
    header = read_header(path)
    assert header.spacing is None or 1e-3 <= header.spacing.row_mm <= 10
    aset = AnnotationSet(sop_instance_uid=header.sop_instance_uid, reader="alice")
    spur = [(100.0, 100.0), (100.0, 140.0), (130.0, 120.0)]
    aset.items.append(Item(kind="spur", side="left", origin="pelvis", points=spur))
    aset.items.append(Item(kind="gap", side="left", points=[(130.0, 120.0), (190.0, 120.0)]))
    sidecar_path(path, "alice").write_bytes(encode_annotations(aset))
    table = measure([tmp_path])
    assert table["error"].isna().all(), table["error"].tolist()
    gaps = table["gap_mm"].dropna()
    assert (gaps.abs() < 1e6).all()
