"""Manual calibration: a line of known length or a circle of known diameter.

Points are image pixels ``(row, col)``. When the header has a spacing, its row/column aspect is
kept and only the scale is set by the calibration (anisotropic detectors stay anisotropic);
otherwise pixels are taken as square. The result is a ``model.ManualCalibration`` whose
``uncertainty`` is a relative uncertainty of the spacing, from click precision and, for circles,
the fit residual.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ho_annotate.annotations.model import ManualCalibration, Point, Spacing
from ho_annotate.errors import CalibrationError

__all__ = [
    "CLICK_PRECISION_PX",
    "CircleFit",
    "calibrate_circle",
    "calibrate_line",
    "calibration_from_radius",
    "fit_circle",
    "pixel_aspect",
]

#: Standard uncertainty of one clicked point, in pixels.
CLICK_PRECISION_PX = 0.5
#: Shortest line / smallest diameter accepted, in pixels: below it clicks dominate the scale.
MIN_EXTENT_PX = 10.0

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CircleFit:
    """A least-squares circle: centre ``(row, col)`` and radius in the fit's units."""

    center: tuple[float, float]
    radius: float
    #: Root-mean-square distance of the points from the circle.
    rms: float
    #: Standard uncertainty of the radius from the fit (residuals or click precision).
    radius_sd: float


def pixel_aspect(header_spacing: Spacing | None) -> float:
    """Row millimetres per column millimetre (1 without a header spacing)."""
    if header_spacing is None:
        return 1.0
    return header_spacing.row_mm / header_spacing.col_mm


def _check_known(known_mm: float) -> None:
    if not (math.isfinite(known_mm) and known_mm > 0):
        raise CalibrationError(f"the known size must be a positive number of mm, got {known_mm}")


def _result(
    method: Literal["line", "circle", "prosthetic_head"],
    known_mm: float,
    col_mm: float,
    aspect: float,
    uncertainty: float,
    item_id: str | None,
) -> ManualCalibration:
    return ManualCalibration(
        method=method,
        known_mm=known_mm,
        row_mm=col_mm * aspect,
        col_mm=col_mm,
        uncertainty=uncertainty,
        item_id=item_id,
    )


def calibrate_line(
    p0: Point,
    p1: Point,
    known_mm: float,
    header_spacing: Spacing | None,
    *,
    item_id: str | None = None,
    click_px: float = CLICK_PRECISION_PX,
) -> ManualCalibration:
    """Spacing from a line drawn over something ``known_mm`` long."""
    _check_known(known_mm)
    aspect = pixel_aspect(header_spacing)
    d_row, d_col = (p1[0] - p0[0]) * aspect, p1[1] - p0[1]
    length = math.hypot(d_row, d_col)  # in column pixels
    if not length >= MIN_EXTENT_PX:
        raise CalibrationError(
            f"the calibration line is {length:.1f} pixels long; draw it along the whole "
            f"object (at least {MIN_EXTENT_PX:g} pixels)"
        )
    # two clicked ends, each uncertain along the line
    uncertainty = math.sqrt(2.0) * click_px / length
    return _result("line", known_mm, known_mm / length, aspect, uncertainty, item_id)


