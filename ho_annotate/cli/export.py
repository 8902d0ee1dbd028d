"""``ho-annotate export IMAGE``: a reader's annotations as DICOM SR, SEG and GSPS objects."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ho_annotate.cli.sidecars import add_image_and_sidecar_arguments

DESCRIPTION = (
    "Write a reader's annotations of a radiograph as new DICOM objects that PACS and viewers "
    "understand: a TID 1500 Structured Report with the outlines, gap lengths (also as OHIF "
    "lengths) and the Brooker / Della Valle grades (--sr), a binary Segmentation of the outlines "
    "(--seg), and a Grayscale Softcopy Presentation State with the drawings and mm labels "
    "(--gsps). Every export is a new instance for research use; no file is ever replaced. "
    "The exports carry the image's patient and study modules unless --pseudonymize SALT "
    "de-identifies them for sharing (PS3.15 Annex E Basic Profile, UIDs replaced by salted "
    "hashes; --image-copy also writes the de-identified image they refer to). "
    "See docs/dicom-export.md."
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export", help="write annotations as DICOM SR / SEG / GSPS", description=DESCRIPTION
    )
    add_image_and_sidecar_arguments(parser, "whose annotations to export")
    parser.add_argument("--sr", metavar="OUT.dcm", type=Path, help="write a TID 1500 SR here")
    parser.add_argument("--seg", metavar="OUT.dcm", type=Path, help="write a DICOM SEG here")
    parser.add_argument("--gsps", metavar="OUT.dcm", type=Path, help="write a GSPS here")
    parser.add_argument(
        "--pseudonymize",
        metavar="SALT",
        help="de-identify the exports for sharing; the same secret salt gives the same UIDs",
    )
    parser.add_argument(
        "--image-copy",
        metavar="OUT.dcm",
        type=Path,
        help="with --pseudonymize: also write the de-identified image the exports refer to",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ho_annotate.cli.sidecars import resolve_sidecar
    from ho_annotate.errors import HoAnnotateError
    from ho_annotate.export import export_files

    outputs = {k: v for k in ("sr", "seg", "gsps") if (v := getattr(args, k)) is not None}
    if args.image_copy is not None:
        if args.pseudonymize is None:
            raise HoAnnotateError("export: --image-copy needs --pseudonymize SALT")
        outputs["image"] = args.image_copy
    if not outputs:
        raise HoAnnotateError("export: nothing to write; give --sr, --seg and/or --gsps OUT.dcm")
    sidecar = resolve_sidecar(args.image, args.annotations, args.reader)
    written = export_files(
        args.image, sidecar, outputs, reader=args.reader, pseudonymize=args.pseudonymize
    )
    for kind, path in written.items():
        print(f"{kind.upper()}: {path}")
    return 0
