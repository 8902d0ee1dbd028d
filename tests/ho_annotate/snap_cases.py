"""One synthetic hip with spurs and an island, written as DICOM variants for the snap tests.

The same rendering is written as: MONOCHROME2 uncompressed; MONOCHROME1 with lossy JPEG 2000;
columns resampled to half-width pixels (anisotropic spacing); and with a metal wire that
grows out of the femoral side into the gap beside the narrowest point.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import FileDataset
from pydicom.uid import JPEG2000
from scipy import ndimage
from shapely.geometry import Polygon

from ho_annotate.synth import CaseDesign, SideDesign, generate
from ho_annotate.synth.ho import HOParts
from ho_annotate.synth.render import MAX_VALUE
from ho_annotate.synth.writer import write_dicom

Point = tuple[float, float]

DESIGN = CaseDesign(
    view="hip",
    laterality="L",
    rows=480,
    columns=480,
    left=SideDesign(pelvic_spur=True, femoral_spur=True, gap_mm=9.6, islands=(10.5,)),
    seed=4242,
)


@dataclass
class SnapCase:
    files: dict[str, Path]
    s: float  # true pixel size at the patient plane (mm)
    parts: HOParts  # truth in mm
    gap_line: tuple[Point, Point]  # truth in pixels (row, col)
    gap_mm: float
    metal: np.ndarray  # the wire's pixels in the "metal" variant

    def px_polygon(self, geom: Polygon) -> Polygon:
        """A truth polygon in (col, row) pixel coordinates (shapely x, y)."""
        xy = np.asarray(geom.exterior.coords)
        return Polygon(
            np.column_stack([(xy[:, 0] - self.x0) / self.s, (xy[:, 1] - self.y0) / self.s])
        )

    x0: float = 0.0
    y0: float = 0.0


def _with_pixels(ds: FileDataset, stored: np.ndarray) -> FileDataset:
    out = copy.deepcopy(ds)
    out.Rows, out.Columns = stored.shape
    out.PixelData = np.ascontiguousarray(stored, dtype="<u2").tobytes()
    return out


def _wire(shape: tuple[int, int], line: tuple[Point, Point], s: float) -> np.ndarray:
    """A 1.2 mm wire parallel to the gap, 2 mm beside it, from 4 mm inside the femoral side
    to 2 mm out into the gap."""
    p, q = np.asarray(line[0]), np.asarray(line[1])
    u = (p - q) / np.hypot(*(p - q))  # from the femoral end toward the pelvic end
    v = np.array([-u[1], u[0]])
    rows, cols = np.indices(shape, dtype=np.float64)
    d0, d1 = rows - q[0], cols - q[1]
    along = (u[0] * d0 + u[1] * d1) * s
    across = (v[0] * d0 + v[1] * d1) * s
    return (along >= -4.0) & (along <= 2.0) & (np.abs(across - 2.0) <= 0.6)


def build(folder: Path) -> SnapCase:
    case = generate(DESIGN, "snap")
    r = case.rendering
    frame = r.frame
    parts = r.ho["left"]
    assert parts.gap_line is not None and parts.gap_mm is not None
    line = (frame.to_px(*parts.gap_line[0]), frame.to_px(*parts.gap_line[1]))
    stored = r.pixels
    files: dict[str, Path] = {}
    files["plain"] = write_dicom(case.dataset, folder / "plain.dcm")

    mono1 = _with_pixels(case.dataset, (MAX_VALUE - stored).astype(np.uint16))
    mono1.PhotometricInterpretation = "MONOCHROME1"
    mono1.PresentationLUTShape = "INVERSE"
    mono1.compress(
        JPEG2000,
        (MAX_VALUE - stored).astype(np.uint16),
        encoding_plugin="pylibjpeg",
        j2k_cr=[10],
        generate_instance_uid=False,
    )
    mono1.LossyImageCompression = "01"
    files["mono1_j2k"] = write_dicom(mono1, folder / "mono1_j2k.dcm")

    wide = ndimage.zoom(stored.astype(np.float64), (1.0, 2.0), order=3, mode="nearest")
    aniso = _with_pixels(case.dataset, np.clip(np.round(wide), 0, MAX_VALUE).astype(np.uint16))
    row_mm, col_mm = (float(v) for v in case.dataset.PixelSpacing)
    aniso.PixelSpacing = [f"{row_mm:.10g}", f"{col_mm / 2:.10g}"]
    ip = [float(v) for v in case.dataset.ImagerPixelSpacing]
    aniso.ImagerPixelSpacing = [f"{ip[0]:.10g}", f"{ip[1] / 2:.10g}"]
    files["aniso"] = write_dicom(aniso, folder / "aniso.dcm")

    metal = _wire(stored.shape, line, frame.s)
    soft = ndimage.gaussian_filter(metal.astype(np.float64), 0.8)
    with_metal = stored + soft * (4000.0 - stored)
    files["metal"] = write_dicom(
        _with_pixels(case.dataset, np.round(with_metal).astype(np.uint16)), folder / "metal.dcm"
    )
    return SnapCase(
        files=files,
        s=frame.s,
        parts=parts,
        gap_line=line,
        gap_mm=float(parts.gap_mm),
        metal=metal,
        x0=frame.x0,
        y0=frame.y0,
    )
