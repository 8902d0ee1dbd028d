"""From a design to detector pixels: anatomy, HO and implants, then blur, noise and 12 bits."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import scipy.fft as sfft
from numpy.typing import NDArray
from scipy import ndimage

from ho_annotate.annotations.model import Side
from ho_annotate.synth.anatomy import Skeleton, build_skeleton, skeleton_attenuation, soft_tissue
from ho_annotate.synth.attenuation import add_bone
from ho_annotate.synth.design import CaseDesign, SideDesign
from ho_annotate.synth.geometry import FloatArray, Frame, frequencies2, resample
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
            metal(frame, p, sk.hips[side].lateral, metal_att)  # type: ignore[index]
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
            add_bone(tissue, frame, poly, 9.0, 1.4, tex, weight=1.5)
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
    # In place where it can be: every full-frame temporary costs as much as the arithmetic.
    eq = _wide_blur(frame, tissue, 45.0)
    eq *= np.float32(-0.4)
    eq += tissue
    # Percentiles of every other pixel in each direction: the same window, a quarter the work.
    sample = eq[::2, ::2][tissue[::2, ::2] > 0.5]
    lo, hi = np.percentile(sample, [0.5, 99.8]) if sample.size else (eq.min(), eq.max())
    v = eq
    v -= np.float32(lo)
    v *= np.float32(1.0 / max(hi - lo, 1e-6))
    np.clip(v, 0.0, 1.0, out=v)
    # Film-like tone curve: bone separates from soft tissue, no hard clipping at either end.
    np.power(v, np.float32(1.35), out=v)
    v *= np.float32(0.8)
    rows, cols = np.nonzero(metal_att.any(axis=1))[0], np.nonzero(metal_att.any(axis=0))[0]
    if rows.size:
        box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
        v[box] += (1.0 - v[box]) * (1.0 - np.exp(-metal_att[box] / np.float32(3.0)))
    # Heel effect: the anode side (the head end) gets a little less exposure.
    heel = np.float32(0.05) * np.linspace(-0.5, 0.5, frame.rows, dtype=np.float32)[:, None]
    v *= 1 - heel
    v += heel
    # Quantum noise, larger where fewer photons arrive (bright pixels), then detector blur
    # and mild edge enhancement (one filter, applied in the frequency domain).
    noise = rng.standard_normal(v.shape, dtype=np.float32)
    gain = v * np.float32(0.025)
    gain += np.float32(0.02)
    noise *= gain
    v += noise
    v = _blur_and_sharpen(v, max(0.3 / s, 0.8), 2.5 / s, 0.35)
    v *= np.float32(MAX_VALUE - 100)
    v += np.float32(60)
    np.rint(v, out=v)
    np.clip(v, 0, MAX_VALUE, out=v)
    stored = v.astype(np.uint16)
    if photometric == "MONOCHROME1":
        stored = (MAX_VALUE - stored).astype(np.uint16)
    return np.asarray(stored, dtype=np.uint16)


def _wide_blur(frame: Frame, field: FloatArray, sigma_mm: float) -> FloatArray:
    """A Gaussian blur much wider than a pixel: block means, blur, bilinear back (edges held)."""
    k = max(1, min(int(sigma_mm / 8 / frame.s), frame.rows, frame.cols))
    # Whole blocks only: the last few rows and columns take the nearest block's value.
    rows, cols = frame.rows // k * k, frame.cols // k * k
    part = field[:rows, :cols]
    blocks = part.reshape(part.shape[0] // k, k, -1, k).mean(axis=(1, 3), dtype=np.float32)
    half = (k - 1) / 2 * frame.s
    grid = Frame(rows // k, cols // k, frame.s * k, frame.x0 + half, frame.y0 + half)
    smooth = ndimage.gaussian_filter(blocks, sigma_mm / grid.s, mode="nearest")
    return resample(grid, smooth, frame)


def _blur_and_sharpen(v: FloatArray, blur_px: float, wide_px: float, amount: float) -> FloatArray:
    """``b + amount * (b - G_wide(b))`` with ``b = G_blur(v)``, mirrored at the edges like
    ``ndimage.gaussian_filter``'s default."""
    pad = int(np.ceil(4 * wide_px))
    fr, fc = (sfft.next_fast_len(n + 2 * pad, real=True) for n in v.shape)
    extra = ((pad, fr - v.shape[0] - pad), (pad, fc - v.shape[1] - pad))
    padded = np.pad(v, extra, mode="symmetric")
    h = _detector_filter(fr, fc, blur_px, wide_px, amount)
    spectrum = sfft.rfft2(padded, workers=1)
    spectrum *= h
    out = sfft.irfft2(spectrum, s=(fr, fc), workers=1)
    return np.asarray(out[pad : pad + v.shape[0], pad : pad + v.shape[1]], dtype=np.float32)


@functools.lru_cache(maxsize=8)
def _detector_filter(fr: int, fc: int, blur_px: float, wide_px: float, amount: float) -> FloatArray:
    """The transfer function of :func:`_blur_and_sharpen` (the same for every seed: cached)."""
    k2 = frequencies2(fr, fc)
    blur = np.exp(np.float32(-2 * np.pi**2 * blur_px**2) * k2)
    wide = np.exp(np.float32(-2 * np.pi**2 * wide_px**2) * k2)
    return np.asarray(blur * ((1 + amount) - amount * wide), dtype=np.float32)
