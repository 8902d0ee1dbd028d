"""``ho-annotate grade IMAGE``: the grade of each hip from a reader's annotations, with reasons."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ho_annotate.cli.sidecars import add_image_and_sidecar_arguments

DESCRIPTION = (
    "Grade each hip of a radiograph from a reader's annotation sidecar "
    "(<image stem>.<reader>.ho.json), with the reason for each grade and what is missing when "
    "no grade can be given. Gaps are measured in mm at the patient plane when the image is "
    "calibrated; see docs/grading.md for the rules."
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "grade", help="grade each hip (Brooker, Della Valle) with reasons", description=DESCRIPTION
    )
    add_image_and_sidecar_arguments(
        parser,
        "whose annotations to grade (default: the only sidecar there is; "
        "'reference' for the shipped reference annotations)",
    )
    parser.add_argument(
        "--scheme",
        default="brooker",
        metavar="SCHEME",
        help="brooker (default), della-valle, or an installed scheme",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ho_annotate.annotations.store import load_annotations
    from ho_annotate.cli.sidecars import resolve_sidecar
    from ho_annotate.dicom.radiograph import read_header
    from ho_annotate.errors import SidecarError
    from ho_annotate.grading import get_scheme, grade

    scheme = get_scheme(args.scheme)
    header = read_header(args.image)
    if not header.sop_instance_uid:
        raise SidecarError(
            f"{args.image}: the image has no SOPInstanceUID, so no annotations can be bound to it"
        )
    path = resolve_sidecar(args.image, args.annotations, args.reader)
    shape = (header.rows, header.columns)
    aset = load_annotations(path, expected_sop_uid=header.sop_instance_uid, image_shape=shape)
    if args.reader is not None and aset.reader != args.reader:
        raise SidecarError(
            f"{path}: holds reader {aset.reader!r}'s annotations, not {args.reader!r}'s; "
            f"pass --reader {aset.reader} or give {args.reader}'s sidecar"
        )
    report = grade(aset, header.spacing, scheme.name)
    if args.json:
        print(json.dumps(report.to_json(str(args.image)), ensure_ascii=False))
        return 0
    sides = {side: report.sides[side] for side in ("right", "left")}
    common = [w for w in sides["right"].warnings if w in sides["left"].warnings]
    spacing = header.spacing_source if aset.calibration is None else report.spacing_source
    print(f"{args.image}  (reader {aset.reader}, {scheme.title})")
    print(f"spacing: {report.spacing_kind or 'none'} - {spacing}")
    for warning in common:
        print(f"warning: {warning}")
    for side, res in sides.items():
        grade_text = res.grade if res.grade is not None else "no grade"
        extra = []
        if res.gap_mm is not None and res.decisive is not None:
            source = "reader's line" if res.decisive.source == "reader" else "from outlines"
            extra.append(f"gap {res.gap_mm:.1f} mm, {source}")
        if res.borderline:
            extra.append("borderline")
        detail = f" ({'; '.join(extra)})" if extra else ""
        print(f"{side} hip: {grade_text}{detail}")
        print(f"  {res.reason}")
        for need in res.needs:
            print(f"  needs {need.code}: {need.message}")
        for warning in res.warnings:
            if warning not in common:
                print(f"  warning: {warning}")
    return 0
