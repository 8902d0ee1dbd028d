"""Outline the structure under a click: an island, a spur or the bone, from the pixels nearby.

``outline_from_click(rad, point, kind=...)`` segments a local window only:

1. Bone is told from soft tissue by a threshold chosen from the window (Otsu, after metal is
   masked as in ``snapping``); holes are filled, so trabecular bone inside a cortical rim
   counts as bone.
2. The structure is the connected region under the click (or within ``GRAB_MM`` of it).
3. A bone body is what a disc of ``BODY_RADIUS_MM`` can sweep (a morphological opening, done
   with distance transforms in mm so anisotropic pixels are handled): a spur is narrower than
   that and a pelvis or femur is not. ``kind="spur"`` returns the part of the region outside
   the body, so a spur fused with its bone ends at the parent cortex and is never merged with
   it; ``kind="bone"`` returns the body without its spurs, cut to the window.
4. The outline is the region's contour, simplified to ``SIMPLIFY_MM``.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt
import shapely
from scipy import ndimage
from skimage.filters import threshold_otsu
from skimage.measure import approximate_polygon, find_contours

from ho_annotate.annotations.model import Point, Spacing
from ho_annotate.errors import HoAnnotateError
from ho_annotate.measurement.snapping import METAL_HALO_MM, metal_level

__all__ = ["OutlineError", "OutlineKind", "outline_from_click"]

OutlineKind = Literal["island", "spur", "bone"]
BoolArray = npt.NDArray[np.bool_]

#: Half the window side (mm) per kind: islands and spurs are a few cm at most.
WINDOW_MM: dict[str, float] = {"island": 20.0, "spur": 30.0, "bone": 30.0}
#: A click this close (mm) to a structure selects it.
GRAB_MM = 2.0
#: Radius (mm) of the disc that sweeps a bone body but not a spur.
BODY_RADIUS_MM = 12.0
#: Smaller discs tried, in order, when a broad-based spur lets the body's disc reach the click.
SMALLER_BODY_MM = (9.0, 7.0, 5.0)
#: Half-side (mm) of the neighbourhood of the click the bone threshold is chosen from.
THRESHOLD_MM = 10.0
#: Smallest outline (mm^2) worth returning.
MIN_AREA_MM2 = 3.0
#: Outline simplification tolerance (mm).
SIMPLIFY_MM = 0.2
#: Spacing assumed when the image has none (outlines are in pixels anyway).
FALLBACK_MM = 0.2


class OutlineError(HoAnnotateError):
    """Nothing can be outlined at the click; the message says why."""


class _Image(Protocol):
    @property
    def pixels(self) -> npt.NDArray[Any]: ...

    @property
    def spacing(self) -> Spacing | None: ...

    @property
    def value_range(self) -> tuple[float, float]: ...


def _edt(mask: BoolArray, spacing: tuple[float, float]) -> npt.NDArray[np.float64]:
    return np.asarray(ndimage.distance_transform_edt(mask, sampling=spacing), dtype=np.float64)


def _body(region: BoolArray, spacing: tuple[float, float], radius: float = 0.0) -> BoolArray:
    """Morphological opening of ``region`` by a disc of ``radius`` (``BODY_RADIUS_MM``)."""
    radius = radius or BODY_RADIUS_MM
    core = _edt(region, spacing) >= radius
    if not core.any():
        return np.zeros_like(region)
    return np.asarray(_edt(~core, spacing) <= radius, dtype=bool) & region


def _pick(mask: BoolArray, at: tuple[int, int], spacing: tuple[float, float]) -> BoolArray:
    """The connected part of ``mask`` under ``at`` or nearest to it within ``GRAB_MM``."""
    labels, n = ndimage.label(mask)
    if n == 0:
        return np.zeros_like(mask)
    lab = int(labels[at])
    if lab == 0:
        probe = np.ones_like(mask)
        probe[at] = False
        dist = _edt(probe, spacing)
        near = (labels > 0) & (dist <= GRAB_MM)
        if not near.any():
            return np.zeros_like(mask)
        lab = int(labels[near][np.argmin(dist[near])])
    return np.asarray(labels == lab, dtype=bool)


def _spur(
    region: BoolArray, body: BoolArray, at: tuple[int, int], spacing: tuple[float, float]
) -> BoolArray:
    """The spur under ``at``: the region outside the bone body. A broad-based spur lets the
    body's disc reach into it, so smaller discs are tried until the click is off the body."""
    for radius in (BODY_RADIUS_MM, *SMALLER_BODY_MM):
        if radius != BODY_RADIUS_MM:
            body = _body(region, spacing, radius)
        shape = _pick(region & ~body, at, spacing) if body.any() else region
        if shape.any() and not body[at]:
            return shape
    raise OutlineError(
        "cannot outline a spur: the click is on the body of a bone, not on a spur growing from it"
    )


