"""Image statistics that describe how a synthetic radiograph looks, for regression tests.

- ``nps_bands``: the radial noise power spectrum of soft tissue beside the iliac wings (grey
  levels squared per band of spatial frequency), from plane-detrended patches.
- ``edge_width``: the 10-90 % rise, in pixels, from soft tissue to the cortical peak across a
  bone's outer edges (femoral shafts, iliac wings), on profiles aligned to the designed
  outline and averaged.
"""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString, Polygon

from ho_annotate.synth.geometry import Frame

#: Spatial frequency bands (cycles per pixel).
BANDS = ((0.03, 0.08), (0.08, 0.15), (0.15, 0.25), (0.25, 0.5))
#: Patch centres (mm) lateral to the iliac wings, clear of bone, gas and fat planes.
PATCHES = [(sx * 168.0, y) for sx in (-1, 1) for y in (-130.0, -95.0, -60.0)]
HALF = 24


def nps_bands(pixels: np.ndarray, frame: Frame) -> list[float]:
    """Mean noise power (grey levels squared) in each of ``BANDS``."""
    n = 2 * HALF
    yy, xx = np.mgrid[0:n, 0:n]
    design = np.column_stack([np.ones(n * n), yy.ravel(), xx.ravel()])
    spectra = []
    for x, y in PATCHES:
        r, c = (round(v) for v in frame.to_px(x, y))
        patch = np.asarray(pixels[r - HALF : r + HALF, c - HALF : c + HALF], dtype=float)
        coef, *_ = np.linalg.lstsq(design, patch.ravel(), rcond=None)
        rest = patch - (design @ coef).reshape(n, n)
        spectra.append(np.abs(np.fft.fft2(rest)) ** 2 / (n * n))
    power = np.mean(spectra, axis=0)
    f = np.hypot(*np.meshgrid(np.fft.fftfreq(n), np.fft.fftfreq(n)))
    return [float(power[(f >= lo) & (f < hi)].mean()) for lo, hi in BANDS]


def edge_width(
    pixels: np.ndarray, frame: Frame, bones: list[Polygon], ys: tuple[float, float] = (100, 126)
) -> float:
    """Mean 10-90 % edge width (pixels) across the leftmost and rightmost edges of ``bones``
    (the femoral shafts by default) on rows between ``ys`` mm."""
    offsets = np.arange(-14.0, 10.01, 0.25)  # pixels, negative inside the bone
    widths = []
    for femur in bones:
        for sign in (-1.0, 1.0):  # the edge toward -x and the one toward +x
            profiles = []
            for y in np.arange(ys[0], ys[1], frame.s):
                row = round((y - frame.y0) / frame.s)
                if not 0 <= row < frame.rows:
                    continue
                cut = femur.intersection(LineString([(-400, y), (400, y)]))
                if cut.is_empty:
                    continue
                xs = np.asarray(cut.bounds)[[0, 2]]
                edge = (xs[1] if sign > 0 else xs[0]) - frame.x0
                col = edge / frame.s + sign * offsets
                if col.min() < 0 or col.max() > frame.cols - 1:
                    continue
                line = np.asarray(pixels[row], dtype=float)
                profiles.append(np.interp(col, np.arange(frame.cols), line))
            if len(profiles) < 10:
                continue
            mean = np.mean(profiles, axis=0)
            widths.append(_rise(offsets, mean))
    assert widths, "no femoral shaft edge in the image"
    return float(np.mean(widths))


def _rise(offsets: np.ndarray, profile: np.ndarray) -> float:
    """Distance between the 10 % and 90 % crossings from the outside level to the peak."""
    outside = profile[offsets > 5].mean()
    near = (offsets > -8) & (offsets < 2)
    peak_at = np.argmax(np.where(near, profile, -np.inf))
    peak = profile[peak_at]
    # Walk outward from the peak to the first crossing of each level.
    out = np.arange(peak_at, len(offsets))
    levels = [outside + f * (peak - outside) for f in (0.9, 0.1)]
    where = []
    for level in levels:
        i = out[np.argmax(profile[out] < level)]
        a, b = profile[i - 1], profile[i]
        where.append(offsets[i - 1] + (offsets[i] - offsets[i - 1]) * (a - level) / (a - b))
    return float(where[1] - where[0])
