"""Which sidecar a command means, from its ``--annotations`` and ``--reader`` options."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ho_annotate.annotations.naming import SUFFIX, check_reader, find_sidecars, image_stem
from ho_annotate.errors import SidecarError

__all__ = ["add_image_and_sidecar_arguments", "resolve_sidecar"]


def add_image_and_sidecar_arguments(parser: Any, reader_help: str) -> None:
    """``IMAGE``, ``--annotations FILE_OR_DIR`` and ``--reader NAME``, as ``resolve_sidecar``
    reads them; ``reader_help`` says what the reader's annotations are used for."""
    parser.add_argument("image", metavar="IMAGE", type=Path, help="the DICOM radiograph")
    parser.add_argument(
        "--annotations",
        metavar="FILE_OR_DIR",
        type=Path,
        help="a sidecar file, or the folder holding sidecars (default: the image's folder)",
    )
    parser.add_argument("--reader", metavar="NAME", help=reader_help)


def resolve_sidecar(
    image_path: str | os.PathLike[str],
    annotations: str | os.PathLike[str] | None = None,
    reader: str | None = None,
) -> Path:
    """The sidecar to use for an image.

    ``annotations`` is a sidecar file or a folder (default: the image's folder). In a folder,
    ``reader`` picks that reader's file; without it there must be exactly one sidecar.
    """
    if annotations is not None and Path(annotations).is_file():
        return Path(annotations)
    if annotations is not None and not Path(annotations).exists():
        raise SidecarError(f"{annotations}: no such annotation file or folder")
    folder = Path(annotations) if annotations is not None else Path(image_path).parent
    found = find_sidecars(image_path, folder)
    if reader is not None:
        check_reader(reader)
        if reader in found:
            return found[reader]
        others = f" (found: {', '.join(found)})" if found else ""
        raise SidecarError(
            f"{folder}: no annotations by reader {reader!r} for {Path(image_path).name}{others}"
        )
    if len(found) == 1:
        return next(iter(found.values()))
    if not found:
        raise SidecarError(
            f"{folder}: no annotations for {Path(image_path).name} (expected "
            f"{image_stem(image_path)}.<reader>{SUFFIX}); annotate the image first or give "
            "--annotations"
        )
    raise SidecarError(
        f"{folder}: {len(found)} readers annotated {Path(image_path).name} "
        f"({', '.join(found)}); choose one with --reader"
    )
