"""``ho-annotate info IMAGE``: what the header says, without patient identity or pixel decoding."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ho_annotate.dicom.radiograph import RadiographHeader

DESCRIPTION = (
    "Summarise a DICOM radiograph's header: size, photometric interpretation, transfer syntax, "
    "display window, pixel spacing with its kind (calibrated, estimated, detector, unknown) and "
    "the attribute it comes from, laterality, orientation and the identifying UIDs. Patient "
    "name and ID are never shown. Reads the header only (fast for batch checks)."
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "info",
        help="header summary: spacing kind and source, window, UIDs (no patient identity)",
        description=DESCRIPTION,
    )
    parser.add_argument("image", metavar="IMAGE", help="the DICOM radiograph")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def summary(header: RadiographHeader) -> dict[str, Any]:
    """The header facts as plain JSON-ready values.

    Only fields documented as safe are shown, and only when they are well-formed: UIDs that
    are UIDs, code strings that are code strings. A damaged header may hold a name anywhere.
    """
    from ho_annotate.dicom.safe_text import safe_code, safe_uid

    spacing = header.spacing
    orientation = [safe_code(p) or "" for p in header.patient_orientation or []]
    return {
        "path": str(header.path),
        "sop_class_uid": safe_uid(header.sop_class_uid),
        "modality": safe_code(header.modality),
        "view_position": safe_code(header.view_position),
        "laterality": safe_code(header.laterality),
        "patient_orientation": orientation or None,
        "rows": header.rows,
        "columns": header.columns,
        "photometric": header.photometric,
        "bits_stored": header.bits_stored,
        "transfer_syntax": header.transfer_syntax,
        "rescale": list(header.rescale),
        "value_range": list(header.value_range),
        "window": list(header.voi_window) if header.voi_window else None,
        "window_source": header.voi_source,
        "spacing_mm": list(spacing.mm) if spacing else None,
        "spacing_kind": header.spacing_kind,
        "spacing_source": header.spacing_source,
        "sop_instance_uid": safe_uid(header.sop_instance_uid),
        "study_instance_uid": safe_uid(header.study_instance_uid),
        "series_instance_uid": safe_uid(header.series_instance_uid),
    }


def _lines(header: RadiographHeader) -> list[str]:
    from pydicom.uid import UID

    from ho_annotate.dicom.safe_text import printable

    safe = summary(header)
    sop_class = safe["sop_class_uid"] or "not given"
    if sop_class == header.sop_class_uid:
        sop_class = UID(sop_class).name  # a registered name, or the UID itself
    orientation = (
        "\\".join(safe["patient_orientation"])
        if safe["patient_orientation"]
        else "not given (radiological convention assumed)"
    )
    if header.voi_window:
        center, width = header.voi_window
        window = f"center {center:g}, width {width:g} ({header.voi_source})"
    else:
        window = "none in header (loading uses the 0.5-99.5 percentile window)"
    if header.spacing is not None:
        row_mm, col_mm = header.spacing.mm
        spacing = f"{row_mm:g} x {col_mm:g} mm (row x col), {header.spacing_kind}: "
        spacing += header.spacing_source
    else:
        spacing = "none (distances in pixels only; calibrate to measure in mm)"
    slope, intercept = header.rescale
    lo, hi = header.value_range
    lines = [
        f"File:               {header.path}",
        f"Object:             {sop_class}",
        f"Modality / view:    {safe['modality'] or '-'} / {safe['view_position'] or '-'}",
        f"Laterality:         {safe['laterality'] or 'not given'}",
        f"PatientOrientation: {orientation}",
        f"Size:               {header.rows} rows x {header.columns} columns",
        f"Pixels:             {header.photometric}, {header.bits_stored or '?'} bits stored, "
        f"{header.transfer_syntax or 'transfer syntax not given'}",
        f"Rescale:            slope {slope:g}, intercept {intercept:g}; values {lo:g} .. {hi:g}",
        f"Window:             {window}",
        f"Spacing:            {spacing}",
        f"SOP Instance UID:   {safe['sop_instance_uid'] or 'missing'}",
        f"Study UID:          {safe['study_instance_uid'] or 'missing'}",
        f"Series UID:         {safe['series_instance_uid'] or 'missing'}",
    ]
    return [printable(line) for line in lines]


def run(args: argparse.Namespace) -> int:
    from ho_annotate.dicom.radiograph import read_header

    header = read_header(args.image)
    if args.json:
        print(json.dumps(summary(header)))  # JSON escapes control characters itself
    else:
        print("\n".join(_lines(header)))
    return 0
