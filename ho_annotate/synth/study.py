"""A seeded reading study on synthetic hips: true gaps of 8-12 mm, simulated readers' clicks.

``study_hips(n, seed=..., arm=...)`` yields single-hip images held in memory as
``Radiograph`` objects (bone bright, calibrated spacing at the patient plane) with their
truth: the narrowest gap line and the island outlines, in pixels. Two arms:

- ``clean``: the renderer's images as they are;
- ``degraded``: a total hip on the same side, a metal wire beside the gap (its edge within
  3 mm of the gap's ends), a different tone curve and stronger edge enhancement (another edge
  profile), extra blur and noise, and lossy JPEG 2000 (about 10:1).

``reader_clicks`` places a gap line's ends as a hand on a mouse does: the true ends plus
isotropic noise of ``noise_mm`` (root mean square distance).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import ndimage

from ho_annotate.annotations.model import Point
from ho_annotate.dicom.radiograph import Radiograph
from ho_annotate.synth.design import CaseDesign, SideDesign, half_up
from ho_annotate.synth.ho import DesignError
from ho_annotate.synth.reference import header_spacing
from ho_annotate.synth.render import MAX_VALUE, render

__all__ = ["Arm", "StudyHip", "degrade", "reader_clicks", "study_hips"]

Arm = Literal["clean", "degraded"]
FloatArray = npt.NDArray[np.float64]

#: Image size of a study hip (pixels); a single-hip view at 0.3 mm per pixel.
STUDY_SIZE = 480
GAP_RANGE_MM = (8.0, 12.0)
ISLAND_RANGE_MM = (6.0, 14.0)


@dataclass(frozen=True)
class StudyHip:
    """One hip of the study, with its truth."""

    name: str
    arm: Arm
    radiograph: Radiograph
    true_gap_mm: float
    #: The narrowest gap as drawn: (pelvic side, femoral side), ``(row, col)`` pixels.
    gap_line: tuple[Point, Point]
    #: True island outlines, ``(row, col)`` pixels.
    islands: tuple[tuple[Point, ...], ...]

    @property
    def true_grade(self) -> str:
        """Brooker II or III from the true gap (reported to 0.1 mm)."""
        return "II" if half_up(self.true_gap_mm) >= 10.0 else "III"


def _design(
    rng: np.random.Generator, seed: int, arm: Arm, gap_range: tuple[float, float] = GAP_RANGE_MM
) -> CaseDesign:
    side = SideDesign(
        pelvic_spur=True,
        femoral_spur=bool(rng.random() < 0.5),
        gap_mm=round(float(rng.uniform(*gap_range)), 2),
        islands=(round(float(rng.uniform(*ISLAND_RANGE_MM)), 1),),
        prosthesis_mm=float(rng.choice([28.0, 32.0, 36.0])) if arm == "degraded" else None,
    )
    laterality: Literal["L", "R"] = "L" if rng.random() < 0.5 else "R"
    return CaseDesign(
        left=side if laterality == "L" else SideDesign(grade="0"),
        right=side if laterality == "R" else SideDesign(grade="0"),
        view="hip",
        laterality=laterality,
        rows=STUDY_SIZE,
        columns=STUDY_SIZE,
        magnification=float(rng.uniform(1.1, 1.25)),
        seed=seed,
    )


def _wire(shape: tuple[int, int], line: tuple[Point, Point], s: float) -> FloatArray:
    """Coverage (0..1) of a 1.2 mm metal wire beside the gap: parallel to it, 3.5 mm aside."""
    p, q = np.asarray(line[0]), np.asarray(line[1])
    u = (q - p) / np.hypot(*(q - p))
    v = np.array([-u[1], u[0]])
    mid = 0.5 * (p + q) + v * 3.5 / s
    half_len = 0.4 * np.hypot(*(q - p))
    rows, cols = np.indices(shape, dtype=np.float64)
    d = np.stack([rows - mid[0], cols - mid[1]])
    along = np.abs(u[0] * d[0] + u[1] * d[1])
    across = np.abs(v[0] * d[0] + v[1] * d[1])
    inside = (along <= half_len) & (across <= 0.6 / s)
    return np.asarray(ndimage.gaussian_filter(inside.astype(np.float64), 0.5), dtype=np.float64)


def degrade(
    pixels: npt.NDArray[np.uint16],
    s: float,
    rng: np.random.Generator,
    gap_line: tuple[Point, Point] | None = None,
) -> npt.NDArray[np.uint16]:
    """The degraded arm's image: wire, another tone curve, blur, noise, lossy JPEG 2000."""
    from openjpeg.utils import decode, encode_array

    v = pixels.astype(np.float64) / MAX_VALUE
    if gap_line is not None:
        v = v + (0.97 - v) * _wire(v.shape, gap_line, s)
    v = np.clip(v, 0.0, 1.0) ** 0.75  # another tone curve: soft tissue lifted
    v = v + 0.6 * (v - ndimage.gaussian_filter(v, 1.2 / s))  # stronger edge enhancement
    v = ndimage.gaussian_filter(v, 0.25 / s)
    v = v + rng.normal(0.0, 0.012, v.shape)
    stored = np.clip(np.round(v * MAX_VALUE), 0, MAX_VALUE).astype(np.uint16)
    encoded = encode_array(stored, bits_stored=12, compression_ratios=[10])
    return np.asarray(decode(encoded), dtype=np.uint16)


