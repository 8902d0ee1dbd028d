"""Image calibration: what one pixel measures at the patient plane.

``manual`` turns a line or circle over something of known size into a ``ManualCalibration``;
``prosthesis`` finds prosthetic femoral heads automatically, with ``head_edges`` locating their
rims to a fraction of a pixel.
"""

from __future__ import annotations

from ho_annotate.calibration.manual import calibrate_circle, calibrate_line

__all__ = ["calibrate_circle", "calibrate_line"]
