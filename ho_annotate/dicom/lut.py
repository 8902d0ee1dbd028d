"""The Modality LUT's output range and the display window, from the header alone.

A VOI LUT Sequence is reduced to a linear window over the input span in which the LUT rises
from its lowest to its highest output: exact for linear LUTs, an approximation for curved ones
(sigmoid-like LUTs keep their midpoint and slope range, not their shape).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels.processing import apply_modality_lut, apply_voi_lut

from ho_annotate.dicom.reading import int_value

__all__ = [
    "Rescale",
    "has_modality_lut_sequence",
    "header_window",
    "modality_range",
    "percentile_window",
    "rescale",
    "stored_range",
]

Window = tuple[float, float]
Rescale = tuple[float, float]


def stored_range(ds: Dataset) -> tuple[int, int]:
    """The smallest and largest value BitsStored and PixelRepresentation allow."""
    bits = int_value(ds, "BitsStored") or int_value(ds, "BitsAllocated") or 16
    bits = max(1, min(bits, 32))
    if int_value(ds, "PixelRepresentation", 0) == 1:
        return (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    return (0, 2**bits - 1)


def _number(value: Any, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        number = float(value[0] if isinstance(value, list | tuple) else value)
    except (TypeError, ValueError, IndexError):
        return default
    return number if math.isfinite(number) else default


def rescale(ds: Dataset) -> Rescale:
    """``(slope, intercept)``; identity when absent or unusable (a zero slope is unusable)."""
    slope = _number(ds.get("RescaleSlope"), 1.0)
    intercept = _number(ds.get("RescaleIntercept"), 0.0)
    return (slope if slope != 0 else 1.0, intercept)


def has_modality_lut_sequence(ds: Dataset) -> bool:
    sequence = ds.get("ModalityLUTSequence")
    return bool(sequence) and "LUTData" in sequence[0]


def modality_range(ds: Dataset) -> tuple[float, float]:
    """``[lo, hi]``: the Modality LUT image of the stored range (used to invert MONOCHROME1)."""
    smin, smax = stored_range(ds)
    if has_modality_lut_sequence(ds):
        # the stored values the LUT's entries cover, and the two ends (clamped to its ends)
        n_entries, first = _lut_span(ds.ModalityLUTSequence[0])
        low, high = max(smin, first), min(smax, first + n_entries - 1)
        inputs = np.arange(low, high + 1, dtype=np.int64) if low <= high else np.zeros(0, int)
        inputs = np.concatenate([inputs, np.array([smin, smax], dtype=np.int64)])
        mapped = np.asarray(apply_modality_lut(inputs, ds))
        return (float(mapped.min()), float(mapped.max()))
    slope, intercept = rescale(ds)
    ends = (smin * slope + intercept, smax * slope + intercept)
    return (min(ends), max(ends))


def _lut_span(item: Dataset) -> tuple[int, int]:
    """``(number of entries, first input value)`` of a LUT item (0 entries means 65536)."""
    n_entries, first = (int(v) for v in list(item.LUTDescriptor)[:2])
    return (n_entries or 65536, first)


def _window_center_width(ds: Dataset) -> Window | None:
    center = _number(ds.get("WindowCenter"), math.nan)
    width = _number(ds.get("WindowWidth"), math.nan)
    if math.isfinite(center) and math.isfinite(width) and width > 0:
        return (center, width)
    return None


def _voi_lut_window(ds: Dataset) -> Window | None:
    sequence = ds.get("VOILUTSequence")
    if not sequence:
        return None
    try:
        n_entries, first = _lut_span(sequence[0])
        ramp = np.arange(first, first + n_entries, dtype=np.int64)
        # pydicom applies the first VOI LUT; a window from WindowCenter was ruled out already
        out = np.asarray(apply_voi_lut(ramp, ds, index=0, prefer_lut=True), dtype=np.float64)
    except Exception:
        return None
    low, high = out.min(), out.max()
    if not high > low:
        return None
    rising = out[-1] >= out[0]
    at_low, at_high = np.flatnonzero(out == low), np.flatnonzero(out == high)
    # the span between the last input at one plateau and the first input at the other
    x0 = ramp[at_low.max()] if rising else ramp[at_high.max()]
    x1 = ramp[at_high.min()] if rising else ramp[at_low.min()]
    a, b = sorted((float(x0), float(x1)))
    return ((a + b) / 2, max(b - a, 1.0))


def header_window(ds: Dataset) -> tuple[Window | None, str]:
    """The header's window in Modality-LUT units (not yet oriented) and where it came from."""
    window = _window_center_width(ds)
    if window is not None:
        return window, "WindowCenter/WindowWidth"
    window = _voi_lut_window(ds)
    if window is not None:
        return window, "VOI LUT Sequence (linear approximation)"
    return None, "none in header"


def percentile_window(pixels: np.ndarray[Any, Any], low: float = 0.5, high: float = 99.5) -> Window:
    """A window spanning the given percentiles of (a regular subsample of) the pixels."""
    step = max(1, int(math.sqrt(pixels.size / 250_000)))
    sample = pixels[::step, ::step]
    p0, p1 = (float(v) for v in np.percentile(sample, [low, high]))
    return ((p0 + p1) / 2, max(p1 - p0, 1e-6))
