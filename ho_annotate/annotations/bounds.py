"""Numbers in a sidecar that are finite but impossible: coordinates, spacings, uncertainties.

Past these bounds the arithmetic broke (1e308 overflowed into ``decimal.InvalidOperation``, an
extreme spacing into ``IndexError``) or the result was nonsense (a 565333.1 mm gap, a negative
uncertainty hiding the borderline flag). Spacings follow the plausible range the DICOM reader
uses for headers; every bound is in ``annotations.limits``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from types import EllipsisType

from ho_annotate.annotations.limits import (
    MAX_COORDINATE,
    MAX_KNOWN_MM,
    MAX_SPACING_MM,
    MAX_UNCERTAINTY_MM,
    MIN_SPACING_MM,
    OUTSIDE_IMAGE_MARGIN,
)
from ho_annotate.annotations.model import AnnotationSet, Item, Point

__all__ = ["Extent", "image_problems", "point_extent", "value_problems"]


def _all_points(item: Item) -> Iterator[tuple[str, Point]]:
    """Every point of an item with its JSON path below the item: vertices, the reader's clicks,
    a gap's snapped ends."""
    for name in ("points", "clicks", "snapped_points"):
        for k, point in enumerate(getattr(item, name) or ()):
            yield f"{name}[{k}]", point


def _all_within(item: Item, row_lo: float, row_hi: float, col_lo: float, col_hi: float) -> bool:
    """Every point of ``item`` is finite and inside the box (a quick test, no paths made).

    ``False`` only says "look point by point": a NaN, an infinity or a point outside.
    """
    for name in ("points", "clicks", "snapped_points"):
        points = getattr(item, name) or ()
        if not points:
            continue
        if set(map(len, points)) != {2} or not math.isfinite(sum(map(sum, points))):
            return False
        rows, cols = zip(*points, strict=True)
        if not (row_lo <= min(rows) and max(rows) <= row_hi):
            return False
        if not (col_lo <= min(cols) and max(cols) <= col_hi):
            return False
    return True


#: ``(min_row, max_row, min_col, max_col)`` of every point of a set (``_EMPTY`` when none).
Extent = tuple[float, float, float, float]
_EMPTY: Extent = (math.inf, -math.inf, math.inf, -math.inf)


def point_extent(aset: AnnotationSet) -> Extent | None:
    """The box of every point of every item (vertices, clicks, snapped ends), or ``None`` when
    a point is not a finite pair (then the checks look item by item; a sum of huge finite
    numbers may overflow, which only sends them there too).

    Computed once per load and shared by ``value_problems`` and ``image_problems``.
    """
    points = [
        p
        for item in aset.items
        for name in ("points", "clicks", "snapped_points")
        for p in getattr(item, name) or ()
    ]
    if not points:
        return _EMPTY
    if set(map(len, points)) != {2} or not math.isfinite(sum(map(sum, points))):
        return None
    rows, cols = zip(*points, strict=True)
    return (min(rows), max(rows), min(cols), max(cols))


def _set_within(extent: Extent | None, low: float, row_hi: float, col_hi: float) -> bool:
    """``_all_within`` holds for every item of the set whose ``point_extent`` is ``extent``.

    ``False`` only says "look item by item".
    """
    if extent is None:
        return False
    row_lo, row_top, col_lo, col_top = extent
    return bool(low <= row_lo and row_top <= row_hi and low <= col_lo and col_top <= col_hi)


def _in(value: float, low: float, high: float) -> bool:
    return math.isfinite(value) and low <= value <= high


