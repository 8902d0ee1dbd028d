"""The pixel pipeline: decode, native byte order, luminance, Modality LUT, polarity.

The common MONOCHROME2 identity-rescale case returns pydicom's decoded array untouched, and the
other cases work in place on one array, so loading costs little more than decoding.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydicom.dataset import Dataset
from pydicom.pixels.processing import apply_modality_lut
from pydicom.uid import UID

from ho_annotate.dicom.limits import check_pixel_data, is_decoder_panic, quiet_native_stderr
from ho_annotate.dicom.lut import has_modality_lut_sequence, modality_range, rescale
from ho_annotate.dicom.reading import int_value
from ho_annotate.errors import RadiographError

__all__ = ["RadiographWarning", "oriented_pixels"]

Array = npt.NDArray[Any]

#: Rec. 601 luma weights, the usual reduction of RGB to gray.
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
#: Rows per block of the float rescale (a few hundred kB: stays in cache).
_BLOCK_ROWS = 128
#: Transfer syntaxes whose pixel data are stored as plain little-endian values.
_NATIVE_LITTLE_ENDIAN = frozenset({"1.2.840.10008.1.2", "1.2.840.10008.1.2.1"})


class RadiographWarning(UserWarning):
    """A radiograph loaded, but with a compromise the user should know about."""


def _decode(ds: Dataset, path: Path) -> Array:
    panicked = False
    try:
        with quiet_native_stderr() as held:
            try:
                arr: Array = ds.pixel_array
            except BaseException as exc:  # a Rust decoder's panic is no Exception
                panicked = is_decoder_panic(exc)
                raise
    except Exception as exc:
        raise RadiographError(_decode_failure(ds, path, exc)) from exc
    except BaseException as exc:
        if not panicked:
            raise
        raise RadiographError(
            f"{path}: the pixel decoder failed on damaged pixel data; export the image again"
        ) from exc
    finally:
        if held and held[0] and not panicked:
            _replay(held[0])
    return arr


def _replay(data: bytes) -> None:
    """Write back what a decoder printed natively (it was not a panic: it may matter)."""
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
        os.write(2, data)


def _decode_failure(ds: Dataset, path: Path, exc: Exception) -> str:
    text = str(exc)
    meta = getattr(ds, "file_meta", None)
    syntax = UID(str(meta.get("TransferSyntaxUID", "") or "")) if meta is not None else UID("")
    if "less than expected" in text or "shorter" in text or "doesn't match" in text:
        return (
            f"{path}: the pixel data is shorter than the header promises "
            "(truncated or damaged file); export it again"
        )
    if syntax and (not syntax.is_transfer_syntax or syntax.is_compressed):
        return (
            f"{path}: cannot decode its {syntax.name} pixel data ({text.splitlines()[0]}); "
            "convert it to an uncompressed or JPEG 2000 file, or install a decoder for it"
        )
    return f"{path}: cannot decode the pixel data ({type(exc).__name__}: {text.splitlines()[0]})"


def _check_shape(arr: Array, ds: Dataset, path: Path) -> None:
    rows, columns = int_value(ds, "Rows"), int_value(ds, "Columns")
    if arr.shape[:2] != (rows, columns) or arr.ndim not in (2, 3):
        raise RadiographError(
            f"{path}: decoded pixels have shape {arr.shape}, not the {rows} x {columns} "
            "single frame the header describes; the file may be damaged: export it again"
        )


def _to_luminance(arr: Array, path: Path) -> Array:
    warnings.warn(
        f"{path}: colour image loaded as luminance (0.299 R + 0.587 G + 0.114 B); "
        "radiographs are normally grayscale, check that this is the original",
        RadiographWarning,
        stacklevel=4,
    )
    luminance: Array = arr.astype(np.float32) @ _LUMA
    return luminance


def _int_dtype_for(lo: float, hi: float) -> np.dtype[Any]:
    for candidate in (np.uint8, np.int8, np.uint16, np.int16, np.int32):
        info = np.iinfo(candidate)
        if info.min <= lo and hi <= info.max:
            return np.dtype(candidate)
    return np.dtype(np.int64)


def _apply_rescale(arr: Array, slope: float, intercept: float) -> Array:
    """``slope * v + intercept``: integers stay integers when they can, in place when they fit."""
    if slope == 1.0 and intercept == 0.0:
        return arr
    if arr.dtype.kind in "iu" and slope.is_integer() and intercept.is_integer():
        low, high = float(arr.min()), float(arr.max())
        # every value on the way (stored, scaled, shifted) and the scalars must fit the type
        values = [low, high, low * slope, high * slope, slope, intercept]
        values += [low * slope + intercept, high * slope + intercept]
        target = _int_dtype_for(min(values), max(values))
        if target.itemsize == arr.dtype.itemsize and arr.flags.writeable:
            out: Array = arr.view(target)  # same bits, as every stored value fits the type
            if slope != 1.0:
                out *= target.type(slope)
            if intercept != 0.0:
                out += target.type(intercept)
            return out
        if slope == 1.0:
            out = np.add(arr, target.type(intercept), dtype=target, casting="unsafe")
            return out
        out = np.multiply(arr, target.type(slope), dtype=target, casting="unsafe")
        if intercept != 0.0:
            out += target.type(intercept)
        return out
    return _float_rescale(arr, np.float32(slope), np.float32(intercept))


def _float_rescale(
    arr: Array, slope: np.float32, intercept: np.float32, mask: int | None = None
) -> Array:
    """``float32`` rescale in blocks of rows, so the three passes run in cache, not memory.

    ``mask`` keeps only the stored bits of raw integer values (unused high bits may hold junk).
    """
    out: Array = np.empty(arr.shape, dtype=np.float32)
    for start in range(0, arr.shape[0], _BLOCK_ROWS):
        block = out[start : start + _BLOCK_ROWS]
        source = arr[start : start + _BLOCK_ROWS]
        block[...] = source if mask is None else source & arr.dtype.type(mask)
        block *= slope
        block += intercept
    return out


def _fractional_rescale_of_native_pixels(ds: Dataset) -> Array | None:
    """The float32 Modality LUT output straight from uncompressed little-endian unsigned 16-bit
    pixel data, or ``None`` when the file is not such a case.

    A fractional rescale needs a new float32 array anyway; converting from a zero-copy view of
    the pixel bytes skips pydicom's intermediate integer copy and its unused-bits pass.
    """
    if has_modality_lut_sequence(ds):
        return None
    slope, intercept = rescale(ds)
    if slope.is_integer() and intercept.is_integer():
        return None
    meta = getattr(ds, "file_meta", None)
    syntax = str(meta.get("TransferSyntaxUID", "")) if meta is not None else ""
    if syntax not in _NATIVE_LITTLE_ENDIAN or "PixelData" not in ds:
        return None
    rows, columns = int_value(ds, "Rows"), int_value(ds, "Columns")
    bits_stored = int_value(ds, "BitsStored")
    layout = (
        int_value(ds, "BitsAllocated"),
        int_value(ds, "PixelRepresentation", 0),
        int_value(ds, "SamplesPerPixel", 1),
        int_value(ds, "NumberOfFrames", 1),
    )
    if layout != (16, 0, 1, 1) or not rows or not columns or not bits_stored:
        return None
    data = ds.PixelData
    if not isinstance(data, bytes) or len(data) < rows * columns * 2 or bits_stored > 16:
        return None  # pydicom's decoder reports short or odd pixel data
    stored: Array = np.frombuffer(data, dtype="<u2", count=rows * columns).reshape(rows, columns)
    mask = None if bits_stored == 16 else (1 << bits_stored) - 1
    return _float_rescale(stored, np.float32(slope), np.float32(intercept), mask)


def oriented_pixels(ds: Dataset, path: Path) -> Array:
    """Decoded, Modality-LUT applied, bone-bright 2-D pixels of a vetted single-frame image."""
    check_pixel_data(ds, path)  # before any decoder allocates or panics
    fast = _fractional_rescale_of_native_pixels(ds)
    if fast is not None:
        return _polarity(fast, ds)
    arr = _decode(ds, path)
    _check_shape(arr, ds, path)
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if arr.ndim == 3:
        return _to_luminance(arr, path)
    if has_modality_lut_sequence(ds):
        arr = np.asarray(apply_modality_lut(arr, ds))
    else:
        arr = _apply_rescale(arr, *rescale(ds))
    return _polarity(arr, ds)


def _polarity(arr: Array, ds: Dataset) -> Array:
    photometric = str(ds.get("PhotometricInterpretation", "") or "").strip().upper()
    if photometric == "MONOCHROME1":
        arr = _invert(arr, *modality_range(ds))
    return arr


def _invert(arr: Array, lo: float, hi: float) -> Array:
    """``lo + hi - v`` in place; values outside ``[lo, hi]`` (damaged data) are clipped first."""
    if not arr.flags.writeable:
        arr = arr.copy()
    if arr.dtype.kind in "iu":
        info = np.iinfo(arr.dtype)
        if not (info.min <= lo and hi <= info.max and info.min <= lo + hi <= info.max):
            arr = arr.astype(_int_dtype_for(min(lo, lo + hi), max(hi, lo + hi)))
        lo_v, hi_v = int(lo), int(hi)
        if arr.min() < lo_v or arr.max() > hi_v:
            np.clip(arr, lo_v, hi_v, out=arr)
        np.subtract(arr.dtype.type(lo_v + hi_v), arr, out=arr)
        return arr
    if arr.min() < lo or arr.max() > hi:
        np.clip(arr, lo, hi, out=arr)
    np.subtract(arr.dtype.type(lo + hi), arr, out=arr)
    return arr
