"""The snapping tools on a bound image: gap lines snapped to the bone edges, one-click outlines.

No Qt: the core does the measuring (``snap_gap_line``, ``outline_from_click``); this module
hands it the image's pixels and the current spacing (a manual calibration included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ho_annotate.annotations.model import Item, Point, Spacing

from ._model import ItemExtras

if TYPE_CHECKING:
    from ._session import ImageSession

#: The outline kind the core knows for each layer key.
OUTLINE_KIND = {"island": "island", "spur": "spur", "bone": "bone"}


@dataclass(frozen=True)
class Pixels:
    """What the core's snapping needs of a radiograph: pixels, spacing and value range."""

    pixels: npt.NDArray[Any]
    spacing: Spacing | None
    value_range: tuple[float, float]


def pixels_of(data: Any, session: ImageSession) -> Pixels:
    header = session.header
    value_range = tuple(float(v) for v in getattr(header, "value_range", (0.0, 0.0)))
    return Pixels(np.asarray(data), session.spacing, (value_range[0], value_range[1]))


def snap_item(item: Item, source: Pixels) -> tuple[Item, ItemExtras]:
    """The gap line moved onto the narrowest gap near its ends (unchanged when none is found),
    and what to remember of it: the raw clicks, how it was made, its uncertainty."""
    from ho_annotate import snap_gap_line

    snap = snap_gap_line(source, item.points[0], item.points[-1])
    clicks = [(float(r), float(c)) for r, c in snap.clicks]
    if not snap.found:
        item.made, item.clicks = "manual", clicks
        return item, ItemExtras(made="manual", clicks=clicks)
    points: list[Point] = [(float(r), float(c)) for r, c in snap.points]
    item.points = points
    item.made, item.clicks, item.uncertainty_mm = "snapped", clicks, snap.uncertainty_mm
    item.snapped_points = list(points)
    return item, ItemExtras(made="snapped", clicks=clicks, uncertainty_mm=snap.uncertainty_mm)


def outline_at(source: Pixels, point: Point, key: str) -> list[Point]:
    """The core's outline of the island, spur or bone under ``point`` (raises OutlineError)."""
    from ho_annotate import outline_from_click

    return outline_from_click(source, point, kind=OUTLINE_KIND[key])  # type: ignore[arg-type]
