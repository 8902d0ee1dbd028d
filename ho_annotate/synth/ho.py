"""Heterotopic ossification shapes designed to exact sizes and gaps at the patient plane."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points, unary_union

from ho_annotate.annotations.model import BoneOrigin
from ho_annotate.synth.anatomy import Hip
from ho_annotate.synth.geometry import blob, tongue

_EPS = 1e-9


class DesignError(ValueError):
    """The requested HO cannot be placed on this anatomy (e.g. a gap wider than the space)."""


@dataclass
class HOParts:
    """Everything drawn on one hip, in mm at the patient plane."""

    pelvis: Polygon
    femur: Polygon
    islands: list[Polygon] = field(default_factory=list)
    spurs: list[tuple[Polygon, BoneOrigin]] = field(default_factory=list)
    bridge: Polygon | None = None
    #: The narrowest space: (point on the pelvic side, point on the femoral side), and its length.
    gap_line: tuple[tuple[float, float], tuple[float, float]] | None = None
    gap_mm: float | None = None

    def polygons(self) -> list[Polygon]:
        out = [*self.islands, *(s for s, _ in self.spurs)]
        return out if self.bridge is None else [*out, self.bridge]


def feret(poly: Polygon) -> float:
    """Maximum Feret diameter (the longest distance between two outline points)."""
    hull = np.asarray(poly.convex_hull.exterior.coords)
    diff = hull[:, None, :] - hull[None, :, :]
    return float(np.sqrt((diff**2).sum(-1)).max())


def joint_outlines(hip: Hip, view: Polygon) -> tuple[Polygon, Polygon]:
    """Pelvis and femur outlines as a reader traces them: the bone's outer edge in the image."""
    out = []
    for bone in (hip.pelvis, hip.femur):
        part = Polygon(bone.exterior.coords).intersection(view)
        if not isinstance(part, Polygon):
            part = max(part.geoms, key=lambda g: g.area)  # type: ignore[attr-defined]
        out.append(Polygon(part.exterior.coords))
    return out[0], out[1]


def _anchor(bone: Polygon, guess: tuple[float, float]) -> tuple[float, float]:
    ring = bone.exterior
    p = ring.interpolate(ring.project(Point(guess)))
    return (p.x, p.y)


def _spur(
    rng: np.random.Generator, bone: Polygon, base: tuple[float, float], toward: tuple[float, float]
) -> tuple[tuple[float, float], tuple[float, float], float, float, np.ndarray]:
    """Start a spur well inside its bone (so its broad base hides in it), aimed at ``toward``."""
    deep = nearest_points(bone.buffer(-9.0), Point(base))[0]
    inside = (deep.x, deep.y)
    d = np.subtract(toward, inside)
    u = d / np.hypot(*d)
    return (
        inside,
        (float(u[0]), float(u[1])),
        float(rng.uniform(14.0, 19.0)),
        float(rng.uniform(2.5, 3.8)),
        rng.normal(0, 0.35, size=7),
    )


def _shaft(
    base: tuple[float, float],
    u: tuple[float, float],
    half: float,
    tip: float,
    wobble: np.ndarray,
) -> Callable[[float], Polygon]:
    """A spur outline as a function of its length."""

    def make(length: float) -> Polygon:
        return tongue(base, u, length, half, tip, wobble)

    return make


