"""Annotation items to Shapes layer rows and back (numpy and pandas only, no napari)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ho_annotate.annotations.model import POLYGON_KINDS, BoneOrigin, Item, ItemKind, Side, new_id

from ._style import FEATURE_COLUMNS, LayerSpec

Array = NDArray[np.float64]

#: Points sampled on a drawn ellipse to turn it into calibration-circle edge points.
ELLIPSE_EDGE_POINTS = 24


@dataclass
class LayerRows:
    """What a Shapes layer holds: vertices, shape types and one features row per shape."""

    data: list[Array] = field(default_factory=list)
    shape_types: list[str] = field(default_factory=list)
    features: pd.DataFrame = field(default_factory=lambda: empty_features())


def empty_features(n: int = 0) -> pd.DataFrame:
    """A features table with every column the plugin uses."""
    return pd.DataFrame(
        {
            "id": pd.Series([""] * n, dtype=object),
            "kind": pd.Series([""] * n, dtype=object),
            "side": pd.Series([""] * n, dtype=object),
            "origin": pd.Series([""] * n, dtype=object),
            "side_by_reader": pd.Series([False] * n, dtype=bool),
            "known_mm": pd.Series([math.nan] * n, dtype=float),
            "label": pd.Series([""] * n, dtype=object),
        },
        columns=list(FEATURE_COLUMNS),
    )


def shape_type_for(item: Item) -> str:
    return "polygon" if item.kind in POLYGON_KINDS or item.kind == "calibration_circle" else "line"


def items_to_rows(items: Sequence[Item]) -> LayerRows:
    """Layer rows for ``items``, in order."""
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
    known_mm = None if known is None or pd.isna(known) else float(known)
    if known_mm is not None and not (math.isfinite(known_mm) and known_mm > 0):
        known_mm = None
    return Item(
        kind=kind,
        side=side,
        points=[(float(r), float(c)) for r, c in pts],
        id=str(feats.get("id") or "") or new_id(),
        origin=origin if spec.uses_origin else None,
        known_mm=known_mm if kind.startswith("calibration") else None,
        side_by_reader=bool(feats.get("side_by_reader", False)),
    )


def side_of(value: str) -> Side | None:
    return value if value in ("left", "right") else None  # type: ignore[return-value]


def origin_of(value: str) -> BoneOrigin | None:
    return value if value in ("pelvis", "femur") else None  # type: ignore[return-value]
