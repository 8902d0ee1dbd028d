"""Manual calibration from a line or a circle, with its uncertainty."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ho_annotate.annotations.model import Spacing
from ho_annotate.calibration.manual import calibrate_circle, calibrate_line, fit_circle
from ho_annotate.errors import CalibrationError


def _circle_points(center: tuple[float, float], radius: float, n: int, noise: float = 0.0):
    rng = np.random.default_rng(7)
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False) + 0.3
    rows = center[0] + radius * np.sin(angles) + rng.normal(0, noise, n)
    cols = center[1] + radius * np.cos(angles) + rng.normal(0, noise, n)
    return [(float(r), float(c)) for r, c in zip(rows, cols, strict=True)]


def test_line_sets_the_scale_and_overrides_the_header() -> None:
    header = Spacing(row_mm=0.2, col_mm=0.2, kind="detector")
    cal = calibrate_line((10.0, 10.0), (10.0, 260.0), 25.0, None)
    assert cal.method == "line"
    assert (cal.row_mm, cal.col_mm) == pytest.approx((0.1, 0.1))
    assert cal.uncertainty == pytest.approx(math.sqrt(2) * 0.5 / 250)
    spacing = cal.as_spacing()
    assert spacing.kind == "manual" and spacing.uncertainty == cal.uncertainty
    assert calibrate_line((0.0, 0.0), (300.0, 400.0), 50.0, header).col_mm == pytest.approx(0.1)


def test_line_keeps_the_header_aspect() -> None:
    header = Spacing(row_mm=0.2, col_mm=0.1, kind="detector")
    # a vertical line of 100 rows is 200 column-pixel units long with this aspect
    cal = calibrate_line((0.0, 0.0), (100.0, 0.0), 30.0, header)
    assert cal.row_mm == pytest.approx(0.3)
    assert cal.col_mm == pytest.approx(0.15)


def test_line_refusals() -> None:
    with pytest.raises(CalibrationError):
        calibrate_line((0.0, 0.0), (0.0, 3.0), 10.0, None)
    with pytest.raises(CalibrationError):
        calibrate_line((0.0, 0.0), (0.0, 300.0), 0.0, None)
    with pytest.raises(CalibrationError):
        calibrate_line((0.0, 0.0), (0.0, 300.0), float("nan"), None)


def test_circle_from_three_points_is_exact() -> None:
    points = _circle_points((200.0, 300.0), 100.0, 3)
    cal = calibrate_circle(points, 28.0, None)
    assert cal.method == "circle"
    assert cal.col_mm == pytest.approx(28.0 / 200.0, rel=1e-9)
    assert 0 < cal.uncertainty < 0.01  # click precision only


def test_circle_fit_with_noise_reports_the_residual() -> None:
    clean = fit_circle(_circle_points((50.0, 60.0), 80.0, 40))
    noisy = fit_circle(_circle_points((50.0, 60.0), 80.0, 40, noise=2.0))
    assert clean.radius == pytest.approx(80.0, abs=1e-6)
    assert noisy.radius == pytest.approx(80.0, abs=1.5)
    assert noisy.rms > clean.rms + 1.0
    assert noisy.radius_sd > clean.radius_sd


def test_circle_on_an_arc_only() -> None:
    angles = np.linspace(0.2, 1.8, 6)
    points = [(100 + 60 * math.sin(a), 100 + 60 * math.cos(a)) for a in angles]
    cal = calibrate_circle(points, 36.0, None, method="prosthetic_head")
    assert cal.method == "prosthetic_head"
    assert cal.col_mm == pytest.approx(0.3, rel=1e-6)


def test_circle_in_anisotropic_pixels() -> None:
    header = Spacing(row_mm=0.2, col_mm=0.1, kind="detector")
    # a 25 mm ball: radius 125 columns and 62.5 rows
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    points = [(300 + 62.5 * math.sin(a), 300 + 125 * math.cos(a)) for a in angles]
    cal = calibrate_circle(points, 25.0, header)
    assert (cal.row_mm, cal.col_mm) == pytest.approx((0.2, 0.1))


def test_circle_refusals() -> None:
    with pytest.raises(CalibrationError):
        calibrate_circle([(0.0, 0.0), (10.0, 10.0)], 25.0, None)
    with pytest.raises(CalibrationError):
        calibrate_circle([(0.0, 0.0), (10.0, 10.0), (20.0, 20.0), (30.0, 30.0)], 25.0, None)
    with pytest.raises(CalibrationError):
        calibrate_circle(_circle_points((5.0, 5.0), 2.0, 5), 25.0, None)
