"""Shapes in patient-plane millimetres and the pixel grid they are drawn on."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.fft as sfft
import shapely
from numpy.typing import NDArray
from scipy import ndimage
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

FloatArray = NDArray[np.float32]
BoolArray = NDArray[np.bool_]
Bounds = tuple[float, float, float, float]


@dataclass(frozen=True)
class Frame:
    """The pixel grid: pixel ``(row, col)`` centre sits at ``(y0 + row*s, x0 + col*s)`` mm.

    ``x`` runs to the image right (the patient's left in the standard AP display), ``y`` down;
    ``s`` is the pixel size at the patient plane (detector pixel / magnification).
    A frame cut out of a larger one (:meth:`crop`) knows where it sits in it: ``index``
    slices the larger frame's arrays.
    """

    rows: int
    cols: int
    s: float
    x0: float
    y0: float
    r0: int = 0
    c0: int = 0

    @property
    def index(self) -> tuple[slice, slice]:
        """Where this frame's pixels sit in the frame it was cropped from."""
        return slice(self.r0, self.r0 + self.rows), slice(self.c0, self.c0 + self.cols)

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

    def crop(self, bounds: Bounds, pad: int = 2) -> Frame | None:
        """The part of this frame covering ``(minx, miny, maxx, maxy)`` mm plus ``pad`` pixels,
        or None when it lies outside. Offsets stay relative to the outermost frame."""
        minx, miny, maxx, maxy = bounds
        r_lo = max(int(np.floor((miny - self.y0) / self.s)) - pad, 0)
        r_hi = min(int(np.ceil((maxy - self.y0) / self.s)) + pad + 1, self.rows)
        c_lo = max(int(np.floor((minx - self.x0) / self.s)) - pad, 0)
        c_hi = min(int(np.ceil((maxx - self.x0) / self.s)) + pad + 1, self.cols)
        if r_hi <= r_lo or c_hi <= c_lo:
            return None
        return Frame(
            r_hi - r_lo,
            c_hi - c_lo,
            self.s,
            self.x0 + c_lo * self.s,
            self.y0 + r_lo * self.s,
            self.r0 + r_lo,
            self.c0 + c_lo,
        )

    def coarse(self, spacing_mm: float) -> Frame:
        """A grid of about ``spacing_mm`` covering this one, for fields that vary slowly."""
        k = max(1, int(spacing_mm / self.s))
        return Frame(
            (self.rows - 1) // k + 2, (self.cols - 1) // k + 2, self.s * k, self.x0, self.y0
        )

    def mask(self, geom: BaseGeometry) -> BoolArray:
        """Pixels whose centre lies inside ``geom`` (polygons with holes, multipolygons).

        A scanline fill with the even-odd rule over every ring: the crossings of each pixel row
        with the outline toggle the pixels to their right.
        """
        edges = [
            np.asarray(ring.coords)
            for poly in getattr(geom, "geoms", [geom])
            if isinstance(poly, Polygon) and not poly.is_empty
            for ring in (poly.exterior, *poly.interiors)
        ]
        toggles = np.zeros((self.rows, self.cols + 1), dtype=np.uint8)
        if edges:
            xy = np.concatenate([np.stack([e[:-1], e[1:]], axis=1) for e in edges])
            r = (xy[:, :, 1] - self.y0) / self.s
            c = (xy[:, :, 0] - self.x0) / self.s
            lo = np.clip(np.ceil(r.min(axis=1)), 0, self.rows).astype(np.int64)
            hi = np.clip(np.ceil(r.max(axis=1)), 0, self.rows).astype(np.int64)
            counts = np.maximum(hi - lo, 0)
            edge = np.repeat(np.arange(len(xy)), counts)
            row = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
            (ra, rb), (ca, cb) = r[edge].T, c[edge].T
            col = ca + (row - ra) * (cb - ca) / (rb - ra)
            start = np.clip(np.floor(col).astype(np.int64) + 1, 0, self.cols)
            np.add.at(toggles, (row, start), 1)
        inside = np.cumsum(toggles[:, :-1], axis=1, dtype=np.uint8) & 1
        return inside.astype(np.bool_)

    def distance_inside(self, mask: BoolArray) -> FloatArray:
        """Distance in mm from each pixel inside ``mask`` to the outside (as the whole frame
        would give it, when this is a crop with a margin of outside pixels)."""
        d = ndimage.distance_transform_edt(mask)
        return np.asarray(d, dtype=np.float32) * np.float32(self.s)

    def xs(self) -> FloatArray:
        """``x`` mm of each column's pixel centres."""
        return (self.x0 + np.arange(self.cols) * self.s).astype(np.float32)

    def ys(self) -> FloatArray:
        """``y`` mm of each row's pixel centres."""
        return (self.y0 + np.arange(self.rows) * self.s).astype(np.float32)

    def grid(self) -> tuple[FloatArray, FloatArray]:
        """``(x, y)`` mm of every pixel centre."""
        x, y = np.meshgrid(self.xs(), self.ys())
        return x, y


def resample(src_frame: Frame, src: FloatArray, dst: Frame) -> FloatArray:
    """Bilinear samples of ``src`` (on ``src_frame``) at the pixel centres of ``dst``; beyond
    its edge the nearest value holds. For smooth fields computed on a coarse grid."""
    return sample(src_frame, src, dst.xs(), dst.ys())


def sample(
    grid: Frame, src: FloatArray, xs: NDArray[np.floating[Any]], ys: NDArray[np.floating[Any]]
) -> FloatArray:
    """Bilinear samples of ``src`` (on ``grid``) at every ``(x, y)`` of the lattice ``xs`` by
    ``ys`` (mm, in any order); beyond its edge the nearest value holds."""

    def axis(
        pos: NDArray[np.floating[Any]], n: int
    ) -> tuple[NDArray[np.intp], NDArray[np.intp], FloatArray]:
        u = np.clip(pos, 0, n - 1)
        i = np.minimum(np.floor(u).astype(np.intp), max(n - 2, 0))
        w = (u - i).astype(np.float32)
        return i, np.minimum(i + 1, n - 1), w

    ri, rj, rw = axis((ys - grid.y0) / grid.s, grid.rows)
    ci, cj, cw = axis((xs - grid.x0) / grid.s, grid.cols)
    rows = src[ri] * (1 - rw)[:, None] + src[rj] * rw[:, None]
    out = rows[:, ci] * (1 - cw) + rows[:, cj] * cw
    return np.asarray(out, dtype=np.float32)


def smooth_noise(
    rng: np.random.Generator, shape: tuple[int, int], sigmas: list[tuple[float, float]]
) -> FloatArray:
    """Gaussian noise whose spectrum is the sum of Gaussian-filtered white
    noises of unit variance times ``weight``, one for each ``(sigma_px, weight)``: the
    statistics of filtering independent white fields and adding them, made with one FFT
    (periodic, so no border effects). Its standard deviation is ``sqrt(sum(weight**2))``."""
    fr, fc = (sfft.next_fast_len(n, real=True) for n in shape)
    # White noise drawn straight in the frequency domain (complex Gaussian coefficients of a
    # real field) saves the forward transform; the spread is set exactly below anyway.
    parts = rng.standard_normal((fr, fc // 2 + 1, 2), dtype=np.float32)
    spectrum = parts.view(np.complex64)[..., 0]
    spectrum *= _noise_filter(fr, fc, tuple(sigmas))
    field = sfft.irfft2(spectrum, s=(fr, fc), workers=1)
    field = field[: shape[0], : shape[1]]
    # Exactly the intended spread in this realisation, as if each part were normalised.
    scale = np.sqrt(sum(w**2 for _, w in sigmas)) / (float(field.std()) + 1e-9)
    return np.asarray(field * np.float32(scale), dtype=np.float32)


@functools.lru_cache(maxsize=16)
def _noise_filter(fr: int, fc: int, sigmas: tuple[tuple[float, float], ...]) -> FloatArray:
    """The amplitude spectrum of :func:`smooth_noise` (the same for every seed: cached)."""
    k2 = frequencies2(fr, fc)
    power = np.zeros_like(k2)
    for sigma, weight in sigmas:
        g2 = np.exp(np.float32(-4 * np.pi**2 * sigma**2) * k2)  # |G|^2, Gaussian of sigma px
        power += np.float32(weight**2) * g2 / np.float32(_mean_power(g2, fc))
    return np.sqrt(power)


def frequencies2(fr: int, fc: int) -> FloatArray:
    """Squared spatial frequency (cycles per pixel) of each coefficient of an ``rfft2``."""
    ky = sfft.fftfreq(fr).astype(np.float32)[:, None] ** 2
    kx = sfft.rfftfreq(fc).astype(np.float32)[None, :] ** 2
    return np.asarray(ky + kx, dtype=np.float32)


def _mean_power(half: FloatArray, n_cols: int) -> float:
    """Mean of a real field's full spectrum given its ``rfft`` half (columns counted twice
    except the ones without a mirror)."""
    twice = 2 * half.sum() - half[:, 0].sum()
    if n_cols % 2 == 0:
        twice -= half[:, -1].sum()
    return float(twice / (half.shape[0] * n_cols))


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
    return place_blob(blob_radii(rng, roughness, n), cx, cy, a, b, angle_deg)


def blob_radii(
    rng: np.random.Generator, roughness: float = 0.15, n: int = 56
) -> NDArray[np.float64]:
    """The random part of :func:`blob`: relative radii at ``n`` equally spaced angles."""
    t = _angles(n)
    r = np.ones(n)
    for k in range(2, 6):
        r += roughness / k * rng.normal() * np.cos(k * t + rng.uniform(0, 2 * np.pi))
    r += roughness * 0.15 * rng.normal(size=n)
    return np.clip(r, 0.6, 1.5)


@functools.lru_cache(maxsize=8)
def _angles(n: int) -> NDArray[np.float64]:
    return np.linspace(0, 2 * np.pi, n, endpoint=False)


def place_blob(
    r: NDArray[np.float64], cx: float, cy: float, a: float, b: float, angle_deg: float
) -> Polygon:
    """A :func:`blob` outline from its radii, centre, semi-axes and rotation."""
    t = _angles(r.size)
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
    wobble: NDArray[np.float64],
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
