"""A total hip replacement: acetabular cup, metal femoral head and stem, as metal attenuation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from shapely.geometry import Polygon

from ho_annotate.synth.anatomy import Hip, chaikin
from ho_annotate.synth.attenuation import chord
from ho_annotate.synth.geometry import FloatArray, Frame, mirror

MU_COCR = 4.0  # cobalt-chromium head (sharp rim: nearly opaque right to its edge)
MU_TITANIUM = 0.25  # titanium cup shell, about 2.5 mm thick
MU_STEM = 0.35  # a solid stem looks whiter than a thin shell

_STEM = [
    (92, -4), (112, 4), (127, 11), (140, 20), (141, 60), (137, 110), (133, 158), (130, 166),
    (127, 158), (126, 110), (124, 72), (120, 42), (112, 22), (98, 9), (90, 4),
]  # fmt: skip


@dataclass(frozen=True)
class Prosthesis:
    head_centre: tuple[float, float]
    head_diameter_mm: float
    cup_outer_mm: float
    stem: Polygon


def place(hip: Hip, head_diameter_mm: float) -> Prosthesis:
    k = hip.head_radius / 24.5
    stem = Polygon(chaikin([(x * k, y * k) for x, y in _STEM], 3))
    if hip.lateral < 0:
        stem = mirror(stem)
    cup = max(head_diameter_mm + 18.0, 2 * hip.head_radius + 2.0)
    return Prosthesis(hip.head_centre, head_diameter_mm, cup, stem)


def metal(frame: Frame, p: Prosthesis, lateral: float, target: FloatArray) -> None:
    """Add the attenuation of cup shell (dome side only), head and stem to ``target``."""
    cx, cy = p.head_centre
    r_out = p.cup_outer_mm / 2
    crop = frame.crop((cx - r_out, cy - r_out, cx + r_out, cy + r_out), pad=1)
    if crop is not None:
        x, y = crop.grid()
        rho = np.hypot(x - cx, y - cy)
        # Dome toward superomedial, opening tilted 45 degrees (cup inclination).
        dome = (-(x - cx) * lateral - (y - cy)) >= 0
        shell = chord(r_out - rho, r_out) - chord(r_out - 2.5 - rho, r_out - 2.5)
        att = np.where(dome, MU_TITANIUM * shell, 0.0)
        r_head = p.head_diameter_mm / 2
        att += MU_COCR * chord(r_head - rho, r_head)
        target[crop.index] += att
    stem = frame.crop(p.stem.bounds)
    if stem is not None:
        local = Frame(stem.rows, stem.cols, stem.s, stem.x0, stem.y0)
        m = local.mask(p.stem)
        target[stem.index] += np.where(m, MU_STEM * chord(local.distance_inside(m), 6.0), 0.0)
