"""Sub-pixel edge points of a bright disc, along rays from its centre (prosthetic heads).

With an anisotropic spacing the disc is an ellipse in pixels; ``radius`` is always in column
pixels and ``aspect`` is row millimetres per column millimetre.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import ndimage

__all__ = ["Edges", "interior", "ray_edges", "smoothed_crop"]

FloatArray = npt.NDArray[np.float64]

N_RAYS = 240
#: Gaussian smoothing (pixels) before edge search: steadies edges, moves a step edge by nothing.
EDGE_SMOOTHING_PX = 1.0
#: Smallest half-width (pixels) of the edge search along a ray.
MIN_WINDOW_PX = 3.0
#: How far (pixels) beyond the 3-pixel outside level a second edge makes a ray unusable.
LOOK_AHEAD_PX = 5.0


@dataclass(frozen=True)
class Edges:
    points: FloatArray  # (n, 2) edge points (row, col), pixels
    drops: FloatArray  # intensity fall across each edge
    outside: FloatArray  # intensity just outside each edge


def ray_edges(
    image: FloatArray,
    center: tuple[float, float],
    radius: float,
    aspect: float,
    window: float,
) -> Edges:
    """Per ray near ``radius * (1 +/- window)``: the steepest fall, to a fraction of a pixel.

    The steepest fall marks a metal edge whatever its profile: a step (saturated metal), or the
    rim of a sphere's projected thickness, whose slope is largest right at the rim.
    """
    angles = np.linspace(0, 2 * np.pi, N_RAYS, endpoint=False)
    sin, cos = np.sin(angles), np.cos(angles)
    # distance along each ray (pixels) at which the circle of ``radius`` column pixels lies
    expected = radius / np.hypot(sin * aspect, cos)
    step = 0.25
    window = max(window, MIN_WINDOW_PX / radius)
    reach = round(3.0 / step)  # the levels either side are read 3 pixels off the edge
    ahead = reach + round(LOOK_AHEAD_PX / step)  # how far past the edge a neighbour is sought
    margin = (ahead + 2) * step / radius
    offsets = np.arange(-window - margin, window + margin + 1e-9, step / radius)
    t = expected[:, None] * (1 + offsets[None, :])
    rows = center[0] + t * sin[:, None]
    cols = center[1] + t * cos[:, None]
    profiles = ndimage.map_coordinates(image, [rows, cols], order=1, mode="nearest")
    profiles = ndimage.uniform_filter1d(profiles, 5, axis=1)
    gradient = np.gradient(profiles, axis=1)
    n_rays, n_samples = profiles.shape
    search = np.abs(offsets) <= window
    k = np.argmin(np.where(search[None, :], gradient, np.inf), axis=1)
    idx = np.arange(n_rays)
    inner = np.flatnonzero(search)
    # a steepest fall on the border of the search range is no edge, just a slope
    on_border = (k <= inner[0] + 1) | (k >= inner[-1] - 1)
    k = np.clip(k, 1, n_samples - 2)
    g0, g1, g2 = gradient[idx, k - 1], gradient[idx, k], gradient[idx, k + 1]
    denom = g0 - 2 * g1 + g2
    safe = np.where(np.abs(denom) > 1e-12, denom, 1.0)
    shift = np.clip(np.where(np.abs(denom) > 1e-12, 0.5 * (g0 - g2) / safe, 0.0), -0.5, 0.5)
    t_edge = t[idx, k] + shift * (t[idx, 1] - t[idx, 0])
    before = profiles[idx, np.clip(k - reach, 0, n_samples - 1)]
    after = profiles[idx, np.clip(k + reach, 0, n_samples - 1)]
    points = np.column_stack([center[0] + t_edge * sin, center[1] + t_edge * cos])
    drops = np.where(on_border, 0.0, before - after)
    # A neighbour close outside (the cup's shell, a bone edge) blurs into the edge and pulls it
    # in: drop the ray when the profile rises again soon after the fall, or falls a second time
    # a few pixels further out (a thin bright band against the head).
    beyond = profiles[idx[:, None], np.clip(k[:, None] + np.arange(ahead), 0, n_samples - 1)]
    later_max = np.maximum.accumulate(beyond[:, ::-1], axis=1)[:, ::-1]
    rise = np.max(later_max - beyond, axis=1)
    second_fall = after - np.min(beyond[:, reach:], axis=1)
    near = (rise > 0.15 * drops) | (second_fall > 0.25 * drops)
    return Edges(points=points, drops=np.where(near, 0.0, drops), outside=after)


def interior(
    image: FloatArray, center: tuple[float, float], radius: float, aspect: float
) -> FloatArray:
    """Pixels within 0.7 of the head's radius (an ellipse in pixels when ``aspect != 1``)."""
    r0, c0 = center
    half_c, half_r = radius * 0.7, radius * 0.7 / aspect
    top, left = max(0, int(r0 - half_r)), max(0, int(c0 - half_c))
    patch = image[top : int(r0 + half_r) + 1, left : int(c0 + half_c) + 1]
    rr, cc = np.mgrid[top : top + patch.shape[0], left : left + patch.shape[1]]
    inside = ((rr - r0) * aspect) ** 2 + (cc - c0) ** 2 <= half_c**2
    values: FloatArray = patch[inside]
    return values


def smoothed_crop(
    image: FloatArray, center: tuple[float, float], radius: float, aspect: float
) -> tuple[FloatArray, tuple[int, int]]:
    """A lightly smoothed crop around a candidate (noise would jitter the edge points)."""
    half_c = int(radius * 1.8) + 8
    half_r = int(radius * 1.8 / aspect) + 8
    top, left = max(0, int(center[0]) - half_r), max(0, int(center[1]) - half_c)
    crop = image[top : int(center[0]) + half_r + 1, left : int(center[1]) + half_c + 1]
    return ndimage.gaussian_filter(crop, EDGE_SMOOTHING_PX), (top, left)
