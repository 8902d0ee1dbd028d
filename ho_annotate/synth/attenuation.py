"""Attenuation along rays through simple solids, summed on the pixel grid."""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from shapely.geometry.base import BaseGeometry

from ho_annotate.synth.geometry import BoolArray, FloatArray, Frame

MU_CORTEX = 0.17  # per mm, cortical bone relative to soft tissue
MU_TRABECULAR = 0.045
MU_SOFT = 0.020


def chord(depth: FloatArray, radius: FloatArray | float) -> FloatArray:
    """Path length through a round solid of ``radius`` at ``depth`` mm inside its outline."""
    r = np.broadcast_to(np.asarray(radius, dtype=np.float64), depth.shape)
    d = np.clip(depth, 0.0, r)
    return np.asarray(2.0 * np.sqrt(np.maximum(d * (2.0 * r - d), 0.0)), dtype=np.float64)


def bone(
    frame: Frame,
    geom: BaseGeometry,
    radius: FloatArray | float,
    cortex_mm: float,
    texture: FloatArray,
    *,
    mask: BoolArray | None = None,
    cortex_map: FloatArray | None = None,
) -> FloatArray:
    """A bone with a cortical shell: rays tangent to the shell cross most cortex (bright rim)."""
    m = frame.mask(geom) if mask is None else mask
    depth = frame.distance_inside(m)
    t = cortex_mm if cortex_map is None else cortex_map
    r = np.maximum(np.asarray(radius, dtype=np.float64), t + 0.5)
    outer = chord(depth, r)
    inner = chord(depth - t, r - t)
    out = MU_TRABECULAR * inner * texture + MU_CORTEX * (outer - inner) * np.sqrt(
        np.clip(texture, 0.2, None)
    )
    return np.where(m, out, 0.0)


def texture(frame: Frame, rng: np.random.Generator, strength: float = 0.13) -> FloatArray:
    """Trabecular-looking multiplicative texture around 1: smooth band-limited noise at the
    scale of trabeculae (about 1 mm) and of their clusters (about 3 mm), no pixel speckle."""
    shape = (frame.rows, frame.cols)
    fine = ndimage.gaussian_filter(rng.normal(size=shape), max(0.8 / frame.s, 0.9))
    coarse = ndimage.gaussian_filter(rng.normal(size=shape), max(2.8 / frame.s, 1.5))
    tex = fine / (fine.std() + 1e-9) + 0.8 * coarse / (coarse.std() + 1e-9)
    return np.asarray(1.0 + strength * tex / 1.8, dtype=np.float64)


def region_radius(
    frame: Frame, parts: list[tuple[BaseGeometry, float]], default: float, smooth_mm: float
) -> FloatArray:
    """A smooth map of plate half-thickness: each part sets its radius, blurred at the seams."""
    r = np.full((frame.rows, frame.cols), default, dtype=np.float64)
    for geom, value in parts:
        r[frame.mask(geom)] = value
    return np.asarray(ndimage.gaussian_filter(r, smooth_mm / frame.s), dtype=np.float64)


def density(frame: Frame, rng: np.random.Generator) -> FloatArray:
    """Slow variation of bone density (about +-20 %), so no plate looks uniform."""
    field = ndimage.gaussian_filter(rng.normal(size=(frame.rows, frame.cols)), 9.0 / frame.s)
    return np.asarray(1.0 + 0.2 * field / (field.std() + 1e-9), dtype=np.float64)
