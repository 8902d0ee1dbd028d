"""Text shown on shapes: side, and the length in mm on islands, gap lines and calibrations."""

from __future__ import annotations

from ho_annotate.annotations.model import Item, Spacing
from ho_annotate.measurement.geometry import PIXELS, line_mm, max_feret, polygon_mm
from ho_annotate.measurement.hips import reported

_SIDE = {"left": "L", "right": "R"}


class LabelCache:
    """Labels by item, recomputed only when the item's points or the spacing change."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[object, str]] = {}

    def text(self, item: Item, spacing: Spacing | None) -> str:
        key = (tuple(item.points), item.side, item.origin, item.known_mm, spacing)
        hit = self._cache.get(item.id)
        if hit is not None and hit[0] == key:
            return hit[1]
        value = _label(item, spacing)
        self._cache[item.id] = (key, value)
        return value


def _length(value: float, spacing: Spacing | None) -> str:
    return f"{reported(value):.1f} mm" if spacing is not None else f"{value:.0f} px"


def _label(item: Item, spacing: Spacing | None) -> str:
    side = _SIDE[item.side]
    scale = spacing.mm if spacing is not None else PIXELS
    if item.kind == "gap":
        return f"{side} {_length(line_mm(item.points, scale).length, spacing)}"
    if item.kind == "island":
        return f"{side} {_length(max_feret(polygon_mm(item.points, scale)).length, spacing)}"
    if item.kind == "spur":
        return f"{side} {'pelvic' if item.origin == 'pelvis' else 'femoral'} spur"
    if item.kind == "bone":
        return ""  # outlines are context; their labels would only clutter the joint
    if item.kind.startswith("calibration"):
        return f"{item.known_mm:g} mm" if item.known_mm else "calibration"
    return f"{side} {item.kind}"
