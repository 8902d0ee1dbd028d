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

from ho_annotate.annotations.model import ManualCalibration, Spacing
from ho_annotate.calibration.head_edges import Edges, interior, ray_edges, smoothed_crop
from ho_annotate.calibration.manual import calibration_from_radius, fit_circle, pixel_aspect
from ho_annotate.errors import CalibrationError

__all__ = ["HeadCandidate", "find_prosthetic_heads", "head_calibration"]

FloatArray = npt.NDArray[np.float64]

#: Head radii searched, in mm at the detector (22 to 40 mm heads, magnification up to 1.35).
_RADIUS_MM = (9.0, 28.0)
#: The reduced copy used for candidate search is at most this many pixels on its long side.
_SEARCH_SIZE = 640
#: Systematic edge-location uncertainty (pixels) added to the fit's statistical one.
_EDGE_SYSTEMATIC_PX = 0.25


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


def _refine(
    image: FloatArray, seed: tuple[float, float, float], aspect: float, level: dict[str, float]
) -> HeadCandidate | None:
    center, radius = (seed[0], seed[1]), seed[2]
    image, offset = smoothed_crop(image, center, radius, aspect)
    center = (center[0] - offset[0], center[1] - offset[1])
    inside = interior(image, center, radius, aspect)
    if inside.size < 20:
        return None
    metal = float(np.median(inside))
    contrast_floor = 0.25 * (metal - level["background"])
    fit = None
    accepted = np.zeros(0, dtype=bool)
    for window in (0.3, 0.12, 0.06):
        edges = ray_edges(image, center, radius, aspect, window)
        good = edges.drops > max(contrast_floor, 1e-9)
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
    edges: Edges,
    accepted: npt.NDArray[np.bool_],
    level: dict[str, float],
    rms: float,
) -> HeadCandidate | None:
    coverage = float(accepted.mean())
    inside = interior(image, center, radius, aspect)
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
        coverage >= 0.3,
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
    aspect = pixel_aspect(spacing)
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
