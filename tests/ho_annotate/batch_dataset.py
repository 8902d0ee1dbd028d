"""A multi-reader dataset with agreement known by construction, for the batch tests.

Every image is a small real DX file with a fiducial-calibrated 0.1 mm spacing. The reader
``first`` draws a pelvic spur and a gap line on the left hip and confirms no HO on the
right; ``copy`` saved the very same drawing; ``long`` drew every gap line 20 px (2.0 mm) longer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from conftest import write_dx

from ho_annotate.annotations.model import AnnotationSet, Item
from ho_annotate.annotations.naming import sidecar_path
from ho_annotate.annotations.store import encode_annotations

SPACING_MM = 0.1
LONGER_PX = 20
READERS = ("first", "copy", "long")
# Tall enough for the longest gap line (rows 130 to 325): points far outside are refused.
PIXELS = (np.arange(300 * 150) % 4096).astype(np.uint16).reshape(300, 150)


def gap_px(index: int) -> int:
    """The reference gap of image ``index`` in pixels: 3.0 to 17.5 mm, both sides of 10 mm."""
    return 30 + (index * 37) % 146


def annotation(sop_uid: str, reader: str, index: int) -> AnnotationSet:
    length = gap_px(index) + (LONGER_PX if reader == "long" else 0)
    aset = AnnotationSet(sop_instance_uid=sop_uid, reader=reader, side_basis="reader")
    spur = [(100.0, 100.0), (100.0, 140.0), (130.0, 120.0)]
    aset.items.append(Item(kind="spur", side="left", origin="pelvis", points=spur))
    aset.items.append(
        Item(kind="gap", side="left", points=[(130.0, 120.0), (130.0 + length, 120.0)])
    )
    aset.hips.right.no_ho_confirmed = True
    return aset


def make_dataset(
    root: Path,
    count: int,
    readers: Sequence[str] = READERS,
    annotations_dir: Path | None = None,
) -> list[Path]:
    """``count`` images under ``root`` (two sub-folders), each read by ``readers``."""
    images = []
    for index in range(count):
        folder = root / ("site_a" if index % 2 else "site_b")
        folder.mkdir(parents=True, exist_ok=True)
        path = write_dx(
            folder / f"case{index:04d}.dcm",
            PIXELS,
            PixelSpacing=[SPACING_MM, SPACING_MM],
            PixelSpacingCalibrationType="FIDUCIAL",
            ImagerPixelSpacing=[0.12, 0.12],
        )
        from pydicom import dcmread

        sop_uid = str(dcmread(path, stop_before_pixels=True).SOPInstanceUID)
        for reader in readers:
            target = sidecar_path(path, reader, annotations_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(encode_annotations(annotation(sop_uid, reader, index)))
        images.append(path)
    return images