def _radiograph(name: str, pixels: npt.NDArray[np.uint16], design: CaseDesign) -> Radiograph:
    return Radiograph(
        path=Path(f"{name}.dcm"),
        sop_instance_uid="2.25."
        + str(int.from_bytes(hashlib.sha1(name.encode()).digest()[:12], "big")),
        modality="DX",
        laterality=design.laterality,
        rows=pixels.shape[0],
        columns=pixels.shape[1],
        bits_stored=12,
        value_range=(0.0, float(MAX_VALUE)),
        spacing=header_spacing(design),
        pixels=pixels,
        window=(2048.0, 4000.0),
    )


def study_hips(n: int, *, seed: int, arm: Arm = "clean") -> Iterator[StudyHip]:
    """``n`` study hips; the same ``seed`` and ``arm`` give the same images and truth."""
    rng = np.random.default_rng([seed, 1 if arm == "degraded" else 0])
    made = 0
    while made < n:
        case_seed = int(rng.integers(0, 2**31))
        design = _design(np.random.default_rng(case_seed), case_seed, arm)
        try:
            rendering = render(design)
        except DesignError:
            continue
        side = design.imaged_sides()[0]
        parts = rendering.ho[side]
        if parts.gap_line is None or parts.gap_mm is None:
            continue
        frame = rendering.frame
        line = (frame.to_px(*parts.gap_line[0]), frame.to_px(*parts.gap_line[1]))
        pixels = rendering.pixels
        if arm == "degraded":
            pixels = degrade(pixels, frame.s, np.random.default_rng([case_seed, 2]), line)
        name = f"{arm}-{made:03d}"
        yield StudyHip(
            name=name,
            arm=arm,
            radiograph=_radiograph(name, pixels, design),
            true_gap_mm=float(parts.gap_mm),
            gap_line=line,
            islands=tuple(tuple(frame.coords_px(i)) for i in parts.islands),
        )
        made += 1


def reader_clicks(
    line: tuple[Point, Point],
    spacing_mm: tuple[float, float],
    rng: np.random.Generator,
    noise_mm: float = 1.0,
) -> tuple[Point, Point]:
    """Both ends of ``line`` displaced as a reader's clicks: isotropic, ``noise_mm`` RMS."""
    sd = noise_mm / math.sqrt(2.0)
    out = []
    for r, c in line:
        dr, dc = rng.normal(0.0, sd, 2)
        out.append((r + dr / spacing_mm[0], c + dc / spacing_mm[1]))
    return out[0], out[1]
