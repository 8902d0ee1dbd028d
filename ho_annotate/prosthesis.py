"""Find prosthetic femoral heads: the brightest metal discs, with a sub-pixel radius.

1. Candidates: on a reduced copy, bright masks at a few levels of the upper intensity range;
   in each, local maxima of the distance transform are inscribed discs, kept when most of the
   circle just outside them is free (a head touches its neck and maybe the cup over a short
   arc, a stem or a bone does not look like that).
2. Refinement at full resolution: along rays from the centre, the steepest fall of intensity
   near the expected radius, located to a fraction of a pixel; a least-squares circle through
   these edge points, dropping rays that run into the neck or the cup.
3. Acceptance: a flat, very bright interior well above its surroundings, a consistent edge on
   most of the circumference. Images without metal return ``[]``.

Works on ``Radiograph.pixels`` (bone bright, so MONOCHROME1 needs nothing special). With an
anisotropic header spacing, edges are fitted in square units and the radius is in column pixels.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from ho_annotate.calibration import calibration_from_radius, fit_circle
from ho_annotate.errors import CalibrationError
from ho_annotate.model import ManualCalibration, Spacing

__all__ = ["HeadCandidate", "find_prosthetic_heads", "head_calibration"]

FloatArray = npt.NDArray[np.float64]

#: Head radii searched, in mm at the detector (22 to 40 mm heads, magnification up to 1.35).
_RADIUS_MM = (9.0, 28.0)
#: The reduced copy used for candidate search is at most this many pixels on its long side.
_SEARCH_SIZE = 640
#: Systematic edge-location uncertainty (pixels) added to the fit's statistical one.
_EDGE_SYSTEMATIC_PX = 0.25
_N_RAYS = 240
#: Gaussian smoothing (pixels) before edge search: steadies edges, moves a step edge by nothing.
_EDGE_SMOOTHING_PX = 1.0
#: Smallest half-width (pixels) of the edge search along a ray.
_MIN_WINDOW_PX = 3.0


class _Image(Protocol):
    @property
    def pixels(self) -> npt.NDArray[Any]: ...

    @property
    def spacing(self) -> Spacing | None: ...


@dataclass(frozen=True)
class HeadCandidate:
    """A prosthetic head found in the image (pixel coordinates of ``pixels``)."""

    center: tuple[float, float]
    #: Radius in column pixels (the same as row pixels unless the spacing is anisotropic).
    radius_px: float
    #: 0..1, higher is more head-like; candidates are returned best first.
    score: float
    #: Standard uncertainty of the radius, pixels (fit statistics plus edge definition).
    radius_sd_px: float
    #: Fraction of the circumference with a clean edge.
    coverage: float
    #: RMS distance of the accepted edge points from the circle, pixels.
    rms_px: float


def head_calibration(
    candidate: HeadCandidate, diameter_mm: float, header_spacing: Spacing | None
) -> ManualCalibration:
    """The calibration implied by a head of known diameter (method ``prosthetic_head``)."""
    return calibration_from_radius(
        candidate.radius_px, candidate.radius_sd_px, diameter_mm, header_spacing
    )


def _aspect(spacing: Spacing | None) -> float:
    return 1.0 if spacing is None else spacing.row_mm / spacing.col_mm


def _radius_range(shape: tuple[int, ...], spacing: Spacing | None) -> tuple[float, float]:
    """Head radii to accept, in column pixels."""
    if spacing is not None:
        return (_RADIUS_MM[0] / spacing.col_mm, _RADIUS_MM[1] / spacing.col_mm)
    short = min(shape)
    return (max(6.0, short / 40), short / 4)


def _reduce(image: FloatArray) -> tuple[FloatArray, int]:
    factor = max(1, math.ceil(max(image.shape) / _SEARCH_SIZE))
    if factor == 1:
        return image, 1
    rows, cols = (image.shape[0] // factor) * factor, (image.shape[1] // factor) * factor
    blocks = image[:rows, :cols].reshape(rows // factor, factor, cols // factor, factor)
    return blocks.mean(axis=(1, 3)), factor


def _seeds(
    small: FloatArray, rmin: float, rmax: float, aspect: float
) -> list[tuple[float, float, float]]:
    """``(row, col, radius)`` inscribed discs in bright masks of the reduced image."""
    from skimage.feature import peak_local_max

    smooth = ndimage.gaussian_filter(small, 1.0)
    base, top = np.percentile(smooth, [50, 99.95])
    seeds: list[tuple[float, float, float]] = []
    for fraction in (0.45, 0.6, 0.75, 0.88):
        mask = smooth > base + fraction * (top - base)
        mask = ndimage.binary_fill_holes(ndimage.binary_opening(mask, iterations=1))
        distance = ndimage.distance_transform_edt(mask)
        peaks = peak_local_max(  # type: ignore[no-untyped-call]
            distance,
            min_distance=max(2, int(rmin * 0.8)),
            threshold_abs=max(2.0, rmin * 0.8),
            exclude_border=False,
        )
        for row, col in peaks:
            radius = float(distance[row, col])
            if radius > rmax * 1.1 or _free_fraction(mask, row, col, radius, aspect) < 0.55:
                continue
            seeds.append((float(row), float(col), radius))
    return seeds


def _free_fraction(
    mask: npt.NDArray[np.bool_], row: float, col: float, radius: float, aspect: float
) -> float:
    """Fraction of the head's outline, just outside an inscribed disc, that is not in the mask.

    ``radius`` is the inscribed disc's; with ``aspect != 1`` the outline is an ellipse.
    """
    col_radius = radius * max(1.0, aspect)
    angles = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    probe_c, probe_r = col_radius * 1.15 + 1.5, col_radius / aspect * 1.15 + 1.5
    rows = np.clip(np.round(row + probe_r * np.sin(angles)).astype(int), 0, mask.shape[0] - 1)
    cols = np.clip(np.round(col + probe_c * np.cos(angles)).astype(int), 0, mask.shape[1] - 1)
    return float(np.mean(~mask[rows, cols]))


@dataclass(frozen=True)
class _Edges:
    points: FloatArray  # (n, 2) edge points (row, col), pixels
    drops: FloatArray  # intensity fall across each edge
    outside: FloatArray  # intensity just outside each edge


def _ray_edges(
    image: FloatArray,
    center: tuple[float, float],
    radius: float,
    aspect: float,
    window: float,
) -> _Edges:
    """Per ray near ``radius * (1 +/- window)``: the steepest fall, to a fraction of a pixel.

    The steepest fall marks a metal edge whatever its profile: a step (saturated metal), or the
    rim of a sphere's projected thickness, whose slope is largest right at the rim.
    """
    angles = np.linspace(0, 2 * np.pi, _N_RAYS, endpoint=False)
    sin, cos = np.sin(angles), np.cos(angles)
    # distance along each ray (pixels) at which the circle of ``radius`` column pixels lies
    expected = radius / np.hypot(sin * aspect, cos)
    step = 0.25
    window = max(window, _MIN_WINDOW_PX / radius)
    reach = round(3.0 / step)  # the levels either side are read 3 pixels off the edge
    margin = (2 * reach + 2) * step / radius
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
    # a rise soon after the fall means a neighbour (the cup's shell) that pulls the edge in
    beyond = profiles[idx[:, None], np.clip(k[:, None] + np.arange(2 * reach), 0, n_samples - 1)]
    later_max = np.maximum.accumulate(beyond[:, ::-1], axis=1)[:, ::-1]
    rise = np.max(later_max - beyond, axis=1)
    drops = np.where(on_border, 0.0, before - after)
    return _Edges(points=points, drops=np.where(rise > 0.15 * drops, 0.0, drops), outside=after)


def _interior(
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


def _smoothed_crop(
    image: FloatArray, center: tuple[float, float], radius: float, aspect: float
) -> tuple[FloatArray, tuple[int, int]]:
    """A lightly smoothed crop around a candidate (noise would jitter the edge points)."""
    half_c = int(radius * 1.8) + 8
    half_r = int(radius * 1.8 / aspect) + 8
    top, left = max(0, int(center[0]) - half_r), max(0, int(center[1]) - half_c)
    crop = image[top : int(center[0]) + half_r + 1, left : int(center[1]) + half_c + 1]
    return ndimage.gaussian_filter(crop, _EDGE_SMOOTHING_PX), (top, left)


def _refine(
    image: FloatArray, seed: tuple[float, float, float], aspect: float, level: dict[str, float]
) -> HeadCandidate | None:
    center, radius = (seed[0], seed[1]), seed[2]
    image, offset = _smoothed_crop(image, center, radius, aspect)
    center = (center[0] - offset[0], center[1] - offset[1])
    inside = _interior(image, center, radius, aspect)
    if inside.size < 20:
        return None
    metal = float(np.median(inside))
    contrast_floor = 0.25 * (metal - level["background"])
    fit = None
    accepted = np.zeros(0, dtype=bool)
    for window in (0.3, 0.12, 0.06):
        edges = _ray_edges(image, center, radius, aspect, window)
        good = edges.drops > max(contrast_floor, 1e-9)
        if good.any():
            # rays into the cup or the neck fall less than the clean ones
            good &= edges.drops >= 0.6 * float(np.percentile(edges.drops[good], 90))
        if good.any():
            darkest = float(np.percentile(edges.outside[good], 25))
            good &= edges.outside <= darkest + 0.35 * (metal - darkest)
        if good.sum() < 12:
            return None
        scaled = edges.points * np.array([aspect, 1.0])
        for _ in range(3):
            try:
                fit = fit_circle(scaled[good], click_px=0.0)
            except CalibrationError:
                return None
            centred = scaled - np.array(fit.center)
            residual = np.hypot(centred[:, 0], centred[:, 1]) - fit.radius
            spread = 1.4826 * float(np.median(np.abs(residual[good])))
            keep = good & (np.abs(residual) <= max(3 * spread, 0.75))
            if keep.sum() < 12 or np.array_equal(keep, good):
                good = keep
                break
            good = keep
        if fit is None or good.sum() < 12:
            return None
        center, radius = (fit.center[0] / aspect, fit.center[1]), fit.radius
        accepted = good
    assert fit is not None
    found = _judge(image, center, radius, aspect, edges, accepted, level, fit.rms)
    if found is None:
        return None
    row, col = found.center
    return dataclasses.replace(found, center=(row + offset[0], col + offset[1]))


def _judge(
    image: FloatArray,
    center: tuple[float, float],
    radius: float,
    aspect: float,
    edges: _Edges,
    accepted: npt.NDArray[np.bool_],
    level: dict[str, float],
    rms: float,
) -> HeadCandidate | None:
    coverage = float(accepted.mean())
    inside = _interior(image, center, radius, aspect)
    if inside.size < 20 or not accepted.any():
        return None
    metal = float(np.median(inside))
    outside = float(np.median(edges.outside[accepted]))
    spread = 1.4826 * float(np.median(np.abs(inside - metal)))
    contrast = metal - outside
    dynamic = level["top"] - level["background"]
    if contrast <= 0 or dynamic <= 0:
        return None
    checks = (
        coverage >= 0.4,
        rms <= 0.3 + 0.006 * radius,
        spread <= 0.12 * contrast,
        contrast >= 0.3 * dynamic,
        metal >= level["background"] + 0.8 * dynamic,
    )
    if not all(checks):
        return None
    n = int(accepted.sum())
    statistical = rms / math.sqrt(max(n / 2.0 - 3, 1.0))  # neighbouring rays are correlated
    radius_sd = math.hypot(statistical, _EDGE_SYSTEMATIC_PX)
    score = coverage * math.exp(-rms / max(0.01 * radius, 0.5)) * min(1.0, contrast / dynamic)
    return HeadCandidate(
        center=(float(center[0]), float(center[1])),
        radius_px=float(radius),
        score=float(score),
        radius_sd_px=radius_sd,
        coverage=coverage,
        rms_px=float(rms),
    )


def find_prosthetic_heads(rad: _Image, *, max_heads: int = 4) -> list[HeadCandidate]:
    """Prosthetic femoral heads in a radiograph, best first; ``[]`` when there is none."""
    image = np.asarray(rad.pixels, dtype=np.float64)
    if image.ndim != 2 or min(image.shape) < 16:
        return []
    spacing = rad.spacing
    aspect = _aspect(spacing)
    rmin, rmax = _radius_range(image.shape, spacing)
    # an inscribed disc in pixels spans the shorter semi-axis of the head's ellipse
    to_pixels = (min(1.0, 1 / aspect), max(1.0, 1 / aspect))
    small, factor = _reduce(image)
    p50, top = np.percentile(small, [50, 99.95])
    level = {"background": float(p50), "top": float(top)}
    found: list[HeadCandidate] = []
    tried: list[tuple[float, float, float]] = []
    seeds = _seeds(small, rmin * to_pixels[0] / factor, rmax * to_pixels[1] / factor, aspect)
    for row, col, radius in seeds:
        col_radius = radius * factor / to_pixels[0]
        seed = (row * factor + (factor - 1) / 2, col * factor + (factor - 1) / 2, col_radius)
        if any(math.dist(seed[:2], t[:2]) < 0.25 * t[2] for t in tried):
            continue
        tried.append(seed)
        candidate = _refine(image, seed, aspect, level)
        if candidate is None or not rmin <= candidate.radius_px <= rmax:
            continue
        if any(math.dist(candidate.center, c.center) < 0.5 * c.radius_px for c in found):
            continue
        found.append(candidate)
    found.sort(key=lambda c: c.score, reverse=True)
    return found[:max_heads]
