"""``ho-annotate view``: open radiographs in napari with the HO workbench docked."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ho_annotate.errors import RadiographError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "view",
        help="open radiographs in napari with the HO workbench",
        description=(
            "Open DICOM radiographs (files or folders) in napari with the HO workbench docked: "
            "draw islands, spurs, bridges and gap lines, and see the grade per hip as you draw. "
            "A folder, or several files, become a worklist worked through one image at a time. "
            "Needs the napari extra: pip install 'ho-annotate[napari]'."
        ),
    )
    parser.add_argument(
        "paths", nargs="*", metavar="FILE_OR_FOLDER", help="DICOM files or folders of them"
    )
    parser.add_argument("--reader", help="your reader name (sidecars are saved under it)")
    parser.add_argument(
        "--annotations", metavar="DIR", help="save sidecars here instead of beside the images"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ho_annotate.cli import require_napari

    require_napari()
    from napari_ho_annotate import launch_workbench

    from ho_annotate.files.walk import dicom_files

    files = dicom_files(args.paths)
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise RadiographError(f"{missing[0]}: no such file or folder")
    if args.paths and not files:
        raise RadiographError(
            f"{args.paths[0]}: no DICOM files found (expected .dcm/.dicom or files with the "
            "DICM preamble)"
        )
    launch_workbench(files, args.reader, Path(args.annotations) if args.annotations else None)
    return 0
