"""Damaged copies of a valid DX file: each loads as 2-D or raises RadiographError, nothing else.

pydicom parses values lazily, so a flipped byte can fail long after dcmread returns; this
mutates header bytes and truncates files at random (seeded) to reach those paths.
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import numpy as np
import pytest

from ho_annotate import RadiographError, load_radiograph, read_header
from tests.conftest import WriteDX

CASES = 300


def _mutants(source: bytes, rng: np.random.Generator) -> list[bytes]:
    header_end = min(len(source), 1200)
    out = []
    for i in range(CASES):
        data = bytearray(source)
        if i % 3 == 0:  # scattered byte flips in the header
            for pos in rng.integers(0, header_end, rng.integers(1, 8)):
                data[pos] = int(rng.integers(0, 256))
        elif i % 3 == 1:  # truncation anywhere
            data = data[: int(rng.integers(0, len(data)))]
        else:  # a four-byte run of garbage: tags, VRs, lengths
            pos = int(rng.integers(128, header_end - 4))
            data[pos : pos + 4] = rng.integers(0, 256, 4).astype(np.uint8).tobytes()
        out.append(bytes(data))
    return out


def test_damaged_files_never_raise_anything_else(dx_file: WriteDX, tmp_path: Path) -> None:
    source = dx_file(
        photometric="MONOCHROME1",
        ImagerPixelSpacing=[0.1, 0.1],
        WindowCenter=100,
        WindowWidth=50,
        RescaleSlope=2,
        RescaleIntercept=3,
    ).read_bytes()
    outcomes = {"loaded": 0, "refused": 0}
    path = tmp_path / "mutant.dcm"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for data in _mutants(source, np.random.default_rng(0)):
            path.write_bytes(data)
            try:
                rad = load_radiograph(path)
            except RadiographError:
                outcomes["refused"] += 1
            else:
                assert rad.pixels.ndim == 2
                outcomes["loaded"] += 1
            with contextlib.suppress(RadiographError):
                read_header(path)
    # both outcomes occur, so the mutations reach the interesting paths
    assert outcomes["loaded"] > 30 and outcomes["refused"] > 30, outcomes


@pytest.mark.parametrize("keyword", ["PhotometricInterpretation", "RescaleSlope", "Rows"])
def test_unparseable_value_is_a_refusal(dx_file: WriteDX, tmp_path: Path, keyword: str) -> None:
    source = dx_file(RescaleSlope=1, RescaleIntercept=0).read_bytes()
    tag = {
        "PhotometricInterpretation": b"\x28\x00\x04\x00",
        "RescaleSlope": b"\x28\x00\x53\x10",
        "Rows": b"\x28\x00\x10\x00",
    }[keyword]
    pos = source.index(tag) + 4
    damaged = source[:pos] + b"Q\xf6" + source[pos + 2 :]  # an unknown VR
    path = tmp_path / "bad_vr.dcm"
    path.write_bytes(damaged)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RadiographError) as info:
            load_radiograph(path)
    assert str(path) in str(info.value)
