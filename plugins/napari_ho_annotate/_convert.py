"""Annotation items to Shapes layer rows and back (numpy and pandas only, no napari).

pandas is imported where a table is made, not with the module: opening the first image needs
no table, and pandas takes a good part of a second to import.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from numpy.typing import NDArray

from ho_annotate.annotations.model import (
    MADE,
    POLYGON_KINDS,
    BoneOrigin,
    Item,
    ItemKind,
    Made,
    Point,
    Side,
    new_id,
)

from ._style import FEATURE_COLUMNS, LayerSpec

if TYPE_CHECKING:
    import pandas as pd

Array = NDArray[np.float64]

#: Points sampled on a drawn ellipse to turn it into calibration-circle edge points.
ELLIPSE_EDGE_POINTS = 24

#: What a shape drawn in the workbench starts with in the format version 2 columns: it is
#: drawn by hand (``made`` manual, the reader's click uncertainty applies).
MADE_FEATURE_DEFAULTS: Final[dict[str, Any]] = {
    "made": "manual",
    "clicks": "",
    "uncertainty_mm": math.nan,
    "snapped_points": "",
}


@dataclass
class LayerRows:
    """What a Shapes layer holds: vertices, shape types and one features row per shape."""

    data: list[Array] = field(default_factory=list)
    shape_types: list[str] = field(default_factory=list)
    features: pd.DataFrame = field(default_factory=lambda: empty_features())


def _isna(value: Any) -> bool:
    from pandas import isna

    return bool(isna(value))


def empty_features(n: int = 0) -> pd.DataFrame:
    """A features table with every column the plugin uses."""
    import pandas as pd

    return pd.DataFrame(
        {
            "id": pd.Series([""] * n, dtype=object),
            "kind": pd.Series([""] * n, dtype=object),
            "side": pd.Series([""] * n, dtype=object),
            "origin": pd.Series([""] * n, dtype=object),
            "side_by_reader": pd.Series([False] * n, dtype=bool),
            "known_mm": pd.Series([math.nan] * n, dtype=float),
            "label": pd.Series([""] * n, dtype=object),
            "made": pd.Series([""] * n, dtype=object),
            "clicks": pd.Series([""] * n, dtype=object),
            "uncertainty_mm": pd.Series([math.nan] * n, dtype=float),
            "snapped_points": pd.Series([""] * n, dtype=object),
        },
        columns=list(FEATURE_COLUMNS),
    )


def shape_type_for(item: Item) -> str:
    return "polygon" if item.kind in POLYGON_KINDS or item.kind == "calibration_circle" else "line"


def items_to_rows(items: Sequence[Item]) -> LayerRows:
    """Layer rows for ``items``, in order."""
    import pandas as pd

    features = pd.DataFrame(
        {
            "id": pd.Series([i.id for i in items], dtype=object),
            "kind": pd.Series([i.kind for i in items], dtype=object),
            "side": pd.Series([i.side for i in items], dtype=object),
            "origin": pd.Series([i.origin or "" for i in items], dtype=object),
            "side_by_reader": pd.Series([i.side_by_reader for i in items], dtype=bool),
            "known_mm": pd.Series(
                [math.nan if i.known_mm is None else i.known_mm for i in items], dtype=float
            ),
            "label": pd.Series([""] * len(items), dtype=object),
            "made": pd.Series([i.made or "" for i in items], dtype=object),
            "clicks": pd.Series([points_text(i.clicks) for i in items], dtype=object),
            "uncertainty_mm": pd.Series(
                [math.nan if i.uncertainty_mm is None else i.uncertainty_mm for i in items],
                dtype=float,
            ),
            "snapped_points": pd.Series(
                [points_text(i.snapped_points) for i in items], dtype=object
            ),
        },
        columns=list(FEATURE_COLUMNS),
    )
    return LayerRows(
        data=[np.asarray(i.points, dtype=float).reshape(-1, 2) for i in items],
        shape_types=[shape_type_for(i) for i in items],
        features=features,
    )


def ellipse_edge(corners: Array, n: int = ELLIPSE_EDGE_POINTS) -> Array:
    """Points on the ellipse inscribed in napari's four-corner ellipse box."""
    c = np.asarray(corners, dtype=float)
    centre = c.mean(axis=0)
    u = (c[1] - c[0]) / 2.0
    v = (c[2] - c[1]) / 2.0
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    edge: Array = centre + np.cos(t)[:, None] * u + np.sin(t)[:, None] * v
    return edge


def _distinct(points: Array) -> int:
    """How many distinct vertices (at most 3 are needed to tell)."""
    found: list[Array] = []
    for p in points:
        if not any(np.allclose(p, q, atol=1e-6) for q in found):
            found.append(p)
            if len(found) >= 3:
                break
    return len(found)


