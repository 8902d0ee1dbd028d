"""Outlines must be simple polygons that enclose an area.

A "bow tie" (an outline that crosses itself) has a signed area of zero, and an outline whose
points lie on one line has none at all; measured, either gave a long island out of nothing (a
22.6 mm island). Such outlines are refused when a sidecar is read or saved, with where the
outline crosses itself, so the reader can redraw it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import shapely

from ho_annotate.annotations.model import POLYGON_KINDS, AnnotationSet, Item

__all__ = ["MIN_AREA_PX", "outline_problem", "outline_problems"]

#: Smallest area (square pixels) an outline must enclose; a real island is many pixels.
MIN_AREA_PX = 1e-6

_WHERE = re.compile(r"\[\s*(-?[0-9.eE+-]+)\s+(-?[0-9.eE+-]+)\s*\]")


def outline_problem(item: Item) -> str | None:
    """Why a polygon item's outline cannot be measured, or ``None`` (also for other kinds)."""
    if item.kind not in POLYGON_KINDS or len(item.points) < 3:
        return None
    poly = shapely.Polygon(item.points)
    if not poly.convex_hull.area >= MIN_AREA_PX:
        return f"the {item.kind} outline encloses no area (its points lie on a line); redraw it"
    if not poly.is_valid:
        reason = shapely.is_valid_reason(poly)
        found = _WHERE.search(reason)
        near = ""
        if found:
            near = f" near ({float(found.group(1)):.1f}, {float(found.group(2)):.1f})"
        if "Self-intersection" in reason:
            return f"the {item.kind} outline crosses itself{near}; redraw it without crossing"
        return f"the {item.kind} outline is not a simple polygon ({reason}); redraw it"
    if not poly.area >= MIN_AREA_PX:
        return f"the {item.kind} outline encloses no area; redraw it"
    return None


def outline_problems(aset: AnnotationSet) -> Iterator[tuple[str, str]]:
    """``(json path, message)`` for each outline that is not a simple polygon with an area."""
    for n, item in enumerate(aset.items):
        problem = outline_problem(item)
        if problem is not None:
            yield f"$.items[{n}].points", problem
