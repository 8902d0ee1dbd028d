"""An AP pelvis built from bone outlines in patient-plane mm, and its attenuation.

Shapes are drawn for the patient's left hip (image right, ``x > 0``) and mirrored for the right.
The femoral head centres sit at ``y = 0``; ``y`` grows toward the feet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from ho_annotate.model import Side
from ho_annotate.synth.attenuation import (
    MU_SOFT,
    bone,
    chord,
    density,
    region_radius,
    texture,
)
from ho_annotate.synth.geometry import FloatArray, Frame, band, disc, ellipse, mirror

_HEMIPELVIS = [
    (40, -118), (50, -132), (68, -146), (92, -152), (116, -146), (134, -132), (145, -112),
    (142, -90), (136, -76), (131, -66), (130, -54), (127, -42), (122, -30), (121, -20),
    (116, -6), (108, 8), (101, 24), (98, 40), (98, 56), (100, 72), (100, 86), (94, 98), (82, 102),
    (68, 96), (52, 86), (34, 76), (18, 68), (5, 64), (3, 48), (3, 30), (9, 24), (26, 21),
    (44, 18), (56, 12), (63, 0), (66, -18), (63, -38), (56, -58), (48, -80), (42, -100),
]  # fmt: skip
#: Proximal femur below the head (the head is a disc added to it), head centre at (95, 0).
_FEMUR = [
    (112, -17), (124, -9), (134, -7), (141, -11), (150, -8), (158, 2), (163, 20), (160, 46),
    (154, 76), (150, 110), (147, 160), (145, 320), (114, 320), (113, 160), (113, 110),
    (111, 92), (105, 86), (100, 78), (103, 68), (108, 58), (106, 44), (102, 30), (98, 20),
]  # fmt: skip
#: What is left after a femoral neck osteotomy for a hip replacement.
_FEMUR_RESECTED = [
    (104, 30), (126, 10), (134, -7), (141, -11), (150, -8), (158, 2), (163, 20), (160, 46),
    (154, 76), (150, 110), (147, 160), (145, 320), (114, 320), (113, 160), (113, 110),
    (111, 92), (105, 86), (100, 78), (103, 68), (108, 58), (105, 44),
]  # fmt: skip
_SACRUM = [
    (-50, -121), (50, -121), (57, -104), (55, -80), (44, -54), (30, -34), (15, -18), (0, -12),
    (-15, -18), (-30, -34), (-44, -54), (-55, -80), (-57, -104),
]  # fmt: skip


def chaikin(points: list[tuple[float, float]], rounds: int = 3) -> list[tuple[float, float]]:
    """Corner cutting: a smooth closed curve through the neighbourhood of ``points``."""
    pts = np.asarray(points, dtype=float)
    for _ in range(rounds):
        nxt = np.roll(pts, -1, axis=0)
        pts = np.column_stack([0.75 * pts + 0.25 * nxt, 0.25 * pts + 0.75 * nxt]).reshape(-1, 2)
    return [(float(x), float(y)) for x, y in pts]


@dataclass(frozen=True)
class Hip:
    """One hip's bones and landmarks (mm, patient plane)."""

    side: Side
    pelvis: Polygon
    femur: Polygon
    head_centre: tuple[float, float]
    head_radius: float
    #: The top of the greater trochanter and a point on the lateral ilium above it: where HO
    #: spurs grow from (pelvis) and toward (femur).
    trochanter_top: tuple[float, float]
    ilium_low: tuple[float, float]
    #: Direction toward the patient's lateral side in image x (+1 for the left hip).
    lateral: float


@dataclass(frozen=True)
class Skeleton:
    hips: dict[Side, Hip]
    sacrum: Polygon
    spine: list[Polygon]
    #: Thin dense lines radiographs show (acetabular roof, teardrop), with their width in mm.
    strokes: list[tuple[Polygon, float]] = field(default_factory=list)
    #: Radius of each region for the bone plate thickness map.
    pelvis_regions: list[tuple[BaseGeometry, float]] = field(default_factory=list)
    femur_regions: list[tuple[BaseGeometry, float]] = field(default_factory=list)


def _poly(points: list[tuple[int, int]], k: float) -> Polygon:
    return Polygon(chaikin([(x * k, y * k) for x, y in points]))