def row_to_item(
    points: Array, shape_type: str, feats: Mapping[str, Any], spec: LayerSpec, fallback_side: Side
) -> Item | None:
    """The item a layer row stands for, or None when the shape cannot be one (degenerate)."""
    pts = np.asarray(points, dtype=float)[:, -2:]
    kind: ItemKind = str(feats.get("kind") or "") or spec.default_kind  # type: ignore[assignment]
    if kind not in spec.kinds:
        kind = spec.default_kind
    if spec.key == "calibration":
        is_line = shape_type in ("line", "path") and len(pts) == 2
        kind = "calibration_line" if is_line else "calibration_circle"
    if kind in POLYGON_KINDS or kind == "calibration_circle":
        if shape_type == "ellipse":
            pts = ellipse_edge(pts)
        if shape_type in ("line", "path") or _distinct(pts) < 3:
            return None
    else:
        if shape_type not in ("line", "path") or _distinct(pts) < 2:
            return None
        pts = pts[[0, -1]]
    # values typed into the features table by hand are checked, not trusted
    side = side_of(str(feats.get("side") or "")) or fallback_side
    origin = origin_of(str(feats.get("origin") or ""))
    if spec.uses_origin and origin is None:
        origin = "pelvis"
    known = feats.get("known_mm")
    known_mm = None if known is None or _isna(known) else float(known)
    if known_mm is not None and not (math.isfinite(known_mm) and known_mm > 0):
        known_mm = None
    item = Item(
        kind=kind,
        side=side,
        points=[(float(r), float(c)) for r, c in pts],
        id=str(feats.get("id") or "") or new_id(),
        origin=origin if spec.uses_origin else None,
        known_mm=known_mm if kind.startswith("calibration") else None,
        side_by_reader=bool(feats.get("side_by_reader", False)),
    )
    return with_made(item, feats)


def points_text(points: Sequence[Point] | None) -> str:
    """A point list as the JSON text of a features cell (empty for none)."""
    return "" if points is None else json.dumps([[float(r), float(c)] for r, c in points])


def points_of(text: Any, count: int | None = None) -> list[Point] | None:
    """The point list in a features cell, or None when it is empty or not a valid list."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        raw = json.loads(text)
        points = [(float(r), float(c)) for r, c in raw]
    except (ValueError, TypeError):
        return None
    if not points or (count is not None and len(points) != count):
        return None
    if not all(math.isfinite(v) for p in points for v in p):
        return None
    return points


def with_made(item: Item, feats: Mapping[str, Any]) -> Item:
    """``item`` with the format version 2 fields of its features row (checked, not trusted):
    anything that would not pass the sidecar's checks is left out."""
    text = str(feats.get("made") or "")
    made: Made | None = next((m for m in MADE if m == text), None)
    if made is None:
        return item
    if (made == "snapped" and item.kind != "gap") or (
        made == "outlined" and item.kind not in POLYGON_KINDS
    ):
        made = "manual"
    item.made = made
    item.clicks = points_of(feats.get("clicks"))
    unc = feats.get("uncertainty_mm")
    if unc is not None and not _isna(unc) and math.isfinite(float(unc)) and float(unc) >= 0:
        item.uncertainty_mm = float(unc)
    if item.kind == "gap":
        item.snapped_points = points_of(feats.get("snapped_points"), 2)
    return item


def _same_points(a: Sequence[Point], b: Sequence[Point]) -> bool:
    return len(a) == len(b) and bool(np.allclose(np.asarray(a), np.asarray(b), atol=1e-6))


def after_edit(item: Item, before: Item | None) -> Item:
    """How an item was made once the reader has touched its shape.

    Unmoved, it keeps what ``before`` says. Moved or reshaped by hand, it is ``manual`` with
    the reader's click uncertainty; a gap line keeps the ends it once snapped to as its
    ``snapped_points``, so grading warns when the reader's line and the image disagree. A new
    shape that says it was snapped or outlined is a pasted copy of one, placed by hand.
    """
    if before is None:
        return _by_hand(item, item) if item.made in ("snapped", "outlined") else item
    if _same_points(item.points, before.points):
        item.made, item.clicks = before.made, before.clicks
        item.uncertainty_mm, item.snapped_points = before.uncertainty_mm, before.snapped_points
        return item
    return _by_hand(item, before)


def _by_hand(item: Item, source: Item) -> Item:
    """``item`` placed by hand; a gap line keeps ``source``'s snapped ends."""
    snapped = list(source.points) if source.made == "snapped" else source.snapped_points
    item.made, item.clicks, item.uncertainty_mm = "manual", None, None
    item.snapped_points = snapped if item.kind == "gap" else None
    return item


def side_of(value: str) -> Side | None:
    return value if value in ("left", "right") else None  # type: ignore[return-value]


def origin_of(value: str) -> BoneOrigin | None:
    return value if value in ("pelvis", "femur") else None  # type: ignore[return-value]
