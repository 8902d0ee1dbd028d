"""The bundled sample cases: one design per file, each chosen to teach one thing."""

from __future__ import annotations

from dataclasses import dataclass

from ho_annotate.synth.design import CaseDesign, SideDesign

#: The prosthetic head of the calibration lesson (stated in sample_data/README.md).
LESSON_HEAD_MM = 32.0
ROWS, COLUMNS, PIXEL_MM = 800, 960, 0.44


@dataclass(frozen=True)
class SampleCase:
    name: str
    design: CaseDesign
    #: One line for people (README, demo, napari menu).
    title: str


def _case(name: str, title: str, **kw: object) -> SampleCase:
    kw.setdefault("rows", ROWS)
    kw.setdefault("columns", COLUMNS)
    kw.setdefault("pixel_mm", PIXEL_MM)
    return SampleCase(name, CaseDesign(description=title, **kw), title)  # type: ignore[arg-type]


SAMPLE_CASES: tuple[SampleCase, ...] = (
    _case(
        "brooker0_no_ho",
        "Brooker 0 on both hips, calibrated (fiducial PixelSpacing)",
        seed=101,
    ),
    _case(
        "brooker1_islands_tha",
        "Brooker I: islands beside a left hip replacement (28 mm head); magnification "
        "factor in the header",
        left=SideDesign(islands=(6.5, 4.0), prosthesis_mm=28.0),
        spacing="ermf-true",
        seed=102,
    ),
    _case(
        "brooker2_spurs_tha",
        "Brooker II: spurs leaving 14.2 mm beside a left hip replacement (36 mm head); "
        "right hip replaced, no HO",
        left=SideDesign(pelvic_spur=True, femoral_spur=True, gap_mm=14.2, prosthesis_mm=36.0),
        right=SideDesign(grade="0", prosthesis_mm=28.0),
        seed=103,
    ),
    _case(
        "brooker3_spurs",
        "Brooker III: pelvic and femoral spurs 6.4 mm apart on the right hip",
        right=SideDesign(pelvic_spur=True, femoral_spur=True, gap_mm=6.4),
        seed=104,
        transfer_syntax="rle",
    ),
    _case(
        "brooker4_bridge_uncalibrated",
        "Brooker IV: a bony bridge across the right hip; no pixel spacing at all",
        right=SideDesign(bridge=True),
        spacing="none",
        seed=105,
        transfer_syntax="rle",
    ),
    _case(
        "borderline_gap",
        "Borderline: a 9.8 mm gap (class III by 0.2 mm) beside a left hip replacement",
        left=SideDesign(pelvic_spur=True, femoral_spur=True, gap_mm=9.8, prosthesis_mm=32.0),
        seed=106,
        transfer_syntax="rle",
    ),
    _case(
        "bilateral_ii_iii",
        "Both hips: II on the right (15.1 mm), III on the left (4.3 mm); the header's nominal "
        "magnification factor (1.10) differs from the true one (1.15)",
        right=SideDesign(pelvic_spur=True, femoral_spur=True, gap_mm=15.1),
        left=SideDesign(pelvic_spur=True, gap_mm=4.3),
        spacing="ermf-nominal",
        seed=107,
        transfer_syntax="rle",
    ),
    _case(
        "single_hip_left",
        "Single-hip view of the left hip after hip replacement (32 mm head): Brooker III, "
        "7.0 mm gap",
        view="hip",
        laterality="L",
        left=SideDesign(pelvic_spur=True, femoral_spur=True, gap_mm=7.0, prosthesis_mm=32.0),
        rows=720,
        columns=600,
        seed=108,
        transfer_syntax="jpeg2000",
    ),
    _case(
        "monochrome1_islands",
        "MONOCHROME1 (stored inverted): a 12.5 mm island on the right hip, Brooker I and "
        "Della Valle B",
        right=SideDesign(islands=(12.5, 5.0)),
        photometric="MONOCHROME1",
        spacing="ermf-true",
        seed=109,
        transfer_syntax="rle",
    ),
    _case(
        "jpeg2000_femoral_spur",
        "JPEG 2000 (lossless): a femoral spur leaving 12.4 mm on the left hip, Brooker II",
        left=SideDesign(femoral_spur=True, gap_mm=12.4),
        seed=110,
        transfer_syntax="jpeg2000",
    ),
    _case(
        "calibration_lesson",
        f"Calibration lesson: a true 9.2 mm gap beside a left hip replacement "
        f"({LESSON_HEAD_MM:g} mm head), detector-plane spacing only: measures 10.6 mm, no grade "
        "until calibrated on the head",
        left=SideDesign(
            pelvic_spur=True, femoral_spur=True, gap_mm=9.2, prosthesis_mm=LESSON_HEAD_MM
        ),
        spacing="detector",
        seed=111,
        transfer_syntax="jpeg2000",
    ),
)


def sample_case(name: str) -> SampleCase:
    for case in SAMPLE_CASES:
        if case.name == name:
            return case
    raise KeyError(name)