def _scale(geom: Polygon, k: float) -> Polygon:
    out = affinity.scale(geom, k, k, origin=(0, 0))
    assert isinstance(out, Polygon)
    return out


def build_skeleton(rng: np.random.Generator, *, native_head: dict[Side, bool]) -> Skeleton:
    """A pelvis and proximal femora with small random variation in size and shape."""
    k = float(rng.uniform(0.95, 1.05))
    head_r = float(rng.uniform(23.0, 26.0)) * k
    hc = (95.0 * k, 0.0)
    hemi = _poly(_HEMIPELVIS, k)
    obturator = ellipse(60 * k, 46 * k, 24 * k, 16 * k, -35)
    hemi = Polygon(hemi.exterior.coords, [obturator.exterior.coords])
    proximal = _poly(_FEMUR, k)
    resected = _poly(_FEMUR_RESECTED, k)
    head = disc(*hc, head_r)
    shaft = Polygon([(100 * k, 90 * k), (170 * k, 90 * k), (170 * k, 330 * k), (100 * k, 330 * k)])
    trochanters = Polygon([(95 * k, 0), (175 * k, -20 * k), (175 * k, 90 * k), (95 * k, 90 * k)])
    hips: dict[Side, Hip] = {}
    strokes: list[tuple[Polygon, float]] = []
    pelvis_regions: list[tuple[BaseGeometry, float]] = []
    femur_regions: list[tuple[BaseGeometry, float]] = []
    sides: tuple[tuple[Side, float], ...] = (("left", 1.0), ("right", -1.0))
    for side, sign in sides:
        femur = unary_union([proximal, head]) if native_head[side] else resected
        femur = femur.buffer(3 * k).buffer(-3 * k)
        femur = femur if isinstance(femur, Polygon) else _largest(femur)
        roof = _arc(hc, head_r + 2.5 * k, 200, 335)
        teardrop = _arc((68 * k, 12 * k), 5 * k, 10, 190)
        pelvis = hemi
        f_regions = [(trochanters, 16 * k), (shaft, 16 * k), (head, head_r)]
        p_regions = [
            (Polygon([(30, -170), (170, -170), (170, -40), (30, -40)]), 2.2 * k),
            (_crest(hemi, k), 6.5 * k),
            (band((45 * k, -100 * k), (85 * k, -10 * k), 14 * k), 11 * k),
            (disc(*hc, 40 * k), 17 * k),
            (disc(97 * k, 86 * k, 16 * k), 12 * k),
        ]
        if sign < 0:
            pelvis, femur = mirror(pelvis), mirror(femur)
            roof, teardrop = mirror(roof), mirror(teardrop)
            f_regions = [(mirror(g), r) for g, r in f_regions]  # type: ignore[arg-type]
            p_regions = [(mirror(g), r) for g, r in p_regions]  # type: ignore[arg-type]
        strokes += [(roof, 1.6 * k), (teardrop, 0.8 * k)]
        pelvis_regions += p_regions
        femur_regions += f_regions
        hips[side] = Hip(  # type: ignore[index]
            side=side,  # type: ignore[arg-type]
            pelvis=pelvis,
            femur=femur,
            head_centre=(sign * hc[0], hc[1]),
            head_radius=head_r,
            trochanter_top=(sign * 141 * k, -11 * k),
            ilium_low=(sign * 140 * k, -73 * k),
            lateral=sign,
        )
    sacrum = _poly(_SACRUM, k)
    spine = [
        Polygon(
            chaikin(
                [(-44 * k, -180 * k), (44 * k, -180 * k), (47 * k, -137 * k), (-47 * k, -137 * k)],
                2,
            )
        ),
        band((-40 * k, -160 * k), (-80 * k, -166 * k), 6 * k),
        band((40 * k, -160 * k), (80 * k, -166 * k), 6 * k),
        ellipse(0, -150 * k, 5 * k, 13 * k),
    ]
    return Skeleton(
        hips=hips,
        sacrum=sacrum,
        spine=spine,
        strokes=strokes,
        pelvis_regions=pelvis_regions,
        femur_regions=femur_regions,
    )