def _spacing_problems(
    where: str, row_mm: float, col_mm: float, uncertainty: float | None
) -> Iterator[tuple[str, str]]:
    positive = all(math.isfinite(v) and v > 0 for v in (row_mm, col_mm))
    if positive and not (
        _in(row_mm, MIN_SPACING_MM, MAX_SPACING_MM) and _in(col_mm, MIN_SPACING_MM, MAX_SPACING_MM)
    ):
        span = f"{MIN_SPACING_MM:g} to {MAX_SPACING_MM:g}"
        yield where, f"row_mm and col_mm must be from {span} mm per pixel"
    if uncertainty is not None and not _in(uncertainty, 0.0, 1.0):
        yield f"{where}.uncertainty", "the relative uncertainty must be from 0 to 1 (0 % to 100 %)"


def value_problems(
    aset: AnnotationSet, extent: Extent | EllipsisType | None = ...
) -> Iterator[tuple[str, str]]:
    """``(json path, message)`` for every finite number out of its plausible range.

    ``extent`` is the set's ``point_extent`` when the caller has it (``...``: computed here).
    """
    if aset.spacing is not None:
        s = aset.spacing
        yield from _spacing_problems("$.spacing", s.row_mm, s.col_mm, s.uncertainty)
    cal = aset.calibration
    if cal is not None:
        yield from _spacing_problems("$.calibration", cal.row_mm, cal.col_mm, cal.uncertainty)
        if cal.known_mm > MAX_KNOWN_MM:
            yield "$.calibration.known_mm", f"must be at most {MAX_KNOWN_MM:g} mm"
    box = point_extent(aset) if isinstance(extent, EllipsisType) else extent
    coordinates_fine = _set_within(box, -MAX_COORDINATE, MAX_COORDINATE, MAX_COORDINATE)
    for n, item in enumerate(aset.items):
        where = f"$.items[{n}]"
        if item.known_mm is not None and item.known_mm > MAX_KNOWN_MM:
            yield f"{where}.known_mm", f"must be at most {MAX_KNOWN_MM:g} mm"
        u = item.uncertainty_mm
        if isinstance(u, float | int) and math.isfinite(u) and u > MAX_UNCERTAINTY_MM:
            yield f"{where}.uncertainty_mm", f"must be at most {MAX_UNCERTAINTY_MM:g} mm"
        if coordinates_fine or _all_within(
            item, -MAX_COORDINATE, MAX_COORDINATE, -MAX_COORDINATE, MAX_COORDINATE
        ):
            continue  # the common case, checked without naming every point
        for at, point in _all_points(item):
            far = [v for v in point if math.isfinite(v) and abs(v) > MAX_COORDINATE]
            if far:
                beyond = f"beyond {MAX_COORDINATE:g} pixels, outside any image"
                yield f"{where}.{at}", f"coordinate {far[0]:g} is {beyond}"
                break


def image_problems(
    aset: AnnotationSet,
    shape: tuple[int, int],
    extent: Extent | EllipsisType | None = ...,
) -> Iterator[tuple[str, str]]:
    """Points farther outside a ``(rows, columns)`` image than ``OUTSIDE_IMAGE_MARGIN`` allows.

    Pixel centres run from 0 to ``rows - 1``; the image's edge is half a pixel beyond.
    ``extent`` is the set's ``point_extent`` when the caller has it (``...``: computed here).
    """
    rows, columns = shape
    if rows <= 0 or columns <= 0:
        return
    margin = OUTSIDE_IMAGE_MARGIN * max(rows, columns) + 0.5
    box = point_extent(aset) if isinstance(extent, EllipsisType) else extent
    if _set_within(box, -margin, rows - 1 + margin, columns - 1 + margin):
        return  # the common case: every point of every item inside
    for n, item in enumerate(aset.items):
        if _all_within(item, -margin, rows - 1 + margin, -margin, columns - 1 + margin):
            continue  # the common case, checked without naming every point
        for at, (r, c) in _all_points(item):
            if not (-margin <= r <= rows - 1 + margin and -margin <= c <= columns - 1 + margin):
                outside = f"outside the {rows} x {columns} pixel image"
                fit = "these annotations do not fit this image"
                yield f"$.items[{n}].{at}", f"point ({r:g}, {c:g}) is {outside}; {fit}"
                break
