"""What a synthetic case should show: per-hip HO targets and how the image is acquired."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from ho_annotate.annotations.model import Side

Grade = Literal["0", "I", "II", "III", "IV"]
SpacingOption = Literal["fiducial", "ermf-true", "ermf-nominal", "detector", "none"]
SPACING_OPTIONS: tuple[SpacingOption, ...] = (
    "fiducial",
    "ermf-true",
    "ermf-nominal",
    "detector",
    "none",
)
TransferSyntax = Literal["uncompressed", "jpeg2000", "rle"]
TRANSFER_SYNTAXES: tuple[TransferSyntax, ...] = ("uncompressed", "jpeg2000", "rle")
Photometric = Literal["MONOCHROME1", "MONOCHROME2"]
#: Image size limits in pixels per side: big enough for the anatomy at coarse pixels, small
#: enough that rendering (several float images of this size) stays within a laptop's memory.
MIN_SIDE = 128
MAX_SIDE = 8192


def half_up(value: float) -> float:
    """Round to 0.1 mm, halves up (the reporting rule, computed apart from the tool's own
    ``grading.rounding`` so that the ground truth checks it rather than repeats it)."""
    return math.floor(value * 10.0 + 0.5 + 1e-9) / 10.0


@dataclass(frozen=True)
class SideDesign:
    """HO on one hip: a Brooker ``grade`` to aim at, or exact parts (which then win).

    ``gap_mm`` is the true narrowest space between a spur and the opposing bone.
    ``prosthesis_mm`` puts a total hip replacement with a head of that diameter on this side.
    ``read=False`` leaves the hip unread in the reference (no grade may be given).
    """

    grade: Grade | None = None
    islands: tuple[float, ...] = ()
    pelvic_spur: bool = False
    femoral_spur: bool = False
    gap_mm: float | None = None
    bridge: bool = False
    prosthesis_mm: float | None = None
    read: bool = True

    def __post_init__(self) -> None:
        if self.gap_mm is not None and not (math.isfinite(self.gap_mm) and 0 < self.gap_mm <= 60):
            raise ValueError(
                f"a gap must be a number of mm above 0 and at most 60, not {self.gap_mm}"
            )
        if self.prosthesis_mm is not None and not (
            math.isfinite(self.prosthesis_mm) and 15 <= self.prosthesis_mm <= 60
        ):
            raise ValueError(
                f"a prosthetic head is 15 to 60 mm across (usually 22-40), not {self.prosthesis_mm}"
            )
        if any(not (math.isfinite(s) and 0 < s <= 60) for s in self.islands):
            raise ValueError("island sizes must be numbers of mm above 0 and at most 60")

    @property
    def explicit(self) -> bool:
        return bool(self.islands or self.pelvic_spur or self.femoral_spur or self.bridge)

    def resolve(self, rng: np.random.Generator) -> SideDesign:
        """Exact parts for a grade target (random sizes well away from the 10 mm limits)."""
        if self.explicit or self.grade in (None, "0"):
            return self
        if self.grade == "I":
            n = int(rng.integers(1, 4))
            sizes = tuple(round(float(rng.uniform(3.0, 8.0)), 1) for _ in range(n))
            return replace(self, islands=sizes)
        if self.grade == "IV":
            return replace(self, bridge=True)
        gap = self.gap_mm
        if gap is None:
            lo, hi = (13.0, 18.0) if self.grade == "II" else (3.0, 8.0)
            gap = round(float(rng.uniform(lo, hi)), 1)
        both = bool(rng.random() < 0.6)
        return replace(self, pelvic_spur=True, femoral_spur=both, gap_mm=gap)

    def true_grade(self) -> Grade:
        """The Brooker class of the design itself (true sizes at the patient plane)."""
        if self.bridge:
            return "IV"
        if self.pelvic_spur or self.femoral_spur:
            assert self.gap_mm is not None
            return "II" if half_up(self.gap_mm) >= 10.0 else "III"
        if self.islands:
            return "I"
        if self.grade is not None and not self.explicit and self.grade != "0":
            raise ValueError("resolve() the design first")
        return "0"


@dataclass(frozen=True)
class CaseDesign:
    """One synthetic radiograph: anatomy, HO per hip and the acquisition.

    ``view="hip"`` images one hip (``laterality`` ``"L"`` or ``"R"``); ``"pelvis"`` both.
    ``pixel_mm`` is the detector pixel; the patient plane sees it divided by ``magnification``.
    ``nominal_magnification`` is what an ``ermf-nominal`` device writes instead of the truth.
    """

    right: SideDesign = field(default_factory=lambda: SideDesign(grade="0"))
    left: SideDesign = field(default_factory=lambda: SideDesign(grade="0"))
    view: Literal["pelvis", "hip"] = "pelvis"
    laterality: Literal["L", "R"] | None = None
    magnification: float = 1.15
    nominal_magnification: float = 1.10
    spacing: SpacingOption = "fiducial"
    photometric: Photometric = "MONOCHROME2"
    transfer_syntax: TransferSyntax = "uncompressed"
    rows: int = 1000
    columns: int = 1200
    pixel_mm: float = 0.35
    seed: int = 0
    description: str = ""

    def __post_init__(self) -> None:
        if self.view == "hip" and self.laterality not in ("L", "R"):
            raise ValueError("a single-hip view needs laterality 'L' or 'R'")
        if self.spacing not in SPACING_OPTIONS:
            raise ValueError(f"spacing must be one of {', '.join(SPACING_OPTIONS)}")
        if self.transfer_syntax not in TRANSFER_SYNTAXES:
            raise ValueError(f"transfer syntax must be one of {', '.join(TRANSFER_SYNTAXES)}")
        if not (1.0 <= self.magnification <= 1.5):
            raise ValueError(f"magnification must be 1.0-1.5, not {self.magnification}")
        if not (math.isfinite(self.pixel_mm) and 0.01 <= self.pixel_mm <= 5.0):
            raise ValueError(f"the detector pixel must be 0.01-5 mm, not {self.pixel_mm}")
        if not (MIN_SIDE <= self.rows <= MAX_SIDE and MIN_SIDE <= self.columns <= MAX_SIDE):
            raise ValueError(
                f"rows and columns must each be {MIN_SIDE}-{MAX_SIDE} pixels, "
                f"not {self.rows} x {self.columns}"
            )

    def imaged_sides(self) -> tuple[Side, ...]:
        if self.view == "hip":
            return ("left",) if self.laterality == "L" else ("right",)
        return ("right", "left")

    def side(self, side: Side) -> SideDesign:
        return self.left if side == "left" else self.right

    @property
    def patient_pixel_mm(self) -> float:
        """The true size of a pixel at the patient plane."""
        return self.pixel_mm / self.magnification
