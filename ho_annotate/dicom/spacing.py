"""Which millimetres per pixel a radiograph's header offers, and what kind they are.

The rules (GUIDE section 2, PS3.3 sec. 10.7 and the DX modules), first match wins:

1. PixelSpacing typed FIDUCIAL: ``calibrated``.
2. PixelSpacing typed GEOMETRY, or untyped and different from ImagerPixelSpacing: ``estimated``.
3. ImagerPixelSpacing divided by EstimatedRadiographicMagnificationFactor (> 1): ``estimated``.
4. ImagerPixelSpacing alone, or a PixelSpacing equal to it: ``detector`` plane.
5. PixelSpacing alone, or NominalScannedPixelSpacing: ``unknown`` meaning.
6. Nothing: ``None``.

Spacing that is not two numbers from ``MIN_SPACING_MM`` to ``MAX_SPACING_MM`` counts as
absent, and an ERMF above ``MAX_ERMF`` is ignored: values past them come from damaged or
hostile headers, and would overflow or vanish in the geometry (1e308, 1e-320). A manual calibration
(``ho_annotate.calibration.manual``) overrides all of this but is never read from the header.
"""

from __future__ import annotations

import math
from typing import Any

from ho_annotate.annotations.limits import MAX_SPACING_MM, MIN_SPACING_MM
from ho_annotate.annotations.model import Spacing, SpacingKind
from ho_annotate.dicom.reading import code_value, raw_ascii
from ho_annotate.dicom.scanned_header import HeaderSource

__all__ = ["SPACING_KEYWORDS", "header_spacing", "spacing_pair"]

#: Every element ``header_spacing`` reads.
SPACING_KEYWORDS = (
    "PixelSpacing",
    "ImagerPixelSpacing",
    "PixelSpacingCalibrationType",
    "EstimatedRadiographicMagnificationFactor",
    "NominalScannedPixelSpacing",
)

#: Relative tolerance under which PixelSpacing and ImagerPixelSpacing count as equal.
_EQUAL_RTOL = 1e-4
_FAST_VRS = frozenset({"DS"})
#: Plausible magnification factors: radiographs are magnified 1.05-1.3 times.
MAX_ERMF = 5.0


def spacing_pair(value: Any) -> tuple[float, float] | None:
    """``(row_mm, col_mm)`` from a DICOM spacing value, or ``None`` unless two plausible sizes."""
    if value is None or isinstance(value, str | bytes):
        return None
    try:
        numbers = [float(v) for v in value]
    except (TypeError, ValueError):
        return None
    if len(numbers) != 2 or not all(MIN_SPACING_MM <= v <= MAX_SPACING_MM for v in numbers):
        return None
    return (numbers[0], numbers[1])


def _positive(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _same(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return all(math.isclose(x, y, rel_tol=_EQUAL_RTOL) for x, y in zip(a, b, strict=True))


def _make(pair: tuple[float, float], kind: SpacingKind, source: str) -> Spacing:
    return Spacing(row_mm=pair[0], col_mm=pair[1], kind=kind, source=source)


def _get(ds: HeaderSource, keyword: str) -> Any:
    done, text = raw_ascii(ds, keyword, _FAST_VRS)
    if done:
        if text is None:
            return None
        try:  # DS numbers straight from the raw text (pydicom's DS objects cost far more)
            numbers = [float(v) for v in text.split("\\")]
        except ValueError:
            pass  # pydicom decides what a damaged value is
        else:
            return numbers[0] if len(numbers) == 1 else numbers
    try:
        return ds.get(keyword)
    except Exception:  # a malformed value must not stop the rest of the header
        return None


def header_spacing(ds: HeaderSource) -> Spacing | None:
    """The best spacing the header offers with its kind and source, or ``None``."""
    pixel = spacing_pair(_get(ds, "PixelSpacing"))
    imager = spacing_pair(_get(ds, "ImagerPixelSpacing"))
    try:
        ptype = code_value(ds, "PixelSpacingCalibrationType").strip().upper()
    except Exception:  # a malformed value must not stop the rest of the header
        ptype = ""
    ermf = _positive(_get(ds, "EstimatedRadiographicMagnificationFactor"))

    if pixel is not None:
        if ptype == "FIDUCIAL":
            return _make(pixel, "calibrated", "PixelSpacing (FIDUCIAL)")
        if ptype == "GEOMETRY" and (imager is None or not _same(pixel, imager)):
            return _make(pixel, "estimated", "PixelSpacing (GEOMETRY)")
        if imager is not None and not _same(pixel, imager):
            return _make(pixel, "estimated", "PixelSpacing (differs from ImagerPixelSpacing)")
    if imager is not None:
        if ermf is not None and 1.0 < ermf <= MAX_ERMF:
            corrected = (imager[0] / ermf, imager[1] / ermf)
            return _make(corrected, "estimated", f"ImagerPixelSpacing / ERMF {ermf:g}")
        if pixel is not None:
            return _make(imager, "detector", "PixelSpacing = ImagerPixelSpacing (detector plane)")
        return _make(imager, "detector", "ImagerPixelSpacing (detector plane)")
    if pixel is not None:
        return _make(pixel, "unknown", "PixelSpacing (meaning not stated)")
    nominal = spacing_pair(_get(ds, "NominalScannedPixelSpacing"))
    if nominal is not None:
        return _make(nominal, "unknown", "NominalScannedPixelSpacing (digitised film)")
    return None
