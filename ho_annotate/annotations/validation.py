"""What the types of the annotation model cannot say: checks shared by the store and measurement."""

from __future__ import annotations

import math
from types import EllipsisType

from ho_annotate.annotations.bounds import Extent, value_problems
from ho_annotate.annotations.model import (
    MADE,
    POLYGON_KINDS,
    V2_ITEM_FIELDS,
    AnnotationSet,
    Item,
    Point,
)
from ho_annotate.annotations.naming import READER_PATTERN
from ho_annotate.annotations.outlines import outline_problems

__all__ = ["made_problems", "positive", "problems", "unmeasurable", "v1_problems"]


def problems(
    aset: AnnotationSet, extent: Extent | EllipsisType | None = ..., *, outlines: bool = True
) -> list[tuple[str, str]]:
    """Semantic problems the types cannot express, as ``(json path, message)``.

    ``extent`` is the set's ``point_extent`` when the caller has it (``...``: computed here).
    The outlines are checked last, only when nothing else is wrong; without ``outlines`` the
    caller checks them (``outline_problems``) when this finds nothing.
    """
    out: list[tuple[str, str]] = []
    if not aset.sop_instance_uid.strip():
        out.append(("$.sop_instance_uid", "is empty"))
    if not READER_PATTERN.fullmatch(aset.reader):
        out.append(("$.reader", f"{aset.reader!r} is not a valid reader name"))
    spacing = aset.spacing
    if spacing is not None and not positive(spacing.row_mm, spacing.col_mm):
        out.append(("$.spacing", "row_mm and col_mm must be positive numbers"))
    cal = aset.calibration
    if cal is not None and not positive(cal.row_mm, cal.col_mm, cal.known_mm):
        out.append(("$.calibration", "row_mm, col_mm and known_mm must be positive numbers"))
    seen: set[str] = set()
    for n, item in enumerate(aset.items):
        where = f"$.items[{n}]"
        if item.id in seen:
            out.append((f"{where}.id", f"duplicate item id {item.id!r}"))
        seen.add(item.id)
        count = len(item.points)
        if item.kind in POLYGON_KINDS and count < 3:
            out.append((f"{where}.points", f"a {item.kind} outline needs 3 or more points"))
        elif item.kind in ("gap", "calibration_line") and count != 2:
            out.append((f"{where}.points", f"a {item.kind} needs exactly 2 points"))
        elif item.kind == "calibration_circle" and count < 3:
            out.append((f"{where}.points", "a calibration circle needs 3 or more points"))
        # The sum is finite whenever every coordinate is (cheap in C); check exactly otherwise.
        if not math.isfinite(sum(map(sum, item.points))) and not all(
            math.isfinite(v) for p in item.points for v in p
        ):
            out.append((f"{where}.points", "coordinates must be finite numbers"))
        if item.kind in ("spur", "bone") and item.origin is None:
            out.append((f"{where}.origin", f"a {item.kind} needs origin 'pelvis' or 'femur'"))
        if item.kind.startswith("calibration") and not positive(item.known_mm or 0.0):
            out.append((f"{where}.known_mm", "a calibration item needs a positive known_mm"))
    out.extend(made_problems(aset))
    out.extend(value_problems(aset, extent))
    if not out and outlines:  # only once every number is sane (shapely on 1e308 is no use)
        out.extend(outline_problems(aset))
    return out


def _finite(points: list[Point]) -> bool:
    try:
        return all(len(p) == 2 and math.isfinite(p[0]) and math.isfinite(p[1]) for p in points)
    except TypeError:  # built in code with something other than numbers
        return False


def made_problems(aset: AnnotationSet) -> list[tuple[str, str]]:
    """Problems of the format version 2 fields (how each item was made and measured)."""
    out: list[tuple[str, str]] = []
    for n, item in enumerate(aset.items):
        where = f"$.items[{n}]"
        if item.made is None:
            for name in V2_ITEM_FIELDS[1:]:
                if getattr(item, name) is not None:
                    out.append((f"{where}.{name}", "needs `made` (manual, snapped or outlined)"))
            continue
        if item.made not in MADE:
            out.append((f"{where}.made", f"{item.made!r} is not manual, snapped or outlined"))
        elif item.made == "snapped" and item.kind != "gap":
            out.append((f"{where}.made", f"a {item.kind} cannot be snapped (gap lines only)"))
        elif item.made == "outlined" and item.kind not in POLYGON_KINDS:
            out.append((f"{where}.made", f"a {item.kind} cannot be outlined (outlines only)"))
        u = item.uncertainty_mm
        if u is not None and not (isinstance(u, int | float) and math.isfinite(u) and u >= 0):
            out.append((f"{where}.uncertainty_mm", "must be a finite number of mm, 0 or more"))
        if item.clicks is not None and (not item.clicks or not _finite(item.clicks)):
            out.append((f"{where}.clicks", "must be one or more points of finite numbers"))
        snapped = item.snapped_points
        if snapped is not None:
            if item.kind != "gap":
                out.append((f"{where}.snapped_points", "only a gap line has a snapped version"))
            elif len(snapped) != 2 or not _finite(snapped):
                out.append((f"{where}.snapped_points", "must be 2 points of finite numbers"))
    return out


def v1_problems(aset: AnnotationSet) -> list[tuple[str, str]]:
    """Fields a format version 1 file cannot have (they came with version 2)."""
    return [
        (f"$.items[{n}].{name}", "is a format version 2 field in a version 1 file")
        for n, item in enumerate(aset.items)
        for name in V2_ITEM_FIELDS
        if getattr(item, name) is not None
    ]


def positive(*values: float) -> bool:
    return all(math.isfinite(v) and v > 0 for v in values)


def unmeasurable(item: Item) -> str | None:
    """Why an item cannot be measured (a message for the grade's reason), or ``None``."""
    n = len(item.points)
    if item.kind in POLYGON_KINDS and n < 3:
        return f"{item.kind} {item.id} has {n} points, an outline needs at least 3"
    if item.kind == "gap" and n != 2:
        return f"gap line {item.id} has {n} points instead of 2"
    if item.kind in ("spur", "bone") and item.origin is None:
        return f"{item.kind} {item.id} does not say whether it is pelvis or femur"
    return None
