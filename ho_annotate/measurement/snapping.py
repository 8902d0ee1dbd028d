"""Snap a reader's gap line to the bone edges: the narrowest gap near two clicks, in mm.

``snap_gap_line(rad, start, end)`` works in a local window around the clicks only:

1. Metal and cement are masked: pixels above ``METAL_FRACTION`` of the image's value range
   (brighter than any cortical bone after processing), and bright pixels connected to a
   prosthetic head passed in ``heads`` (see ``ho_annotate.find_prosthetic_heads``), plus a
   ``METAL_HALO_MM`` halo for their blurred rim.
2. Bone is told from soft tissue by a threshold chosen from the window itself (Otsu), only to
   say which pixels belong to which structure; the edge itself is the gradient maximum along
   the edge normal, found to a fraction of a pixel (a parabola through the sampled profile).
3. The structure nearest each click, within ``search_mm`` of it, gives the edge points on that
   side; two different structures are needed. The gap is the shortest segment between the two
   edge sets whose ends face each other (each edge's normal points away from the other end).

With no edge pair in reach the clicks come back unchanged with ``found=False`` and the reason:
the snap never reaches for a structure farther than ``search_mm`` from a click.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from scipy import ndimage
from skimage.filters import threshold_otsu

from ho_annotate.annotations.model import Point, Spacing

__all__ = [
    "DEFAULT_SEARCH_MM",
    "GapSnap",
    "snap_gap_line",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: How far (mm) from each click the snap looks for a bone edge. A reader's click lands within
#: about 1 mm of where it was meant (2 mm at worst), so 3 mm covers it without reaching the
#: next structure over.
DEFAULT_SEARCH_MM = 3.0
#: Pixels above this fraction of the value range are metal (bone stays below it after
#: processing; heads, stems and cups saturate near the top).
METAL_FRACTION = 0.9
#: The blurred rim around metal that is not bone either.
METAL_HALO_MM = 1.0
#: Gaussian smoothing (mm, at least 0.6 pixel) before edges are located.
SMOOTHING_MM = 0.1
#: Bone regions smaller than this (mm^2) are noise, not a structure.
MIN_AREA_MM2 = 1.0
#: How far (mm) either side of the threshold boundary the gradient maximum is sought.
EDGE_REACH_MM = 0.9
#: Systematic uncertainty (pixels) of a sub-pixel edge, added to the measured scatter.
EDGE_SYSTEMATIC_PX = 0.25
#: A projected round bone rises like the chord through it (square-root onset); blur moves the
#: gradient maximum of such an edge inward by 0.77 sigma, while the outer flank of the
#: derivative reaches half its peak 1.47 sigma before it. The edge is moved back outward by
#: this fraction of that distance (0.77 / 1.47), so the blur is measured, not assumed.
CHORD_SHIFT = 0.52
#: Edge points are averaged across the edge over neighbours this close (mm).
SETTLE_MM = 0.5
#: The end normals must face each other at least this well (cosine).
FACING = 0.3


class _Image(Protocol):
    @property
    def pixels(self) -> npt.NDArray[Any]: ...

    @property
    def spacing(self) -> Spacing | None: ...

    @property
    def value_range(self) -> tuple[float, float]: ...


class _Head(Protocol):
    @property
    def center(self) -> tuple[float, float]: ...

    @property
    def radius_px(self) -> float: ...


@dataclass(frozen=True)
class GapSnap:
    """The result of ``snap_gap_line``: the snapped line or the clicks, and how sure it is."""

    #: ``(row, col)`` ends on the opposing bone edges, or the clicks when nothing was found.
    points: tuple[Point, Point]
    #: The reader's clicks as given.
    clicks: tuple[Point, Point]
    found: bool
    #: Why the line was (or was not) snapped, one sentence.
    reason: str
    #: Length of ``points`` in mm (anisotropic spacing respected); ``None`` without spacing.
    length_mm: float | None
    #: How far each end moved from its click, mm (0 when not found); ``None`` without spacing.
    moved_mm: tuple[float, float] | None
    #: Standard uncertainty of ``length_mm`` from locating the two edges, mm; ``None`` when
    #: not found (then the reader's click uncertainty applies).
    uncertainty_mm: float | None
    search_mm: float


def _length(a: Point, b: Point, spacing: Spacing) -> float:
    return math.hypot((a[0] - b[0]) * spacing.row_mm, (a[1] - b[1]) * spacing.col_mm)


def _unchanged(
    clicks: tuple[Point, Point], spacing: Spacing | None, reason: str, search_mm: float
) -> GapSnap:
    length = _length(*clicks, spacing) if spacing is not None else None
    return GapSnap(
        points=clicks,
        clicks=clicks,
        found=False,
        reason=reason,
        length_mm=length,
        moved_mm=(0.0, 0.0) if spacing is not None else None,
        uncertainty_mm=None,
        search_mm=search_mm,
    )


def metal_level(rad: _Image, crop: FloatArray) -> float:
    """The intensity above which a pixel is metal (from the value range, else the data)."""
    lo, hi = rad.value_range
    if not hi > lo:
        lo, hi = float(crop.min()), float(crop.max())
    return lo + METAL_FRACTION * (hi - lo)


def _metal_mask(
    crop: FloatArray,
    level: float,
    bone_level: float,
    origin: tuple[int, int],
    heads: Sequence[_Head],
    halo_px: tuple[float, float],
) -> BoolArray:
    metal = crop >= level
    if heads:
        rows, cols = np.indices(crop.shape, dtype=np.float64)
        rows += origin[0]
        cols += origin[1]
        seed = np.zeros(crop.shape, dtype=bool)
        for h in heads:
            seed |= np.hypot(rows - h.center[0], cols - h.center[1]) <= 1.1 * h.radius_px
        if seed.any():
            bright = crop >= 0.5 * (bone_level + level)
            labels, _ = ndimage.label(bright | seed)
            touched = np.unique(labels[seed])
            metal |= np.isin(labels, touched[touched > 0])
    if metal.any():
        dist = ndimage.distance_transform_edt(~metal, sampling=(1.0 / halo_px[0], 1.0 / halo_px[1]))
        metal = np.asarray(dist <= 1.0, dtype=bool)
    return metal


@dataclass(frozen=True)
class _Edges:
    points: FloatArray  # (n, 2) sub-pixel (row, col) in window pixels
    normals: FloatArray  # (n, 2) unit normals in mm space (row, col), pointing into the bone
    strength: FloatArray  # directional derivative at the edge


def _edges(
    grad: tuple[FloatArray, FloatArray],
    region: BoolArray,
    near: BoolArray,
    spacing: Spacing,
    metal: BoolArray,
) -> _Edges:
    """Sub-pixel edge points of ``region`` where its boundary lies in ``near``."""
    boundary = region & ~ndimage.binary_erosion(region) & near
    rr, cc = np.nonzero(boundary)
    empty = np.zeros((0, 2))
    if rr.size == 0:
        return _Edges(empty, empty, np.zeros(0))
    gr, gc = grad[0][rr, cc], grad[1][rr, cc]
    norm = np.hypot(gr, gc)
    ok = norm > 0
    rr, cc, gr, gc, norm = rr[ok], cc[ok], gr[ok], gc[ok], norm[ok]
    nr, nc = gr / norm, gc / norm  # mm-space unit normal, uphill (into the bone)
    step_mm = 0.25 * min(spacing.row_mm, spacing.col_mm)
    ts = np.arange(-EDGE_REACH_MM, EDGE_REACH_MM + 1e-9, step_mm)
    prow = rr[:, None] + ts[None, :] * nr[:, None] / spacing.row_mm
    pcol = cc[:, None] + ts[None, :] * nc[:, None] / spacing.col_mm
    coords = [prow.ravel(), pcol.ravel()]
    dr = ndimage.map_coordinates(grad[0], coords, order=1, mode="nearest").reshape(prow.shape)
    dc = ndimage.map_coordinates(grad[1], coords, order=1, mode="nearest").reshape(prow.shape)
    deriv = dr * nr[:, None] + dc * nc[:, None]
    k = np.argmax(deriv, axis=1)
    inner = (k > 0) & (k < ts.size - 1)
    idx = np.arange(k.size)
    km, kp = np.clip(k - 1, 0, ts.size - 1), np.clip(k + 1, 0, ts.size - 1)
    y0, y1, y2 = deriv[idx, km], deriv[idx, k], deriv[idx, kp]
    denom = y0 - 2 * y1 + y2
    frac = np.where(inner & (denom < 0), 0.5 * (y0 - y2) / np.where(denom < 0, denom, -1), 0.0)
    t = ts[k] + np.clip(frac, -0.5, 0.5) * step_mm
    # The outer half-maximum of the derivative (toward the soft tissue, smaller t).
    below = (deriv < 0.5 * deriv[idx, k][:, None]) & (np.arange(ts.size)[None, :] < k[:, None])
    has = below.any(axis=1)
    j = np.where(has, ts.size - 1 - np.argmax(below[:, ::-1], axis=1), 0)
    j1 = np.clip(j + 1, 0, ts.size - 1)
    d0, d1 = deriv[idx, j], deriv[idx, j1]
    half = 0.5 * deriv[idx, k]
    w = np.where(d1 > d0, (half - d0) / np.where(d1 > d0, d1 - d0, 1.0), 0.0)
    t_half = ts[j] + np.clip(w, 0.0, 1.0) * step_mm
    t = t - CHORD_SHIFT * np.maximum(t - t_half, 0.0)
    inner &= has
    pts = np.column_stack([rr + t * nr / spacing.row_mm, cc + t * nc / spacing.col_mm])
    strength = y1
    keep = inner & (strength > 0)
    ir = np.clip(np.round(pts[:, 0]).astype(int), 0, metal.shape[0] - 1)
    ic = np.clip(np.round(pts[:, 1]).astype(int), 0, metal.shape[1] - 1)
    keep &= ~metal[ir, ic]
    if keep.any():
        # A clear edge, not a ripple in the bone: at least a third of the typical strength.
        keep &= strength >= 0.33 * np.median(strength[keep])
    return _settle(_Edges(pts[keep], np.column_stack([nr, nc])[keep], strength[keep]), spacing)


def _settle(edges: _Edges, spacing: Spacing) -> _Edges:
    """Move each edge point along its normal to the mean of its neighbours (within
    ``SETTLE_MM``): the narrowest gap is a minimum, and a minimum over noisy points is
    biased short, so the noise across the edge is averaged out first."""
    if len(edges.points) < 2:
        return edges
    scale = np.array(spacing.mm)
    mm = edges.points * scale
    diff = mm[None, :, :] - mm[:, None, :]
    near = np.hypot(diff[..., 0], diff[..., 1]) <= SETTLE_MM
    across = (diff * edges.normals[:, None, :]).sum(-1)
    shift = (across * near).sum(1) / near.sum(1)
    moved = (mm + shift[:, None] * edges.normals) / scale
    return _Edges(moved, edges.normals, edges.strength)


def _scatter_mm(edges: _Edges, i: int, spacing: Spacing) -> float:
    """RMS distance (mm) of the edge points within 1 mm of point ``i`` from their best line."""
    mm = edges.points * np.array(spacing.mm)
    d = np.hypot(*(mm - mm[i]).T)
    local = mm[d <= 1.0]
    if len(local) < 4:
        return 0.0
    centred = local - local.mean(axis=0)
    s = np.linalg.svd(centred, compute_uv=False)
    return float(s[-1] / math.sqrt(len(local)))


def snap_gap_line(
    rad: _Image,
    start: Point,
    end: Point,
    *,
    search_mm: float = DEFAULT_SEARCH_MM,
    heads: Sequence[_Head] = (),
) -> GapSnap:
    """Move a reader's gap line to the narrowest gap between the bone edges near its ends.

    ``start`` and ``end`` are ``(row, col)`` pixels of ``rad.pixels``; the mm come from
    ``rad.spacing`` (use ``rad.with_calibration(...)`` for a manual calibration). ``heads``
    (from ``find_prosthetic_heads``) adds metal connected to a found head to the mask.
    """
    clicks = ((float(start[0]), float(start[1])), (float(end[0]), float(end[1])))
    spacing = rad.spacing
    if search_mm <= 0:
        raise ValueError("search_mm must be positive")
    if spacing is None:
        return _unchanged(
            clicks, None, "not snapped: the image has no pixel spacing to search in mm", search_mm
        )
    image = rad.pixels
    h, w = image.shape[:2]
    if not all(0 <= p[0] <= h - 1 and 0 <= p[1] <= w - 1 for p in clicks):
        return _unchanged(clicks, spacing, "not snapped: a click lies outside the image", search_mm)
    margin_mm = search_mm + EDGE_REACH_MM + 1.0
    mr, mc = margin_mm / spacing.row_mm, margin_mm / spacing.col_mm
    r0 = max(math.floor(min(clicks[0][0], clicks[1][0]) - mr), 0)
    r1 = min(math.ceil(max(clicks[0][0], clicks[1][0]) + mr) + 1, h)
    c0 = max(math.floor(min(clicks[0][1], clicks[1][1]) - mc), 0)
    c1 = min(math.ceil(max(clicks[0][1], clicks[1][1]) + mc) + 1, w)
    crop = np.asarray(image[r0:r1, c0:c1], dtype=np.float64)
    local = [(p[0] - r0, p[1] - c0) for p in clicks]

    sigma = (max(SMOOTHING_MM / spacing.row_mm, 0.6), max(SMOOTHING_MM / spacing.col_mm, 0.6))
    smooth = ndimage.gaussian_filter(crop, sigma)
    level = metal_level(rad, crop)
    below = smooth[smooth < level]
    if below.size < 16 or float(below.max()) == float(below.min()):
        return _unchanged(clicks, spacing, "not snapped: no contrast near the clicks", search_mm)
    t_bone = float(threshold_otsu(below))  # type: ignore[no-untyped-call]
    halo = (METAL_HALO_MM / spacing.row_mm, METAL_HALO_MM / spacing.col_mm)
    metal = _metal_mask(crop, level, t_bone, (r0, c0), heads, halo)
    bone = (smooth > t_bone) & ~metal
    labels, n = ndimage.label(bone)
    if n == 0:
        return _unchanged(clicks, spacing, "not snapped: no bone near the clicks", search_mm)
    sizes = np.bincount(labels.ravel())
    min_px = MIN_AREA_MM2 / (spacing.row_mm * spacing.col_mm)

    rows, cols = np.indices(crop.shape, dtype=np.float64)
    dists = [
        np.hypot((rows - p[0]) * spacing.row_mm, (cols - p[1]) * spacing.col_mm) for p in local
    ]
    reach = [d <= search_mm for d in dists]
    # The structures each click can reach, nearest first.
    options: list[list[tuple[float, int]]] = []
    for d, near in zip(dists, reach, strict=True):
        found = {}
        hit = labels[near]
        for lab in np.unique(hit[hit > 0]):
            if sizes[lab] >= min_px:
                found[int(lab)] = float(d[(labels == lab) & near].min())
        options.append(sorted((v, k) for k, v in found.items()))
    pairs = sorted((da + db, a, b) for da, a in options[0] for db, b in options[1] if a != b)
    if not pairs:
        if options[0] and options[1]:
            reason = "both clicks are on the same structure"
        elif not options[0] and not options[1]:
            reason = f"no bone edge within {search_mm:g} mm of either click"
        else:
            side = "start" if not options[0] else "end"
            reason = f"no bone edge within {search_mm:g} mm of the {side} click"
        return _unchanged(clicks, spacing, f"not snapped: {reason}", search_mm)

    gy, gx = np.gradient(smooth)
    grad = (gy / spacing.row_mm, gx / spacing.col_mm)
    scale = np.array(spacing.mm)
    for _, a, b in pairs:
        ea = _edges(grad, labels == a, reach[0], spacing, metal)
        eb = _edges(grad, labels == b, reach[1], spacing, metal)
        if len(ea.points) == 0 or len(eb.points) == 0:
            continue
        pa, pb = ea.points * scale, eb.points * scale
        diff = pb[None, :, :] - pa[:, None, :]
        dist = np.hypot(diff[..., 0], diff[..., 1])
        u = diff / np.maximum(dist, 1e-9)[..., None]
        # Normals point into each bone: away from the other end at a true opposing pair.
        face_a = -(u * ea.normals[:, None, :]).sum(-1)
        face_b = (u * eb.normals[None, :, :]).sum(-1)
        dist = np.where((face_a >= FACING) & (face_b >= FACING), dist, np.inf)
        i, j = np.unravel_index(int(np.argmin(dist)), dist.shape)
        if not np.isfinite(dist[i, j]):
            continue
        p = (float(ea.points[i, 0] + r0), float(ea.points[i, 1] + c0))
        q = (float(eb.points[j, 0] + r0), float(eb.points[j, 1] + c0))
        direction = u[i, j]
        px_along = math.hypot(direction[0] * spacing.row_mm, direction[1] * spacing.col_mm)
        sys_mm = EDGE_SYSTEMATIC_PX * px_along
        ua = math.hypot(_scatter_mm(ea, int(i), spacing), sys_mm)
        ub = math.hypot(_scatter_mm(eb, int(j), spacing), sys_mm)
        moved = (_length(clicks[0], p, spacing), _length(clicks[1], q, spacing))
        return GapSnap(
            points=(p, q),
            clicks=clicks,
            found=True,
            reason=(
                f"snapped to the narrowest gap between the bone edges within {search_mm:g} mm "
                "of the clicks"
            ),
            length_mm=_length(p, q, spacing),
            moved_mm=moved,
            uncertainty_mm=math.hypot(ua, ub),
            search_mm=search_mm,
        )
    return _unchanged(
        clicks,
        spacing,
        f"not snapped: no pair of facing bone edges within {search_mm:g} mm of the clicks",
        search_mm,
    )