def fit_circle(points: npt.ArrayLike, *, click_px: float = CLICK_PRECISION_PX) -> CircleFit:
    """Geometric least-squares circle through ``(row, col)`` points (three or more)."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3:
        raise CalibrationError("a circle needs three or more (row, col) points on its edge")
    if not np.all(np.isfinite(pts)):
        raise CalibrationError("circle points must be finite numbers")
    center, radius = _algebraic_fit(pts)
    center, radius, jacobian, residuals = _geometric_refine(pts, center, radius)
    n = len(pts)
    rms = float(np.sqrt(np.mean(residuals**2)))
    dof_sigma = float(np.sqrt(np.sum(residuals**2) / (n - 3))) if n > 3 else 0.0
    sigma = math.hypot(dof_sigma, click_px)
    try:
        covariance = np.linalg.inv(jacobian.T @ jacobian) * sigma**2
    except np.linalg.LinAlgError as exc:
        raise CalibrationError("the circle points are collinear; spread them around") from exc
    radius_sd = float(np.sqrt(max(covariance[2, 2], 0.0)))
    return CircleFit((float(center[0]), float(center[1])), float(radius), rms, radius_sd)


def _algebraic_fit(pts: FloatArray) -> tuple[FloatArray, float]:
    """Kasa fit: solve ``r^2 + c^2 + D r + E c + F = 0`` in the least-squares sense."""
    design = np.column_stack([pts[:, 0], pts[:, 1], np.ones(len(pts))])
    target = -(pts[:, 0] ** 2 + pts[:, 1] ** 2)
    solution, _res, rank, _sv = np.linalg.lstsq(design, target, rcond=None)
    if rank < 3:
        raise CalibrationError("the circle points are collinear; spread them around")
    d, e, f = solution
    center = np.array([-d / 2, -e / 2])
    radius_sq = center @ center - f
    if not radius_sq > 0:
        raise CalibrationError(
            "the circle points do not describe a circle; click points spread around its edge"
        )
    return center, float(math.sqrt(radius_sq))


def _geometric_refine(
    pts: FloatArray, center: FloatArray, radius: float, iterations: int = 20
) -> tuple[FloatArray, float, FloatArray, FloatArray]:
    """Gauss-Newton on the distances to the circle; returns the final Jacobian too."""
    params = np.array([center[0], center[1], radius])
    for _ in range(iterations):
        diff = pts - params[:2]
        dist = np.hypot(diff[:, 0], diff[:, 1])
        dist = np.where(dist == 0, 1e-12, dist)
        residuals = dist - params[2]
        jacobian = np.column_stack([-diff[:, 0] / dist, -diff[:, 1] / dist, -np.ones(len(pts))])
        step, *_ = np.linalg.lstsq(jacobian, -residuals, rcond=None)
        params += step
        if np.max(np.abs(step)) < 1e-10:
            break
    diff = pts - params[:2]
    dist = np.hypot(diff[:, 0], diff[:, 1])
    residuals = dist - params[2]
    jacobian = np.column_stack([-diff[:, 0] / dist, -diff[:, 1] / dist, -np.ones(len(pts))])
    return params[:2], float(params[2]), jacobian, residuals


def calibrate_circle(
    points: Sequence[Point],
    known_mm: float,
    header_spacing: Spacing | None,
    *,
    method: Literal["circle", "prosthetic_head"] = "circle",
    item_id: str | None = None,
    click_px: float = CLICK_PRECISION_PX,
) -> ManualCalibration:
    """Spacing from three or more edge points of a circle ``known_mm`` in diameter."""
    _check_known(known_mm)
    aspect = pixel_aspect(header_spacing)
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1:] != (2,) or len(pts) < 3:
        raise CalibrationError("a circle needs three or more (row, col) points on its edge")
    scaled = pts * np.array([aspect, 1.0])  # square "column pixel" units
    fit = fit_circle(scaled, click_px=click_px)
    if not 2 * fit.radius >= MIN_EXTENT_PX:
        raise CalibrationError(
            f"the fitted circle is {2 * fit.radius:.1f} pixels across; too small to calibrate "
            f"(use an object at least {MIN_EXTENT_PX:g} pixels across)"
        )
    return calibration_from_radius(
        fit.radius, fit.radius_sd, known_mm, header_spacing, method=method, item_id=item_id
    )


def calibration_from_radius(
    radius_px: float,
    radius_sd_px: float,
    known_mm: float,
    header_spacing: Spacing | None,
    *,
    method: Literal["line", "circle", "prosthetic_head"] = "prosthetic_head",
    item_id: str | None = None,
) -> ManualCalibration:
    """Spacing from a circle radius in column pixels and its standard uncertainty."""
    _check_known(known_mm)
    if not (math.isfinite(radius_px) and radius_px > 0):
        raise CalibrationError(f"the circle radius must be positive, got {radius_px}")
    col_mm = known_mm / (2 * radius_px)
    uncertainty = radius_sd_px / radius_px
    return _result(method, known_mm, col_mm, pixel_aspect(header_spacing), uncertainty, item_id)
