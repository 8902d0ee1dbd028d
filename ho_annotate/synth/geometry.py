"""Shapes in patient-plane millimetres and the pixel grid they are drawn on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import ndimage
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from skimage.draw import polygon2mask

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Frame:
    """The pixel grid: pixel ``(row, col)`` centre sits at ``(y0 + row*s, x0 + col*s)`` mm.

    ``x`` runs to the image right (the patient's left in the standard AP display), ``y`` down;
    ``s`` is the pixel size at the patient plane (detector pixel / magnification).
    """

    rows: int
    cols: int
    s: float
    x0: float
    y0: float

    def to_px(self, x: float, y: float) -> tuple[float, float]:
        return ((y - self.y0) / self.s, (x - self.x0) / self.s)

    def extent(self) -> Polygon:
        """The imaged area at the patient plane (pixel centres of the border pixels)."""
        x1 = self.x0 + (self.cols - 1) * self.s
        y1 = self.y0 + (self.rows - 1) * self.s
        return Polygon([(self.x0, self.y0), (x1, self.y0), (x1, y1), (self.x0, y1)])

    def coords_px(self, geom: Polygon) -> list[tuple[float, float]]:
        """Exterior vertices of ``geom`` as ``(row, col)`` pixels, without the closing repeat."""
        xy = np.asarray(geom.exterior.coords)[:-1]
        return [self.to_px(float(x), float(y)) for x, y in xy]

    def mask(self, geom: BaseGeometry) -> BoolArray:
        """Pixels whose centre lies inside ``geom`` (polygons with holes, multipolygons)."""
        out = np.zeros((self.rows, self.cols), dtype=bool)
        for poly in getattr(geom, "geoms", [geom]):
            if poly.is_empty:
                continue
            out |= self._ring(np.asarray(poly.exterior.coords))
            for hole in poly.interiors:
                out &= ~self._ring(np.asarray(hole.coords))
        return out

    def _ring(self, xy: FloatArray) -> BoolArray:
        rc = np.column_stack([(xy[:, 1] - self.y0) / self.s, (xy[:, 0] - self.x0) / self.s])
        mask = polygon2mask((self.rows, self.cols), rc)  # type: ignore[no-untyped-call]
        return np.asarray(mask, dtype=np.bool_)

    def distance_inside(self, mask: BoolArray) -> FloatArray:
        """Distance in mm from each pixel inside ``mask`` to the outside."""
        return np.asarray(ndimage.distance_transform_edt(mask), dtype=np.float64) * self.s

    def grid(self) -> tuple[FloatArray, FloatArray]:
        """``(x, y)`` mm of every pixel centre."""
        ys = self.y0 + np.arange(self.rows) * self.s
        xs = self.x0 + np.arange(self.cols) * self.s
        x, y = np.meshgrid(xs, ys)
        return x, y


def ellipse(
    cx: float, cy: float, a: float, b: float, angle_deg: float = 0.0, n: int = 72
) -> Polygon:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x, y = a * np.cos(t), b * np.sin(t)
    th = np.deg2rad(angle_deg)
    xr = cx + x * np.cos(th) - y * np.sin(th)
    yr = cy + x * np.sin(th) + y * np.cos(th)
    return Polygon(np.column_stack([xr, yr]))


def blob(
    rng: np.random.Generator,
    cx: float,
    cy: float,
    a: float,
    b: float,
    angle_deg: float,
    roughness: float = 0.15,
    n: int = 56,
) -> Polygon:
    """An irregular, bone-like closed outline around an ellipse (random low-order harmonics)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    for k in range(2, 6):
        r += roughness / k * rng.normal() * np.cos(k * t + rng.uniform(0, 2 * np.pi))
    r += roughness * 0.15 * rng.normal(size=n)
    r = np.clip(r, 0.6, 1.5)
    x, y = a * r * np.cos(t), b * r * np.sin(t)
    th = np.deg2rad(angle_deg)
    poly = Polygon(
        np.column_stack(
            [cx + x * np.cos(th) - y * np.sin(th), cy + x * np.sin(th) + y * np.cos(th)]
        )
    )
    return _valid(poly)


def tongue(
    base: tuple[float, float],
    direction: tuple[float, float],
    length: float,
    base_half_width: float,
    tip_radius: float,
    wobble: FloatArray,
    n: int = 24,
) -> Polygon:
    """A tapering spur from ``base`` along ``direction`` ending in a round cap.

    The cap's apex lies at ``base + length * direction``. ``wobble`` (any length) modulates
    the half width along the shaft for an irregular outline.
    """
    ux, uy = np.asarray(direction, dtype=float) / np.hypot(*direction)
    vx, vy = -uy, ux
    shaft = max(length - tip_radius, 1e-3)
    s = np.linspace(0.0, 1.0, n)
    half = tip_radius + (base_half_width - tip_radius) * (1 - s) ** 1.3
    if wobble.size:
        half = half * (1 + np.interp(s, np.linspace(0, 1, wobble.size), wobble) * s * (1 - s) * 4)
    half = np.maximum(half, tip_radius * 0.8)
    along = s * shaft
    left = [(along[i], half[i]) for i in range(n)]
    cap_t = np.linspace(0, np.pi, 13)[1:-1]
    cap = [(shaft + tip_radius * np.sin(t), tip_radius * np.cos(t)) for t in cap_t]
    cap[len(cap) // 2] = (shaft + tip_radius, 0.0)
    right = [(along[i], -half[i]) for i in reversed(range(n))]
    bx, by = base
    xy = [(bx + a * ux + w * vx, by + a * uy + w * vy) for a, w in [*left, *cap, *right]]
    return _valid(Polygon(xy))


def band(p0: tuple[float, float], p1: tuple[float, float], half_width: float) -> Polygon:
    return LineString([p0, p1]).buffer(half_width, quad_segs=8)


def disc(cx: float, cy: float, r: float) -> Polygon:
    return Point(cx, cy).buffer(r, quad_segs=24)


def mirror(geom: Polygon) -> Polygon:
    """Reflect across the midline (x -> -x)."""
    out = shapely.transform(geom, lambda xy: xy * np.array([-1.0, 1.0]))
    return _valid(Polygon(out.exterior.coords, [h.coords for h in out.interiors]))


def _valid(poly: Polygon) -> Polygon:
    if poly.is_valid:
        return poly
    fixed = poly.buffer(0)
    if isinstance(fixed, Polygon):
        return fixed
    return max(fixed.geoms, key=lambda g: g.area)  # type: ignore[attr-defined, no-any-return]
