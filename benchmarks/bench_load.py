"""Benchmark: load_radiograph against bare ``pydicom.dcmread(path).pixel_array``.

Writes 2500 x 3000, 12-bit DX files to a temporary folder (uncompressed and JPEG 2000 lossless;
MONOCHROME2 with identity rescale, MONOCHROME1, and rescaled) and prints, for each, the median
times of the bare pydicom decode and of ``load_radiograph``, the median of their ratios over
runs made side by side in the same process (so bursts of load on a shared machine cancel), and
how many times faster the header-only read is than the full load.

Goals (issue 3): <= 1.05 for MONOCHROME2 identity, <= 1.5 for MONOCHROME1 or rescaled files,
header-only >= 10x faster than a full load.

Run:  .venv/bin/python benchmarks/bench_load.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import (
    DigitalXRayImageStorageForPresentation,
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    generate_uid,
)

from ho_annotate import load_radiograph, read_header

ROWS, COLUMNS = 3000, 2500


def _pixels(seed: int = 0) -> np.ndarray:
    """A smooth 12-bit field with noise: compresses about like a radiograph."""
    rng = np.random.default_rng(seed)
    rows = np.linspace(0, 1, ROWS)[:, None]
    cols = np.linspace(0, 1, COLUMNS)[None, :]
    field = 1500 + 1200 * np.sin(3 * rows) * np.cos(2 * cols) + 600 * rows * cols
    field = field + rng.normal(0, 30, (ROWS, COLUMNS))
    return np.clip(field, 0, 4095).astype(np.uint16)


def _write(path: Path, pixels: np.ndarray, *, compress: bool, **attrs: Any) -> Path:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DigitalXRayImageStorageForPresentation
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = (
        meta.MediaStorageSOPClassUID,
        meta.MediaStorageSOPInstanceUID,
    )
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality, ds.ViewPosition = "DX", "AP"
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel, ds.PixelRepresentation = 1, 0
    ds.PhotometricInterpretation = attrs.pop("PhotometricInterpretation", "MONOCHROME2")
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.ImagerPixelSpacing = [0.14, 0.14]
    ds.WindowCenter, ds.WindowWidth = 2048, 4096
    for keyword, value in attrs.items():
        setattr(ds, keyword, value)
    ds.PixelData = pixels.tobytes()
    if compress:
        ds.compress(JPEG2000Lossless, pixels)
    ds.save_as(path, enforce_file_format=True)
    return path


def _interleaved(funcs: list[Callable[[], object]], repeats: int) -> list[list[float]]:
    """Times of each function, run in turns so that machine load hits all alike."""
    for func in funcs:
        func()  # warm caches and imports
    times: list[list[float]] = [[] for _ in funcs]
    order = list(range(len(funcs)))
    for _ in range(repeats):
        order.reverse()  # alternate, so neither runs always first after the other
        for i in order:
            start = time.perf_counter()
            funcs[i]()
            times[i].append(time.perf_counter() - start)
    return times


def _paired_ratio(numerator: list[float], denominator: list[float]) -> float:
    """Median of the ratios of runs made side by side (robust to bursts of machine load)."""
    return statistics.median(n / d for n, d in zip(numerator, denominator, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=25)
    args = parser.parse_args()
    pixels = _pixels()
    cases = {
        "MONOCHROME2 identity": {},
        "MONOCHROME1": {"PhotometricInterpretation": "MONOCHROME1"},
        "rescaled (slope 1, intercept -1024)": {"RescaleSlope": 1, "RescaleIntercept": -1024},
        "rescaled (slope 0.5, intercept 10)": {"RescaleSlope": 0.5, "RescaleIntercept": 10},
    }
    print(f"{ROWS} x {COLUMNS} x 12 bit DX, median of {args.repeats} runs\n")
    print(f"{'file':48s} {'bare s':>8s} {'load s':>8s} {'ratio':>6s} {'header x':>9s}")
    with tempfile.TemporaryDirectory() as folder:
        for compress in (False, True):
            for name, attrs in cases.items():
                if compress and name.startswith("rescaled (slope 0.5"):
                    continue
                label = f"{'J2K lossless' if compress else 'uncompressed'}, {name}"
                path = _write(Path(folder) / "bench.dcm", pixels, compress=compress, **attrs)
                bare_t, full_t, header_t = _interleaved(
                    [
                        lambda p=path: pydicom.dcmread(p).pixel_array,
                        lambda p=path: load_radiograph(p),
                        lambda p=path: read_header(p),
                    ],
                    args.repeats,
                )
                bare, full = statistics.median(bare_t), statistics.median(full_t)
                ratio, header = _paired_ratio(full_t, bare_t), _paired_ratio(full_t, header_t)
                print(f"{label:48s} {bare:8.4f} {full:8.4f} {ratio:6.3f} {header:8.0f}x")


if __name__ == "__main__":
    main()
