"""``ho-annotate export IMAGE``: a reader's annotations as DICOM SR, SEG and GSPS objects."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DESCRIPTION = (
    "Write a reader's annotations of a radiograph as new DICOM objects that PACS and viewers "
    "understand: a TID 1500 Structured Report with the outlines, gap lengths (also as OHIF "
    "lengths) and the Brooker / Della Valle grades (--sr), a binary Segmentation of the outlines "
    "(--seg), and a Grayscale Softcopy Presentation State with the drawings and mm labels "
    "(--gsps). Every export is a new instance for research use; no file is ever replaced. "
    "See docs/dicom-export.md."
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export", help="write annotations as DICOM SR / SEG / GSPS", description=DESCRIPTION
    )
    parser.add_argument("image", metavar="IMAGE", type=Path, help="the DICOM radiograph")
    parser.add_argument(
        "--annotations",
        metavar="FILE_OR_DIR",
        type=Path,
        help="a sidecar file, or the folder holding sidecars (default: the image's folder)",
    )
    parser.add_argument("--reader", metavar="NAME", help="whose annotations to export")
    parser.add_argument("--sr", metavar="OUT.dcm", type=Path, help="write a TID 1500 SR here")
    parser.add_argument("--seg", metavar="OUT.dcm", type=Path, help="write a DICOM SEG here")
    parser.add_argument("--gsps", metavar="OUT.dcm", type=Path, help="write a GSPS here")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ho_annotate.cli.sidecars import resolve_sidecar
    from ho_annotate.errors import HoAnnotateError
    from ho_annotate.export import export_files

    outputs = {k: v for k in ("sr", "seg", "gsps") if (v := getattr(args, k)) is not None}
    if not outputs:
        raise HoAnnotateError("export: nothing to write; give --sr, --seg and/or --gsps OUT.dcm")
    sidecar = resolve_sidecar(args.image, args.annotations, args.reader)
    written = export_files(args.image, sidecar, outputs, reader=args.reader)
    for kind, path in written.items():
        print(f"{kind.upper()}: {path}")
    return 0