def _crest(hemi: Polygon, k: float) -> BaseGeometry:
    """The thick rim of the iliac wing: a band along its outline above the acetabulum."""
    wing = Polygon([(20, -175), (175, -175), (175, -60), (20, -60)])
    return hemi.exterior.buffer(9 * k).intersection(wing)


def _arc(c: tuple[float, float], r: float, a0: float, a1: float) -> Polygon:
    t = np.deg2rad(np.linspace(a0, a1, 40))
    line = LineString(np.column_stack([c[0] + r * np.cos(t), c[1] + r * np.sin(t)]))
    out = line.buffer(1.0, quad_segs=4)
    assert isinstance(out, Polygon)
    return out


def _largest(geom: BaseGeometry) -> Polygon:
    assert isinstance(geom, MultiPolygon)
    return max(geom.geoms, key=lambda g: g.area)


def _shaft_cortex(frame: Frame, hip: Hip) -> FloatArray:
    """Cortex thickening from about 2 mm at the trochanters to about 6 mm down the shaft."""
    _, y = frame.grid()
    return np.asarray(np.clip(2.0 + (y - 60.0) / 12.0, 2.0, 6.5), dtype=np.float64)


def soft_tissue(frame: Frame, rng: np.random.Generator) -> FloatArray:
    """Body and thighs (elliptic cross-sections) with a fat layer and bowel gas."""
    x, y = frame.grid()
    a, b = 176.0 + rng.uniform(-6, 6), 105.0

    def slab(half_w: FloatArray | float, xx: FloatArray, depth: float) -> FloatArray:
        q = np.clip(1 - (xx / half_w) ** 2, 0, None)
        return np.asarray(2 * depth * np.sqrt(q), dtype=np.float64)

    trunk_outer, trunk_inner = slab(a, x, b), slab(a - 18, x, b - 18)
    thigh_outer = slab(88.0, np.abs(x) - 100, 80)
    thigh_inner = slab(74.0, np.abs(x) - 100, 66)
    w = 1 / (1 + np.exp(-(y - 95) / 18))
    outer = (1 - w) * trunk_outer + w * np.maximum(thigh_outer, 0.55 * trunk_outer * (y < 120))
    inner = (1 - w) * trunk_inner + w * thigh_inner
    att = 0.85 * MU_SOFT * outer + 0.18 * MU_SOFT * inner
    gas = np.zeros_like(att)
    for _ in range(int(rng.integers(5, 10))):
        cx, cy = rng.uniform(-75, 75), rng.uniform(-175, -50)
        r = rng.uniform(6, 18)
        d = np.hypot((x - cx) / rng.uniform(0.7, 1.4), y - cy)
        gas += np.clip(1 - d / r, 0, None) ** 0.6 * rng.uniform(0.15, 0.35)
    return np.asarray(att - gas, dtype=np.float64)


def skeleton_attenuation(
    frame: Frame, sk: Skeleton, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Attenuation of the bones, and a texture map reused for HO."""
    tex = texture(frame, rng) * density(frame, rng)
    total = np.zeros((frame.rows, frame.cols))
    pelvis = unary_union([h.pelvis for h in sk.hips.values()])
    pr = region_radius(frame, sk.pelvis_regions, 8.0, 6.0)
    total += bone(frame, pelvis, pr, 1.6, tex)
    total += bone(frame, sk.sacrum, 16.0, 2.0, tex)
    for part in sk.spine:
        total += bone(frame, part, 14.0, 2.5, tex)
    fr = region_radius(frame, sk.femur_regions, 14.0, 4.0)
    for hip in sk.hips.values():
        total += bone(frame, hip.femur, fr, 3.0, tex, cortex_map=_shaft_cortex(frame, hip))
    for stroke, width in sk.strokes:
        m = frame.mask(stroke)
        total += np.where(m, chord(frame.distance_inside(m), width) * 0.9, 0.0)
    x, y = frame.grid()
    k = sk.hips["left"].head_centre[0] / 95.0
    for i in range(4):
        for sx in (-1, 1):
            cx, cy, r = sx * (22 - i) * k, (-100 + 18 * i) * k, (5.5 - 0.8 * i) * k
            d = np.hypot(x - cx, (y - cy) * 1.3)
            total -= 0.6 * np.clip(1 - d / r, 0, None) ** 0.5
    return total, tex
