"""Attenuation along rays through simple solids, summed on the pixel grid.

Each solid is drawn only on the crop of the frame that holds it; smooth maps (plate thickness,
density) are computed on a coarse grid and sampled bilinearly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage
from shapely.geometry.base import BaseGeometry

from ho_annotate.synth.geometry import FloatArray, Frame, resample, smooth_noise

MU_CORTEX = 0.17  # per mm, cortical bone relative to soft tissue
MU_TRABECULAR = 0.045
MU_SOFT = 0.020


def chord(depth: FloatArray, radius: FloatArray | float) -> FloatArray:
    """Path length through a round solid of ``radius`` at ``depth`` mm inside its outline."""
    r = np.asarray(radius, dtype=np.float32)
    d = np.clip(depth, 0.0, r)
    return np.asarray(2.0 * np.sqrt(np.maximum(d * (2.0 * r - d), 0.0)), dtype=np.float32)


def add_bone(
    target: FloatArray,
    frame: Frame,
    geom: BaseGeometry,
    radius: FloatArray | float,
    cortex_mm: FloatArray | float,
    texture: FloatArray,
    weight: float = 1.0,
    depth: Callable[[Frame], FloatArray] | None = None,
) -> None:
    """Add ``weight`` times a bone with a cortical shell to ``target`` (an array on ``frame``):
    rays tangent to the shell cross most cortex (bright rim).

    ``radius`` and ``cortex_mm`` are numbers or maps on ``frame``; only the crop holding
    ``geom`` is computed. ``depth`` gives the distance inside ``geom`` on a frame, where the
    caller knows it better than a distance transform of the frame's pixels.
    """
    crop = frame.crop(geom.bounds)
    if crop is None:
        return
    local = Frame(crop.rows, crop.cols, crop.s, crop.x0, crop.y0)
    index = (slice(crop.r0 - frame.r0, crop.r0 - frame.r0 + crop.rows),
             slice(crop.c0 - frame.c0, crop.c0 - frame.c0 + crop.cols))  # fmt: skip
    m = local.mask(geom)
    if not m.any():
        return
    inside = local.distance_inside(m) if depth is None else depth(crop)
    t = _part(cortex_mm, index)
    r = np.maximum(_part(radius, index), t + np.float32(0.5))
    outer = chord(inside, r)
    inner = chord(inside - t, r - t)
    tex = texture[index]
    out = MU_TRABECULAR * inner * tex + MU_CORTEX * (outer - inner) * np.sqrt(
        np.maximum(tex, np.float32(0.2))
    )
    target[index] += np.where(m, np.float32(weight) * out, np.float32(0.0))


def _part(value: FloatArray | float, index: tuple[slice, slice]) -> FloatArray:
    if np.ndim(value) == 2:
        return np.asarray(value, dtype=np.float32)[index]
    return np.float32(value)  # type: ignore[return-value]


def texture(frame: Frame, rng: np.random.Generator, strength: float = 0.13) -> FloatArray:
    """Trabecular-looking multiplicative texture around 1: smooth band-limited noise at the
    scale of trabeculae (about 1 mm) and of their clusters (about 3 mm), no pixel speckle."""
    sigmas = [(max(0.8 / frame.s, 0.9), 1.0), (max(2.8 / frame.s, 1.5), 0.8)]
    tex = smooth_noise(rng, (frame.rows, frame.cols), sigmas)
    return np.asarray(1.0 + np.float32(strength / 1.8) * tex, dtype=np.float32)


def region_radius(
    frame: Frame, parts: list[tuple[BaseGeometry, float]], default: float, smooth_mm: float
) -> tuple[Frame, FloatArray]:
    """A smooth map of plate half-thickness on a coarse grid: each part sets its radius,
    blurred at the seams."""
    grid = frame.coarse(smooth_mm / 4)
    r = np.full((grid.rows, grid.cols), default, dtype=np.float32)
    for geom, value in parts:
        r[grid.mask(geom)] = value
    return grid, np.asarray(ndimage.gaussian_filter(r, smooth_mm / grid.s), dtype=np.float32)


def density(frame: Frame, rng: np.random.Generator) -> FloatArray:
    """Slow variation of bone density (about +-20 %), so no plate looks uniform."""
    grid = frame.coarse(2.25)
    field = smooth_noise(rng, (grid.rows, grid.cols), [(9.0 / grid.s, 1.0)])
    return resample(grid, 1.0 + np.float32(0.2) * field, frame)
