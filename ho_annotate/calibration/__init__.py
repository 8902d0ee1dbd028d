"""Image calibration: what one pixel measures at the patient plane.

``manual`` turns a line or circle over something of known size into a ``ManualCalibration``;
``prosthesis`` finds prosthetic femoral heads automatically, with ``head_edges`` locating their
rims to a fraction of a pixel.
"""

from __future__ import annotations

from ho_annotate.calibration.manual import (
    CLICK_PRECISION_PX,
    CircleFit,
    calibrate_circle,
    calibrate_line,
    calibration_from_radius,
    fit_circle,
    pixel_aspect,
)

__all__ = [
    "CLICK_PRECISION_PX",
    "CircleFit",
    "calibrate_circle",
    "calibrate_line",
    "calibration_from_radius",
    "fit_circle",
    "pixel_aspect",
]
