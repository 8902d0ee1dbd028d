"""Shared helpers of the DICOM export tests: a small annotated DX and the CLI in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import write_dx

from ho_annotate import read_header, save_annotations, sidecar_path
from ho_annotate.annotations.model import HipReading, Hips, Item, ManualCalibration
from ho_annotate.annotations.store import new_annotation_set

#: A gap line whose row and column differ, so a swapped or unshifted axis shows.
GAP_POINTS = [(100.25, 160.5), (140.75, 171.0)]


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``ho-annotate ARGS`` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "ho_annotate", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def annotated_image(folder: Path, *, manual: bool = False) -> tuple[Path, Path]:
    """A 400x500 DX (anisotropic fiducial spacing) and a reader's sidecar of its right hip."""
    pixels = np.random.default_rng(1).integers(0, 4096, size=(400, 500), dtype=np.uint16)
    image = write_dx(
        folder / "hip.dcm",
        pixels,
        PixelSpacing=[0.2, 0.25],
        PixelSpacingCalibrationType="FIDUCIAL",
        PatientOrientation=["L", "F"],
    )
    aset = new_annotation_set(read_header(image), "alice")
    aset.items = [
        Item(kind="spur", side="right", origin="pelvis", id="0123456789ab",
             points=[(60.0, 150.0), (60.0, 200.0), (100.0, 200.0), (100.0, 150.0)]),
        Item(kind="spur", side="right", origin="femur", id="abcdef012345",
             points=[(141.0, 150.0), (141.0, 200.0), (190.0, 200.0), (190.0, 150.0)]),
        Item(kind="island", side="right", id="island000001",
             points=[(250.0, 100.0), (250.0, 130.0), (270.0, 115.0)]),
        Item(kind="gap", side="right", id="fedcba987654", points=list(GAP_POINTS)),
    ]  # fmt: skip
    aset.hips = Hips(left=HipReading(no_ho_confirmed=True))
    if manual:
        aset.calibration = ManualCalibration(
            method="prosthetic_head", known_mm=32.0, row_mm=0.18, col_mm=0.22, uncertainty=0.01
        )
    path = sidecar_path(image, "alice")
    save_annotations(aset, path)
    return image, path
