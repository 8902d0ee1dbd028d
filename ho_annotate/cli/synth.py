"""``ho-annotate synth``: make a synthetic hip radiograph with its reference annotations."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DESCRIPTION = (
    "Make a synthetic AP pelvis or single-hip radiograph (a DICOM DX image, or CR when the "
    "header has no spacing) with HO designed to a Brooker grade or an exact gap, plus its "
    "reference annotation sidecar. Sizes are true sizes at the patient plane; the image is "
    "magnified like a real one and the header's spacing is what the chosen kind of device "
    "would write. The same seed gives the same file."
)
GRADES = ("0", "I", "II", "III", "IV")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "synth", help="make a synthetic radiograph with ground truth", description=DESCRIPTION
    )
    p.add_argument("out", metavar="OUT.dcm", type=Path, help="the DICOM file to write")
    for side in ("right", "left"):
        p.add_argument(
            f"--{side}", choices=GRADES, help=f"Brooker grade to design on the {side} hip"
        )
        p.add_argument(
            f"--{side}-gap", type=float, metavar="MM",
            help=f"exact spur gap on the {side} hip, mm at the patient plane (grade II/III)",
        )  # fmt: skip
        p.add_argument(
            f"--{side}-prosthesis", type=float, metavar="MM",
            help=f"a hip replacement on the {side} with a head of this diameter",
        )  # fmt: skip
    p.add_argument("--view", choices=("pelvis", "hip"), default="pelvis")
    p.add_argument("--laterality", choices=("L", "R"), help="the hip of a single-hip view")
    p.add_argument(
        "--spacing", default="fiducial",
        choices=("fiducial", "ermf-true", "ermf-nominal", "detector", "none"),
        help="what the header says about pixel size (default: fiducial); 'none' writes a CR "
        "image instead of DX, because DX requires ImagerPixelSpacing",
    )  # fmt: skip
    p.add_argument("--magnification", type=float, default=1.15, help="true magnification")
    p.add_argument("--photometric", choices=("MONOCHROME1", "MONOCHROME2"), default="MONOCHROME2")
    p.add_argument(
        "--transfer-syntax", choices=("uncompressed", "jpeg2000", "rle"), default="uncompressed"
    )
    p.add_argument("--rows", type=int, default=1000)
    p.add_argument("--columns", type=int, default=1200)
    p.add_argument("--pixel-mm", type=float, default=0.35, help="detector pixel size in mm")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a case synth made earlier under the same name (never any other file)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ho_annotate.errors import HoAnnotateError
    from ho_annotate.files.outputs import is_sidecar, refuse_input
    from ho_annotate.synth import CaseDesign, DesignError, SideDesign, write_case

    out: Path = args.out
    if is_sidecar(out):  # an existing DICOM is checked by write_case: synth may replace its own
        refuse_input(out, "synthetic image")
    if out.is_dir():
        raise HoAnnotateError(f"{out}: is a folder; give the DICOM file to write (e.g. case.dcm)")
    if out.exists() and not out.is_file():
        raise HoAnnotateError(f"{out}: is not a regular file; give the DICOM file to write")
    try:
        sides = {}
        for side in ("right", "left"):
            grade = getattr(args, side)
            gap = getattr(args, f"{side}_gap")
            if gap is not None and grade not in ("II", "III", None):
                raise HoAnnotateError(f"--{side}-gap only applies to spurs (grade II or III)")
            if gap is not None and grade is None:
                grade = "II" if gap >= 10.0 else "III"
            sides[side] = SideDesign(
                grade=grade or "0", gap_mm=gap, prosthesis_mm=getattr(args, f"{side}_prosthesis")
            )
        design = CaseDesign(
            right=sides["right"],
            left=sides["left"],
            view=args.view,
            laterality=args.laterality,
            magnification=args.magnification,
            spacing=args.spacing,
            photometric=args.photometric,
            transfer_syntax=args.transfer_syntax,
            rows=args.rows,
            columns=args.columns,
            pixel_mm=args.pixel_mm,
            seed=args.seed,
        )
    except HoAnnotateError:
        raise
    except (ValueError, DesignError) as exc:
        raise HoAnnotateError(f"{out}: cannot make this case: {exc}") from exc
    name = out.stem if out.suffix == ".dcm" else out.name
    try:
        written = write_case(design, out.parent, name, overwrite=args.overwrite)
    except (HoAnnotateError, OSError):
        raise
    except Exception as exc:  # the anatomy did not fit the image (geometry came out empty)
        fov = f"{design.rows * design.patient_pixel_mm:.0f} x "
        fov += f"{design.columns * design.patient_pixel_mm:.0f} mm"
        raise HoAnnotateError(
            f"{out}: cannot make this case: the hip anatomy does not fit a {design.rows} x "
            f"{design.columns} image of {design.pixel_mm:g} mm pixels ({fov} at the patient "
            "plane); use more rows and columns or a larger --pixel-mm"
        ) from exc
    print(f"wrote {written.image} and {written.sidecar}")
    for exp in written.case.expected:
        if exp.side not in design.imaged_sides():
            continue
        gap = "" if exp.true_gap_mm is None else f", true gap {exp.true_gap_mm:.1f} mm"
        told = exp.brooker if exp.brooker is not None else "no grade"
        print(f"{exp.side} hip: true Brooker {exp.true_brooker}{gap}; the tool should say {told}")
    return 0