def _simple_ring(ring: npt.NDArray[np.float64], tol_px: float) -> npt.NDArray[np.float64]:
    """A ring that does not cross itself: Douglas-Peucker can make one cross (and a contour can
    pinch at a diagonal pixel), and sidecars refuse such outlines. The largest valid part,
    simplified keeping its topology."""
    valid = shapely.make_valid(shapely.Polygon(ring))
    parts = [g for g in shapely.get_parts(valid) if isinstance(g, shapely.Polygon)]
    if not parts:
        return ring
    kept = max(parts, key=lambda g: g.area).simplify(tol_px, preserve_topology=True)
    return np.asarray(shapely.get_exterior_ring(kept).coords, dtype=np.float64)


def _polygon(region: BoolArray, origin: tuple[int, int], tol_px: float) -> list[Point]:
    padded = np.pad(region.astype(np.float64), 1)
    contours = find_contours(padded, 0.5)  # type: ignore[no-untyped-call]
    ring = max(contours, key=len)
    simple = approximate_polygon(ring, tolerance=tol_px)  # type: ignore[no-untyped-call]
    if not shapely.Polygon(simple).is_valid:
        simple = _simple_ring(ring, tol_px)
    if len(simple) > 1 and np.allclose(simple[0], simple[-1]):
        simple = simple[:-1]
    return [(float(r - 1 + origin[0]), float(c - 1 + origin[1])) for r, c in simple]


def outline_from_click(rad: _Image, point: Point, *, kind: OutlineKind) -> list[Point]:
    """The outline (``(row, col)`` pixels, not closed) of the ``kind`` under ``point``.

    Raises ``OutlineError`` when nothing of that kind can be outlined there.
    """
    if kind not in WINDOW_MM:
        raise OutlineError(f"cannot outline a {kind!r}: choose island, spur or bone")
    spacing = (rad.spacing.row_mm, rad.spacing.col_mm) if rad.spacing else (FALLBACK_MM,) * 2
    image = rad.pixels
    h, w = image.shape[:2]
    r, c = float(point[0]), float(point[1])
    if not (0 <= r <= h - 1 and 0 <= c <= w - 1):
        raise OutlineError(f"cannot outline a {kind}: the click lies outside the image")
    half = WINDOW_MM[kind]
    hr, hc = half / spacing[0], half / spacing[1]
    r0, r1 = max(int(r - hr), 0), min(math.ceil(r + hr) + 1, h)
    c0, c1 = max(int(c - hc), 0), min(math.ceil(c + hc) + 1, w)
    crop = np.asarray(image[r0:r1, c0:c1], dtype=np.float64)
    at = (round(r) - r0, round(c) - c0)
    sigma = (max(0.15 / spacing[0], 0.6), max(0.15 / spacing[1], 0.6))
    smooth = ndimage.gaussian_filter(crop, sigma)
    level = metal_level(rad, crop)
    metal = smooth >= level
    if metal.any():
        metal = _edt(~metal, spacing) <= METAL_HALO_MM
    # The threshold comes from the click's neighbourhood: the structure under the click and
    # the soft tissue around it, not a bright bone elsewhere in the window.
    nr, nc = int(THRESHOLD_MM / spacing[0]), int(THRESHOLD_MM / spacing[1])
    near = (slice(max(at[0] - nr, 0), at[0] + nr + 1), slice(max(at[1] - nc, 0), at[1] + nc + 1))
    usable = smooth[near][~metal[near]]
    if usable.size < 16 or float(usable.max()) == float(usable.min()):
        raise OutlineError(f"cannot outline a {kind}: no contrast around the click")
    threshold = float(threshold_otsu(usable))  # type: ignore[no-untyped-call]
    bone = ndimage.binary_fill_holes((smooth > threshold) & ~metal)
    region = _pick(np.asarray(bone, dtype=bool), at, spacing)
    if not region.any():
        raise OutlineError(
            f"cannot outline a {kind}: no bone under the click or within {GRAB_MM:g} mm of it"
        )
    touches = bool(region[0].any() or region[-1].any() or region[:, 0].any() or region[:, -1].any())
    body = _body(region, spacing)
    if kind == "island":
        if body.any() or touches:
            raise OutlineError(
                "cannot outline an island: the bone under the click is part of a larger bone "
                "(outline it as a spur or a bone)"
            )
        shape = region
    elif kind == "spur":
        shape = region if not body.any() else _spur(region, body, at, spacing)
    else:
        if not body.any():
            raise OutlineError(
                "cannot outline a bone: the structure under the click is too small for a bone "
                "(outline it as an island or a spur)"
            )
        shape = _pick(body, at, spacing)
        if not shape.any():
            shape = body
    shape = np.asarray(ndimage.binary_opening(shape), dtype=bool)
    area = float(shape.sum()) * spacing[0] * spacing[1]
    if area < MIN_AREA_MM2:
        raise OutlineError(
            f"cannot outline a {kind}: the structure under the click is only {area:.1f} mm^2"
        )
    tol = SIMPLIFY_MM / min(spacing)
    return _polygon(_pick(shape, at, spacing) if shape[at] else shape, (r0, c0), tol)
