"""Outlines must be simple polygons that enclose an area.

A "bow tie" (an outline that crosses itself) has a signed area of zero, and an outline whose
points lie on one line has none at all; measured, either gave a long island out of nothing (a
22.6 mm island). Such outlines are refused when a sidecar is read or saved, with where the
outline crosses itself, so the reader can redraw it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import numpy as np
import shapely

from ho_annotate.annotations.coords import flat_points
from ho_annotate.annotations.model import POLYGON_KINDS, AnnotationSet, Item

__all__ = ["MIN_AREA_PX", "outline_problem", "outline_problems", "plainly_fine_many"]

#: Smallest area (square pixels) an outline must enclose; a real island is many pixels.
MIN_AREA_PX = 1e-6

_WHERE = re.compile(r"\[\s*(-?[0-9.eE+-]+)\s+(-?[0-9.eE+-]+)\s*\]")


def outline_problem(item: Item) -> str | None:
    """Why a polygon item's outline cannot be measured, or ``None`` (also for other kinds)."""
    if item.kind not in POLYGON_KINDS or len(item.points) < 3:
        return None
    coords = np.asarray(item.points, dtype=np.float64)
    poly = shapely.Polygon(coords if coords.ndim == 2 else item.points)
    # A valid outline with an area is fine: its hull is at least as large (the margin keeps
    # rounding away from the threshold), so the hull is built only when something is wrong.
    if poly.is_valid and poly.area >= 2 * MIN_AREA_PX:
        return None
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


def _plainly_fine(items: list[Item]) -> list[bool]:
    """Per item: a valid outline with an area (``outline_problem`` would say ``None``).

    All outlines of a set are built and tested in one vectorised shapely call, the same
    polygons ``outline_problem`` builds one by one; ``False`` only says "look item by item".
    """
    return plainly_fine_many([items])[0]


def plainly_fine_many(item_lists: Sequence[list[Item]]) -> list[list[bool]]:
    """``_plainly_fine`` of several sets of items, all outlines tested in one shapely call.

    Each outline is tested by itself (validity and area are per polygon), so an item's answer
    does not depend on the other sets; when the points are not all plain pairs of numbers the
    sets go one by one, as before.
    """
    index = [
        (s, n)
        for s, items in enumerate(item_lists)
        for n, it in enumerate(items)
        if it.kind in POLYGON_KINDS and len(it.points) >= 3
    ]
    # other kinds have no outline problem; an outline not tested below is looked at alone
    fine = [
        [it.kind not in POLYGON_KINDS or len(it.points) < 3 for it in items] for items in item_lists
    ]
    if not index:
        return fine
    outlines = [item_lists[s][n].points for s, n in index]
    coords = flat_points(outlines)
    if coords is None:
        if len(item_lists) > 1:
            return [_plainly_fine(items) for items in item_lists]
        try:
            coords = np.concatenate([np.asarray(points, dtype=np.float64) for points in outlines])
        except (ValueError, TypeError):
            return fine
    try:
        if coords.ndim != 2 or coords.shape[1] != 2:
            return fine
        owner = np.arange(len(index)).repeat([len(points) for points in outlines])
        polys = shapely.polygons(shapely.linearrings(coords, indices=owner))
        ok = shapely.is_valid(polys) & (shapely.area(polys) >= 2 * MIN_AREA_PX)
    except (ValueError, TypeError, shapely.errors.GEOSException):
        return fine
    for (s, n), good in zip(index, ok.tolist(), strict=True):
        fine[s][n] = bool(good)
    return fine


def outline_problems(
    aset: AnnotationSet, fine: list[bool] | None = None
) -> Iterator[tuple[str, str]]:
    """``(json path, message)`` for each outline that is not a simple polygon with an area.

    ``fine`` is ``plainly_fine_many``'s answer for the set's items when the caller has it.
    """
    items = list(aset.items)
    for n, (item, plain) in enumerate(zip(items, fine or _plainly_fine(items), strict=True)):
        problem = None if plain else outline_problem(item)
        if problem is not None:
            yield f"$.items[{n}].points", problem
