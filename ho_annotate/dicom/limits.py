"""Refuse pixel data that cannot be decoded safely, before any decoder sees it.

A decoder cannot be stopped once it runs: an RLE "decompression bomb" (a small file whose
header declares a huge image) makes it allocate gigabytes, and a Rust decoder that meets
impossible segment offsets panics or aborts the process. So the declared size is checked
against a limit, and against what the encoded bytes can possibly hold, first.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import struct
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from pydicom.dataset import Dataset
from pydicom.encaps import generate_fragmented_frames

from ho_annotate.dicom.reading import code_value, int_value
from ho_annotate.errors import RadiographError

__all__ = [
    "MAX_PIXEL_MB",
    "check_pixel_data",
    "is_decoder_panic",
    "max_pixel_bytes",
    "quiet_native_stderr",
]

#: Largest declared pixel data (decoded, MiB) a file may have; decoding needs a few times
#: this in memory. A large DX detector image is
#: about 40 MiB (4300 x 4300 x 16 bit). Override with the environment variable
#: ``HO_ANNOTATE_MAX_PIXEL_MB``.
MAX_PIXEL_MB: Final = 256
#: RLE (PS3.5 Annex G) turns 2 encoded bytes into at most 128: it expands at most 64 times.
RLE_MAX_EXPANSION: Final = 64
RLE_LOSSLESS: Final = "1.2.840.10008.1.2.5"


def max_pixel_bytes() -> int:
    """The limit in force: ``HO_ANNOTATE_MAX_PIXEL_MB`` if set to a positive number."""
    text = os.environ.get("HO_ANNOTATE_MAX_PIXEL_MB", "")
    try:
        mb = float(text) if text else MAX_PIXEL_MB
    except ValueError:
        mb = MAX_PIXEL_MB
    return int((mb if mb > 0 else MAX_PIXEL_MB) * 1024 * 1024)


def declared_bytes(ds: Dataset) -> int:
    """Bytes of decoded pixel data the header promises (every frame, every sample)."""
    rows = int_value(ds, "Rows") or 0
    columns = int_value(ds, "Columns") or 0
    samples = int_value(ds, "SamplesPerPixel", 1) or 1
    frames = int_value(ds, "NumberOfFrames", 1) or 1
    bits = int_value(ds, "BitsAllocated", 16) or 16
    return rows * columns * samples * frames * max(1, (bits + 7) // 8)


def check_pixel_data(ds: Dataset, path: Path) -> None:
    """Refuse, before decoding, pixel data too large or impossible for its encoded size."""
    declared = declared_bytes(ds)
    limit = max_pixel_bytes()
    if declared > limit:
        raise RadiographError(
            f"{path}: declares {declared / 2**20:.0f} MiB of pixel data, more than the limit of "
            f"{limit / 2**20:.0f} MiB; not decoded (raise HO_ANNOTATE_MAX_PIXEL_MB if the "
            "image is genuine)"
        )
    meta = getattr(ds, "file_meta", None)
    syntax = code_value(meta, "TransferSyntaxUID") if meta is not None else ""
    if syntax == RLE_LOSSLESS:
        _check_rle(ds, path, declared)


def _check_rle(ds: Dataset, path: Path, declared: int) -> None:
    data = ds.get("PixelData")
    encoded = len(data) if isinstance(data, bytes) else 0
    if declared > RLE_MAX_EXPANSION * encoded:
        raise RadiographError(
            f"{path}: declares {declared} bytes of pixel data but holds {encoded} RLE-encoded "
            f"bytes, which expand at most {RLE_MAX_EXPANSION} times; damaged or hostile file"
        )
    samples = int_value(ds, "SamplesPerPixel", 1) or 1
    bits = int_value(ds, "BitsAllocated", 16) or 16
    segments = samples * max(1, (bits + 7) // 8)
    frames = int_value(ds, "NumberOfFrames", 1) or 1
    try:
        fragments = [b"".join(f) for f in generate_fragmented_frames(data, number_of_frames=frames)]
    except Exception as exc:
        raise RadiographError(f"{path}: damaged RLE pixel data ({exc})") from exc
    for frame in fragments:
        _check_rle_header(frame, segments, path)


def _check_rle_header(frame: bytes, segments: int, path: Path) -> None:
    """The 64-byte RLE header: the segment count, and offsets rising inside the frame."""
    if len(frame) < 64:
        raise RadiographError(f"{path}: damaged RLE pixel data (a frame shorter than its header)")
    count, *offsets = struct.unpack("<16I", frame[:64])
    used = offsets[:count]
    ok = (
        count == segments
        and used[0] == 64
        and all(a < b for a, b in itertools.pairwise(used))
        and used[-1] < len(frame)
        and not any(offsets[count:])
    )
    if not ok:
        raise RadiographError(
            f"{path}: damaged RLE pixel data (segment table does not fit the frame); "
            "export the image again"
        )


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[list[bytes]]:
    """Hold back what native code writes to file descriptor 2 while the block runs.

    A Rust panic prints its message and backtrace straight to the descriptor, past Python.
    The caller gets the bytes in the yielded list and decides: replay them (no failure) or
    drop them (the failure is reported as one line instead).
    """
    captured: list[bytes] = []
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield captured
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield captured
        finally:
            with contextlib.suppress(OSError, ValueError, AttributeError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            captured.append(sink.read())


def is_decoder_panic(exc: BaseException) -> bool:
    """True for a Rust decoder's panic: pyo3's ``PanicException`` (a ``BaseException``)."""
    return any(
        cls.__name__ == "PanicException" and cls.__module__ == "pyo3_runtime"
        for cls in type(exc).__mro__
    )