def _lumpy(
    rng: np.random.Generator, shape_fn: Callable[[float], Polygon], bones: BaseGeometry
) -> Callable[[float], Polygon]:
    """Add bony lumps along the shaft, so spurs look grown rather than drawn, and cut away
    what lies deep in the bone it grows from (a reader outlines it from the bone surface)."""
    deep = bones.buffer(-1.5)
    lumps = [
        (
            float(rng.uniform(0.3, 0.65)),
            float(rng.uniform(0.9, 1.3)),
            float(rng.uniform(-0.6, 0.6)),
            rng.integers(0, 2**31),
        )
        for _ in range(int(rng.integers(2, 4)))
    ]

    def make(length: float) -> Polygon:
        base = shape_fn(length)
        coords = np.asarray(base.exterior.coords)
        start = 0.5 * (coords[0] + coords[-2])
        tip = coords[len(coords) // 2]
        pieces = [base]
        across = coords[0] - coords[-2]
        width = float(np.hypot(*across)) / 2
        for frac, size, shift, seed in lumps:
            c = start + frac * (tip - start) + shift * across / 2 * (1 - frac)
            r = max(size * width * (1 - frac), 2.0)
            lump_rng = np.random.default_rng(int(seed))
            pieces.append(blob(lump_rng, float(c[0]), float(c[1]), r, r * 0.8, 0.0, 0.25))
        out = unary_union(pieces)
        out = (out if isinstance(out, Polygon) else base).difference(deep)
        if isinstance(out, Polygon):
            return out
        near_tip = Point(tip).buffer(0.5)
        parts = [g for g in out.geoms if g.intersects(near_tip)] or list(out.geoms)  # type: ignore[attr-defined]
        return max(parts, key=lambda g: g.area)

    return make


def design_ho(
    hip: Hip,
    rng: np.random.Generator,
    view: Polygon,
    *,
    islands: tuple[float, ...] = (),
    pelvic_spur: bool = False,
    femoral_spur: bool = False,
    gap_mm: float | None = None,
    bridge: bool = False,
) -> HOParts:
    """Place HO on ``hip``: spurs whose narrowest gap to the opposing bone is exactly ``gap_mm``."""
    pelvis, femur = joint_outlines(hip, view)
    lat = hip.lateral
    hx, hy = hip.head_centre
    last: DesignError | None = None
    for attempt in range(30):
        parts = HOParts(pelvis=pelvis, femur=femur)
        bp = _anchor(pelvis, (hx + lat * rng.uniform(36, 44), hy - rng.uniform(48, 62)))
        bf = _anchor(
            femur, (hip.trochanter_top[0] + lat * rng.uniform(-2, 4), hip.trochanter_top[1])
        )
        free = float(np.hypot(*np.subtract(bf, bp)))
        if bridge:
            inside, u, half, _, wob = _spur(rng, pelvis, bp, bf)
            mass = _lumpy(
                rng,
                _shaft(inside, u, 0.9 * half, 0.55 * half, wob),
                unary_union([pelvis, femur]),
            )
            parts.bridge = mass(float(np.hypot(*np.subtract(bf, inside))) + 8.0)
            break
        if not (pelvic_spur or femoral_spur):
            break
        if gap_mm is None or gap_mm <= 0:
            raise DesignError("spurs need a positive gap in mm")
        try:
            share = 0.45 * 0.85**attempt
            _design_spurs(parts, rng, bp, bf, free, pelvic_spur, femoral_spur, gap_mm, share)
            break
        except DesignError as exc:
            last = exc
    else:
        assert last is not None
        raise last
    for length in islands:
        parts.islands.append(_island(parts, hip, rng, length))
    return parts


def _design_spurs(
    parts: HOParts,
    rng: np.random.Generator,
    bp: tuple[float, float],
    bf: tuple[float, float],
    free: float,
    pelvic: bool,
    femoral: bool,
    gap: float,
    share: float,
) -> None:
    p_in, p_u, p_half, p_tip, p_wob = _spur(rng, parts.pelvis, bp, bf)
    f_in, f_u, f_half, f_tip, f_wob = _spur(rng, parts.femur, bf, bp)
    # The femoral spur is usually the smaller one.
    f_half *= 0.8

    pelvic_shape = _lumpy(rng, _shaft(p_in, p_u, p_half, p_tip, p_wob), parts.pelvis)
    femoral_shape = _lumpy(rng, _shaft(f_in, f_u, f_half, f_tip, f_wob), parts.femur)

    def narrowest(ps: Polygon | None, fs: Polygon | None) -> float:
        gaps = []
        if ps is not None:
            gaps.append(ps.distance(parts.femur if fs is None else unary_union([parts.femur, fs])))
        if fs is not None:
            gaps.append(
                fs.distance(parts.pelvis if ps is None else unary_union([parts.pelvis, ps]))
            )
        return float(min(gaps))

    room = free - gap
    if room < 8.0:
        raise DesignError(f"a {gap:.1f} mm gap leaves no room for spurs on this hip")
    fixed_len = 0.0
    if pelvic and femoral:
        fixed_len = _emerges(femoral_shape) + room * share * float(rng.uniform(0.65, 1.0))

    def trial(length: float) -> float:
        if pelvic:
            fs = femoral_shape(fixed_len) if femoral else None
            return narrowest(pelvic_shape(length), fs)
        return narrowest(None, femoral_shape(length))

    lo, hi = _emerges(pelvic_shape if pelvic else femoral_shape), free + 20.0
    if trial(lo) < gap:
        raise DesignError(f"cannot keep a {gap:.1f} mm gap on this hip")
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if trial(mid) > gap:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-10:
            break
    length = 0.5 * (lo + hi)
    ps = pelvic_shape(length) if pelvic else None
    fs = (femoral_shape(fixed_len) if pelvic else femoral_shape(length)) if femoral else None
    if ps is not None:
        parts.spurs.append((ps, "pelvis"))
    if fs is not None:
        parts.spurs.append((fs, "femur"))
    parts.gap_mm = narrowest(ps, fs)
    if abs(parts.gap_mm - gap) > 1e-6:
        raise DesignError(f"the spurs cannot reach a {gap:.1f} mm gap on this hip")
    parts.gap_line = _gap_line(parts, ps, fs)


def _emerges(shape: Callable[[float], Polygon]) -> float:
    """The shortest length at which a spur shows outside its bone (a few mm2 of it)."""
    for length in np.arange(4.0, 60.0, 0.5):
        if shape(float(length)).area > 4.0:
            return float(length)
    raise DesignError("the spur never leaves its bone")


def _gap_line(
    parts: HOParts, ps: Polygon | None, fs: Polygon | None
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The shortest segment between opposing bone (pelvic side first)."""
    pelvic_side: BaseGeometry = parts.pelvis if ps is None else unary_union([parts.pelvis, ps])
    femoral_side: BaseGeometry = parts.femur if fs is None else unary_union([parts.femur, fs])
    candidates = []
    if ps is not None:
        a, b = nearest_points(ps, femoral_side)
        candidates.append((a.distance(b), (a.x, a.y), (b.x, b.y)))
    if fs is not None:
        b, a = nearest_points(fs, pelvic_side)
        candidates.append((a.distance(b), (a.x, a.y), (b.x, b.y)))
    _, p, q = min(candidates)
    return p, q


def _island(parts: HOParts, hip: Hip, rng: np.random.Generator, length: float) -> Polygon:
    """An island of exactly ``length`` mm (maximum Feret), clear of all bone and other HO."""
    others = unary_union([parts.pelvis, parts.femur, hip.pelvis, hip.femur, *parts.polygons()])
    lat = hip.lateral
    hx, hy = hip.head_centre
    for _ in range(400):
        cx = hx + lat * rng.uniform(30, 62)
        cy = hy + rng.uniform(-62, -12)
        shape = blob(
            rng, cx, cy, length / 2, length / 2 * rng.uniform(0.45, 0.8), rng.uniform(0, 180)
        )
        shape = shapely.affinity.scale(shape, length / feret(shape), length / feret(shape))
        if (
            shape.distance(others) > max(3.0, 0.3 * length)
            and abs(feret(shape) - length) < _EPS * 1e3
        ):
            return shape
    raise DesignError(f"no room for a {length:.1f} mm island on this hip")
