"""An AP pelvis built from bone outlines in patient-plane mm, and its attenuation.

Shapes are drawn for the patient's left hip (image right, ``x > 0``) and mirrored for the right.
The femoral head centres sit at ``y = 0``; ``y`` grows toward the feet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from ho_annotate.annotations.model import Side
from ho_annotate.synth.attenuation import (
    MU_SOFT,
    bone,
    chord,
    density,
    region_radius,
    texture,
)
from ho_annotate.synth.geometry import FloatArray, Frame, band, disc, ellipse, mirror, tongue

_HEMIPELVIS = [
    (40, -118), (50, -132), (68, -146), (92, -152), (116, -146), (134, -132), (145, -112),
    (142, -90), (136, -76), (131, -66), (130, -54), (127, -42), (122, -31), (116, -25),
    (113, -14), (110, -2), (105, 11), (100, 25), (98, 40), (98, 56), (100, 72), (100, 86),
    (94, 98), (82, 102),
    (68, 96), (52, 86), (34, 76), (18, 68), (5, 64), (3, 48), (3, 30), (9, 24), (26, 21),
    (44, 18), (56, 12), (63, 0), (66, -18), (63, -38), (56, -58), (48, -80), (42, -100),
]  # fmt: skip
_SACRUM = [
    (-54, -119), (-28, -125), (0, -127), (28, -125), (54, -119), (57, -104), (55, -80),
    (44, -54), (30, -34), (15, -18), (0, -12),
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
    head = disc(*hc, head_r)
    full, trochanter_top = _femur(k, hc, head_r)
    resected = _resect(full, k)
    shaft = Polygon([(100 * k, 90 * k), (170 * k, 90 * k), (170 * k, 330 * k), (100 * k, 330 * k)])
    trochanters = Polygon([(95 * k, 0), (175 * k, -30 * k), (175 * k, 90 * k), (95 * k, 90 * k)])
    hips: dict[Side, Hip] = {}
    strokes: list[tuple[Polygon, float]] = []
    pelvis_regions: list[tuple[BaseGeometry, float]] = []
    femur_regions: list[tuple[BaseGeometry, float]] = []
    sides: tuple[tuple[Side, float], ...] = (("left", 1.0), ("right", -1.0))
    for side, sign in sides:
        femur = full if native_head[side] else resected
        # The sourcil: a dense arc over the head, a 4 mm joint space below it; the anterior and
        # posterior acetabular walls cross the head as fainter lines.
        roof = _arc(hc, head_r + 4.0 * k, 215, 318, 1.3)
        front = _arc((hc[0] + 14 * k, hc[1] - 4 * k), 33 * k, 140, 215, 0.7)
        back = _arc((hc[0] - 10 * k, hc[1] - 4 * k), 33 * k, -40, 50, 0.7)
        teardrop = _arc((66 * k, 12 * k), 5 * k, 10, 190)
        pelvis = hemi
        f_regions = [(trochanters, 15 * k), (shaft, 15 * k), (head, 0.8 * head_r)]
        p_regions = [
            (Polygon([(30, -170), (170, -170), (170, -40), (30, -40)]), 2.0 * k),
            (_crest(hemi, k), 10.0 * k),
            # Arcuate line (pelvic brim), the column above the acetabulum, pubic rami, ischium.
            (band((46 * k, -108 * k), (66 * k, -10 * k), 7 * k), 10 * k),
            (band((120 * k, -75 * k), (100 * k, -25 * k), 12 * k), 9 * k),
            (disc(*hc, 36 * k), 13 * k),
            (band((62 * k, 18 * k), (10 * k, 34 * k), 9 * k), 14 * k),
            (band((14 * k, 70 * k), (80 * k, 92 * k), 8 * k), 13 * k),
            (disc(95 * k, 80 * k, 17 * k), 18 * k),
        ]
        if sign < 0:
            pelvis, femur = mirror(pelvis), mirror(femur)
            roof, teardrop = mirror(roof), mirror(teardrop)
            front, back = mirror(front), mirror(back)
            f_regions = [(mirror(g), r) for g, r in f_regions]  # type: ignore[arg-type]
            p_regions = [(mirror(g), r) for g, r in p_regions]  # type: ignore[arg-type]
        strokes += [(roof, 2.2 * k), (teardrop, 0.9 * k), (front, 0.5 * k), (back, 0.6 * k)]
        pelvis_regions += p_regions
        femur_regions += f_regions
        hips[side] = Hip(  # type: ignore[index]
            side=side,  # type: ignore[arg-type]
            pelvis=pelvis,
            femur=femur,
            head_centre=(sign * hc[0], hc[1]),
            head_radius=head_r,
            trochanter_top=(sign * trochanter_top[0], trochanter_top[1]),
            ilium_low=(sign * 140 * k, -73 * k),
            lateral=sign,
        )
    sacrum = _poly(_SACRUM, k)
    spine = [
        # L5: vertebral body, pedicles (seen end-on as rings), transverse and spinous processes.
        Polygon(
            chaikin(
                [(-30 * k, -176 * k), (30 * k, -176 * k), (33 * k, -134 * k), (-33 * k, -134 * k)],
                2,
            )
        ),
        tongue_band((-28 * k, -160 * k), (-62 * k, -166 * k), 7 * k, 4 * k),
        tongue_band((28 * k, -160 * k), (62 * k, -166 * k), 7 * k, 4 * k),
        ellipse(0, -146 * k, 5 * k, 14 * k),
    ]
    pedicles = [ellipse(sx * 19 * k, -160 * k, 6 * k, 8 * k) for sx in (-1, 1)]
    # Sacral foramina: dark holes with a dense arc above each.
    for i in range(4):
        for sx in (-1, 1):
            cx, cy, r = sx * (22 - i) * k, (-100 + 18 * i) * k, (5.5 - 0.8 * i) * k
            strokes.append((_arc((cx, cy), r + 1.0 * k, 200, 340, 0.6 * k), 0.5 * k))
    strokes += [(_arc((p.centroid.x, p.centroid.y), 6.5 * k, 0, 360, 0.7 * k), 0.35 * k)
                for p in pedicles]  # fmt: skip
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


def _femur(k: float, hc: tuple[float, float], head_r: float) -> tuple[Polygon, tuple[float, float]]:
    """Head, neck at about 130 degrees to the shaft, greater trochanter lateral and superior,
    lesser trochanter medial, shaft; and the top of the greater trochanter."""
    top, bottom = (134 * k, 36 * k), (127 * k, 340 * k)
    shaft_dir = np.subtract(bottom, top) / np.hypot(*np.subtract(bottom, top))
    th = np.deg2rad(130.0)
    # The neck axis leaves the shaft axis at 130 degrees (measured from the distal shaft).
    up = -shaft_dir
    neck_dir = np.array(
        [up[0] * np.cos(th - np.pi) - up[1] * np.sin(th - np.pi),
         up[0] * np.sin(th - np.pi) + up[1] * np.cos(th - np.pi)]
    )  # fmt: skip
    if neck_dir[0] > 0:  # toward the head, i.e. medial
        neck_dir = np.array([-neck_dir[0], neck_dir[1]])
    # Where the neck axis through the head centre meets the shaft axis.
    a = np.column_stack([neck_dir, -shaft_dir])
    t_neck, _ = np.linalg.solve(a, np.subtract(top, hc))
    base = (hc[0] + t_neck * neck_dir[0], hc[1] + t_neck * neck_dir[1])
    parts = [
        disc(*hc, head_r),
        band(hc, base, 0.64 * head_r),
        band(top, bottom, 15.5 * k),
        ellipse(base[0] + 2 * k, base[1] + 8 * k, 21 * k, 27 * k, 20),
        ellipse(146 * k, 12 * k, 14 * k, 25 * k, -12),
        ellipse(118 * k, 66 * k, 10 * k, 6.5 * k, 35),
    ]
    out = unary_union(parts).buffer(6 * k).buffer(-6 * k)
    femur = out if isinstance(out, Polygon) else _largest(out)
    xy = np.asarray(femur.exterior.coords)
    lateral = xy[xy[:, 0] > 140 * k]
    tip = lateral[np.argmin(lateral[:, 1])]
    return femur, (float(tip[0]), float(tip[1]))


def _resect(femur: Polygon, k: float) -> Polygon:
    """What a femoral neck osteotomy for a hip replacement leaves."""
    p0, p1 = np.array([110 * k, 50 * k]), np.array([138 * k, 6 * k])
    d = (p1 - p0) / np.hypot(*(p1 - p0))
    far = 400.0
    cut = Polygon([p0 - far * d, p1 + far * d, p1 + far * d + far * np.array([-d[1], d[0]]) * -1,
                   p0 - far * d + far * np.array([-d[1], d[0]]) * -1])  # fmt: skip
    out = femur.difference(cut).buffer(-3 * k).buffer(3 * k)  # round the cut corners
    return out if isinstance(out, Polygon) else _largest(out)


def tongue_band(p0: tuple[float, float], p1: tuple[float, float], w0: float, w1: float) -> Polygon:
    """A process tapering from half-width ``w0`` at ``p0`` to a round tip at ``p1``."""
    d = (p1[0] - p0[0], p1[1] - p0[1])
    return tongue(p0, d, float(np.hypot(*d)), w0, w1, np.zeros(0))


def _arc(c: tuple[float, float], r: float, a0: float, a1: float, half: float = 1.0) -> Polygon:
    t = np.deg2rad(np.linspace(a0, a1, 40))
    line = LineString(np.column_stack([c[0] + r * np.cos(t), c[1] + r * np.sin(t)]))
    out = line.buffer(half, quad_segs=4)
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
    # Bowel gas: loops of colon as chains of soft pockets, mottled by their content.
    for _ in range(int(rng.integers(2, 4))):
        cx, cy = rng.uniform(-70, 70), rng.uniform(-170, -70)
        heading = rng.uniform(0, 2 * np.pi)
        for _ in range(int(rng.integers(4, 9))):
            r = rng.uniform(7, 14)
            d = np.hypot((x - cx) / rng.uniform(0.8, 1.3), y - cy)
            gas = np.maximum(gas, np.clip(1 - d / r, 0, None) ** 0.5 * rng.uniform(0.25, 0.5))
            heading += rng.normal(0, 0.7)
            cx, cy = cx + 1.3 * r * np.cos(heading), cy + 1.3 * r * np.sin(heading)
    mottle = ndimage.gaussian_filter(rng.normal(size=gas.shape), 2.0 / frame.s)
    gas = gas * np.clip(1.0 + 0.6 * mottle / (mottle.std() + 1e-9), 0.2, 2.0)
    # Fat planes between the gluteal muscles: faint darker curves lateral to each hip.
    planes = np.zeros_like(att)
    for sx in (-1.0, 1.0):
        for radius, cy in ((78.0, -10.0), (62.0, 30.0)):
            rho = np.hypot(x - sx * 80.0, y - cy)
            lateral = np.clip(sx * (x - sx * 80.0) / radius, 0.0, 1.0)
            planes += 0.18 * np.exp(-(((rho - radius) / 2.2) ** 2)) * lateral
    return np.asarray(att - gas - planes, dtype=np.float64)


def skeleton_attenuation(
    frame: Frame, sk: Skeleton, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Attenuation of the bones, and a texture map reused for HO."""
    tex = texture(frame, rng) * density(frame, rng)
    total = np.zeros((frame.rows, frame.cols))
    pelvis = unary_union([h.pelvis for h in sk.hips.values()])
    pr = region_radius(frame, sk.pelvis_regions, 8.5, 8.0)
    x, y = frame.grid()
    # The pelvis thickens toward each acetabulum (the columns that carry the load).
    for hip in sk.hips.values():
        hx, hy = hip.head_centre
        pr = pr * (1.0 + 0.35 * np.exp(-np.hypot(x - hx, y - hy) / 45.0))
    total += bone(frame, pelvis, pr, 1.6, tex)
    # The sacrum: a thick S1 body in the middle, thinner alae.
    body = 10.0 + 12.0 * np.exp(-((x / 24.0) ** 2)) * np.clip((y + 40.0) / -80.0, 0.3, 1.0)
    total += bone(frame, sk.sacrum, body, 2.0, tex)
    for part in sk.spine:
        total += bone(frame, part, 14.0, 2.5, tex)
    fr = region_radius(frame, sk.femur_regions, 14.0, 4.0)
    for hip in sk.hips.values():
        total += bone(frame, hip.femur, fr, 3.0, tex, cortex_map=_shaft_cortex(frame, hip))
    # Sacroiliac joints: a lucent line where the sacrum's edge meets the ilium.
    si = sk.sacrum.exterior.intersection(pelvis.buffer(-2.0)).buffer(1.1)
    m = frame.mask(si)
    total -= np.where(m, 0.5 * chord(frame.distance_inside(m), 1.1), 0.0)
    for stroke, width in sk.strokes:
        m = frame.mask(stroke)
        total += np.where(m, chord(frame.distance_inside(m), width) * 0.9, 0.0)
    k = sk.hips["left"].head_centre[0] / 95.0
    for i in range(4):
        for sx in (-1, 1):
            cx, cy, r = sx * (22 - i) * k, (-100 + 18 * i) * k, (5.5 - 0.8 * i) * k
            d = np.hypot(x - cx, (y - cy) * 1.3)
            total -= 0.6 * np.clip(1 - d / r, 0, None) ** 0.5
    return total, tex
