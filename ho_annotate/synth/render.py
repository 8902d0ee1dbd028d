"""From a design to detector pixels: anatomy, HO and implants, then blur, noise and 12 bits."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from ho_annotate.annotations.model import Side
from ho_annotate.synth.anatomy import Skeleton, build_skeleton, skeleton_attenuation, soft_tissue
from ho_annotate.synth.attenuation import bone
from ho_annotate.synth.design import CaseDesign, SideDesign
from ho_annotate.synth.geometry import FloatArray, Frame
from ho_annotate.synth.ho import HOParts, design_ho
from ho_annotate.synth.prosthesis import Prosthesis, metal, place

BITS = 12
MAX_VALUE = 2**BITS - 1


@dataclass
class Rendering:
    """The stored pixels (after photometric handling) and everything drawn into them."""

    design: CaseDesign
    frame: Frame
    pixels: NDArray[np.uint16]
    skeleton: Skeleton
    sides: dict[Side, SideDesign] = field(default_factory=dict)
    ho: dict[Side, HOParts] = field(default_factory=dict)
    prostheses: dict[Side, Prosthesis] = field(default_factory=dict)


def make_frame(design: CaseDesign) -> Frame:
    s = design.patient_pixel_mm
    if design.view == "hip":
        cx, cy = (105.0 if design.laterality == "L" else -105.0), 5.0
    else:
        cx, cy = 0.0, -20.0
    return Frame(
        design.rows,
        design.columns,
        s,
        cx - (design.columns - 1) * s / 2,
        cy - (design.rows - 1) * s / 2,
    )


def render(design: CaseDesign) -> Rendering:
    rng = np.random.default_rng(design.seed)
    anatomy_rng, ho_rng, noise_rng = (np.random.default_rng(s) for s in rng.integers(0, 2**63, 3))
    frame = make_frame(design)
    sides = {s: design.side(s).resolve(ho_rng) for s in design.imaged_sides()}
    native = {s: design.side(s).prosthesis_mm is None for s in ("left", "right")}
    sk = build_skeleton(anatomy_rng, native_head=native)  # type: ignore[arg-type]
    tissue = soft_tissue(frame, anatomy_rng)
    bones, tex = skeleton_attenuation(frame, sk, anatomy_rng)
    tissue += bones
    out = Rendering(design, frame, np.zeros((1, 1), np.uint16), sk, sides)
    metal_att = np.zeros_like(tissue)
    for side in ("left", "right"):
        head = design.side(side).prosthesis_mm  # type: ignore[arg-type]
        if head is not None:
            p = place(sk.hips[side], head)  # type: ignore[index]
            out.prostheses[side] = p  # type: ignore[index]
            metal_att += metal(frame, p, sk.hips[side].lateral)  # type: ignore[index]
    for side, sd in sides.items():
        parts = design_ho(
            sk.hips[side],
            ho_rng,
            frame.extent(),
            islands=sd.islands,
            pelvic_spur=sd.pelvic_spur,
            femoral_spur=sd.femoral_spur,
            gap_mm=sd.gap_mm,
            bridge=sd.bridge,
        )
        out.ho[side] = parts
        for poly in parts.polygons():
            tissue += 1.5 * bone(frame, poly, 9.0, 1.4, tex)
    out.pixels = _detector(frame, tissue, metal_att, noise_rng, design.photometric)
    return out


def _detector(
    frame: Frame,
    tissue: FloatArray,
    metal_att: FloatArray,
    rng: np.random.Generator,
    photometric: str,
) -> NDArray[np.uint16]:
    """Log-domain processing like a DX workstation: equalise, window, film-like tone curve,
    heel effect, then quantum noise blurred by the scintillator, and mild edge enhancement."""
    s = frame.s
    eq = tissue - 0.4 * ndimage.gaussian_filter(tissue, 45.0 / s, mode="nearest")
    body = tissue > 0.5
    lo, hi = np.percentile(eq[body], [0.5, 99.8]) if body.any() else (eq.min(), eq.max())
    v = np.clip((eq - lo) / max(hi - lo, 1e-6), 0.0, 1.0)
    # Film-like tone curve: bone separates from soft tissue, no hard clipping at either end.
    v = 0.8 * v**1.35
    v = v + (1.0 - v) * (1.0 - np.exp(-metal_att / 3.0))
    # Heel effect: the anode side (the head end) gets a little less exposure.
    rows = np.linspace(-0.5, 0.5, frame.rows)[:, None]
    v = v + 0.05 * rows * (1.0 - v)
    # Quantum noise, larger where fewer photons arrive (bright pixels), then detector blur.
    noise = rng.normal(0.0, 1.0, v.shape) * (0.02 + 0.025 * v)
    v = ndimage.gaussian_filter(v + noise, max(0.3 / s, 0.8))
    v = v + 0.35 * (v - ndimage.gaussian_filter(v, 2.5 / s))
    stored = np.clip(np.round(60 + v * (MAX_VALUE - 100)), 0, MAX_VALUE).astype(np.uint16)
    if photometric == "MONOCHROME1":
        stored = (MAX_VALUE - stored).astype(np.uint16)
    return np.asarray(stored, dtype=np.uint16)
