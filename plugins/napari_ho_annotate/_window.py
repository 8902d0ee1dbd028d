"""Display windows (Qt-free): presets from the image's own pixels and every window the header
carries, and the window/level drag rule (horizontal = width, vertical = level, as OHIF and
Weasis do). DX pixel values have no fixed units, so there are no CT-style fixed presets."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: (name, low %, high %) of the percentile presets.
PERCENTILES = (("1-99 %", 1.0, 99.0), ("5-95 %", 5.0, 95.0), ("0.5-99.5 %", 0.5, 99.5))
#: Screen pixels of drag that change the window by the image's whole value range.
DRAG_PIXELS = 600.0


@dataclass(frozen=True)
class Preset:
    """A named display window in the units and orientation of the layer's pixels."""

    name: str
    center: float
    width: float

    @property
    def limits(self) -> tuple[float, float]:
        return (self.center - self.width / 2, self.center + self.width / 2)


def _values(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    if isinstance(value, str | bytes):
        return [value]
    try:
        return list(value)
    except TypeError:  # a single number
        return [value]


def header_presets(path: Path, photometric: str, value_range: tuple[float, float]) -> list[Preset]:
    """Every WindowCenter/WindowWidth pair in the header, named by its explanation, in the
    bone-bright orientation of the layer (MONOCHROME1 centres mirrored as the pixels are)."""
    import pydicom

    try:
        ds = pydicom.dcmread(
            path,
            stop_before_pixels=True,
            specific_tags=["WindowCenter", "WindowWidth", "WindowCenterWidthExplanation"],
        )
        centers = _values(ds.get("WindowCenter"))
        widths = _values(ds.get("WindowWidth"))
        names = _values(ds.get("WindowCenterWidthExplanation"))
    except Exception:  # an unreadable header simply offers no header windows
        return []
    presets: list[Preset] = []
    for n, (c, w) in enumerate(zip(centers, widths, strict=False)):
        try:
            center, width = float(c), float(w)
        except (TypeError, ValueError):
            continue
        if not (math.isfinite(center) and math.isfinite(width) and width > 0):
            continue
        if photometric.upper() == "MONOCHROME1":
            center = value_range[0] + value_range[1] - center
        why = str(names[n]).strip() if n < len(names) and str(names[n]).strip() else ""
        label = f"Header: {why}" if why else f"Header window {n + 1}"
        presets.append(Preset(f"{label} (C {center:g}, W {width:g})", center, width))
    return presets


def image_presets(pixels: np.ndarray[Any, Any]) -> list[Preset]:
    """Percentile windows of the image's own pixels, and its full range."""
    # one partial sort for every percentile: the same subsample as ``percentile_window``
    step = max(1, int(math.sqrt(pixels.size / 250_000)))
    sample = pixels[::step, ::step]
    wanted = [q for _name, lo, hi in PERCENTILES for q in (lo, hi)]
    values = iter(float(v) for v in np.percentile(sample, wanted))
    presets = []
    for name, _lo, _hi in PERCENTILES:
        p0, p1 = next(values), next(values)
        presets.append(Preset(name, (p0 + p1) / 2, max(p1 - p0, 1e-6)))
    lo, hi = float(sample.min()), float(sample.max())
    presets.append(Preset("Full range", (lo + hi) / 2, max(hi - lo, 1e-6)))
    return presets


def dragged(
    limits: tuple[float, float], dx: float, dy: float, value_span: float
) -> tuple[float, float]:
    """The window after a drag of ``(dx, dy)`` screen pixels from ``limits``: right widens,
    down raises the level (the image darkens), as in OHIF and Weasis."""
    per_px = max(value_span, 1e-6) / DRAG_PIXELS
    center = (limits[0] + limits[1]) / 2 + dy * per_px
    width = max(limits[1] - limits[0] + dx * per_px, per_px)
    return (center - width / 2, center + width / 2)
