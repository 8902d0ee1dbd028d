"""``ho-annotate calibrate IMAGE --head-diameter MM``: spacing from the prosthetic femoral head."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

DESCRIPTION = (
    "Find the prosthetic femoral head (the brightest metal disc) and print the pixel spacing its "
    "known diameter implies, with its uncertainty. Give the diameter from the operation notes "
    "(usually 22, 28, 32, 36 or 40 mm). Exits with status 2 when no head is found. The DICOM "
    "file is not changed: store a calibration with the annotations (workbench)."
)


def _diameter(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of mm: {text!r}") from None
    if not (math.isfinite(value) and 0 < value < 100):
        raise argparse.ArgumentTypeError(f"a head diameter in mm (e.g. 28), got {text!r}")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "calibrate",
        help="spacing from the prosthetic femoral head of known diameter",
        description=DESCRIPTION,
    )
    parser.add_argument("image", metavar="IMAGE", help="the DICOM radiograph")
    parser.add_argument(
        "--head-diameter",
        metavar="MM",
        type=_diameter,
        required=True,
        help="true diameter of the prosthetic head in mm",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='print one JSON object: {"center", "radius_px", "spacing_mm", "uncertainty"}',
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ho_annotate.calibration.prosthesis import find_prosthetic_heads, head_calibration
    from ho_annotate.dicom.radiograph import load_radiograph
    from ho_annotate.errors import CalibrationError

    rad = load_radiograph(args.image)
    heads = find_prosthetic_heads(rad)
    if not heads:
        raise CalibrationError(
            f"{args.image}: no prosthetic femoral head found; calibrate by hand instead "
            "(a line or circle of known size in the workbench)"
        )
    best = heads[0]
    cal = head_calibration(best, args.head_diameter, rad.spacing)
    if args.json:
        result = {
            "center": [best.center[0], best.center[1]],
            "radius_px": best.radius_px,
            "spacing_mm": [cal.row_mm, cal.col_mm],
            "uncertainty": cal.uncertainty,
        }
        print(json.dumps(result))
        return 0
    row, col = best.center
    print(f"Head:      centre (row {row:.1f}, col {col:.1f}), radius {best.radius_px:.2f} px")
    print(
        f"Spacing:   {cal.row_mm:.4f} x {cal.col_mm:.4f} mm (row x col) for a "
        f"{args.head_diameter:g} mm head, uncertainty {100 * cal.uncertainty:.2f} %"
    )
    if rad.spacing is not None:
        ratio = rad.spacing.col_mm / cal.col_mm
        print(
            f"Header:    {rad.spacing.col_mm:g} mm ({rad.spacing_kind}: {rad.spacing_source}); "
            f"header / implied = {ratio:.3f}"
        )
    if len(heads) > 1:
        others = ", ".join(
            f"(row {h.center[0]:.0f}, col {h.center[1]:.0f}, r {h.radius_px:.1f} px)"
            for h in heads[1:]
        )
        print(f"Also found: {others}; the first is the most head-like")
    return 0
