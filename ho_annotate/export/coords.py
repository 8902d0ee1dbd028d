"""Sidecar pixel coordinates to DICOM image coordinates and back.

Sidecar points are ``(row, col)`` with pixel centres at whole numbers (napari's convention).
SR SCOORD and GSPS points are ``(column, row)`` with the top-left corner of the first pixel at
``(0, 0)`` (PS3.3 C.18.6.1.2, C.10.5), so that pixel's centre is ``(0.5, 0.5)``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from ho_annotate.annotations.model import Point

__all__ = ["from_image_coords", "to_image_coords"]


def to_image_coords(points: Iterable[Point], *, close: bool = False) -> npt.NDArray[np.float64]:
    """``[(row, col), ...]`` to an ``(n, 2)`` array of DICOM ``(column, row)``.

    ``close`` repeats the first point at the end (a closed POLYLINE; 2-D SCOORD has no POLYGON).
    """
    out = [(col + 0.5, row + 0.5) for row, col in points]
    if close and out and out[0] != out[-1]:
        out.append(out[0])
    return np.asarray(out, dtype=np.float64).reshape(-1, 2)


def from_image_coords(data: Iterable[Iterable[float]], *, opened: bool = False) -> list[Point]:
    """An ``(n, 2)`` array of DICOM ``(column, row)`` back to ``[(row, col), ...]``.

    ``opened`` drops a last point that repeats the first (undoing ``close``).
    """
    pts = [(float(xy[1]) - 0.5, float(xy[0]) - 0.5) for xy in (list(p) for p in data)]
    if opened and len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    return pts
