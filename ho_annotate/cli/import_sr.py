"""``ho-annotate import-sr SR.dcm --image IMAGE``: an SR's measurements as a sidecar."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DESCRIPTION = (
    "Read a TID 1500 Structured Report back into an annotation sidecar: ho-annotate's own SR "
    "gives back the same drawings, gap lines and hip statements; an OHIF / Cornerstone SR gives "
    "its Length measurements on the image as gap lines, ready to grade. The sidecar is a new "
    "file (<image stem>.<reader>.ho.json beside the image unless -o is given)."
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import-sr", help="read a DICOM SR into an annotation sidecar", description=DESCRIPTION
    )
    parser.add_argument("sr", metavar="SR.dcm", type=Path, help="the Structured Report")
    parser.add_argument(
        "--image", metavar="IMAGE", type=Path, required=True, help="the radiograph it measures"
    )
    parser.add_argument(
        "--reader",
        metavar="NAME",
        help="whose annotations these are (default: the SR's person observer, else 'ohif')",
    )
    parser.add_argument(
        "-o", "--output", metavar="SIDECAR", type=Path, help="where to write the sidecar"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ho_annotate.annotations.naming import check_reader, sidecar_path
    from ho_annotate.annotations.store import save_annotations
    from ho_annotate.export.importing import import_sr

    if args.reader is not None:
        check_reader(args.reader)
    result = import_sr(args.sr, args.image, reader=args.reader)
    aset = result.annotations
    out = args.output or sidecar_path(args.image, aset.reader)
    _check_new(out)
    save_annotations(aset, out)
    gaps = sum(1 for i in aset.items if i.kind == "gap")
    print(f"{out}: {len(aset.items)} items ({gaps} gap lines), reader {aset.reader}")
    for line in result.skipped:
        print(f"  skipped: {line}")
    return 0


def _check_new(path: Path) -> None:
    from ho_annotate.files.outputs import OutputRefusedError

    if path.exists():
        raise OutputRefusedError(
            f"{path}: already exists; import-sr never replaces annotations (choose another name)"
        )
    if not path.parent.is_dir():
        raise OutputRefusedError(f"{path}: the folder {path.parent} does not exist")
