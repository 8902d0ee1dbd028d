"""napari's status bar with units: the cursor's position in mm (or px) and the image pixel."""

from __future__ import annotations

from typing import Any

import numpy as np

_MARK = "_ho_annotate_status"


def add_units_to_status(layer: Any) -> None:
    """Make ``layer.get_status`` say ``y 12.3 mm, x 45.6 mm (px 61, 228)`` instead of bare
    numbers (napari shows world coordinates without their unit). Idempotent."""
    if getattr(layer, _MARK, False):
        return
    original = layer.get_status

    def get_status(position: Any = None, **kwargs: Any) -> dict[str, str]:
        status: dict[str, str] = original(position, **kwargs)
        if position is None or not status.get("coords"):
            return status
        world = bool(kwargs.get("world", False))
        pos = np.asarray(position, dtype=float)[-2:]
        scale = np.asarray(layer.scale, dtype=float)[-2:]
        data = pos / scale if world else pos
        world_pos = pos if world else pos * scale
        unit = str(layer.units[-1]) if layer.units else ""
        unit = "mm" if unit in ("millimeter", "mm") else "px" if unit in ("pixel", "") else unit
        row, col = (int(np.round(v)) for v in data)
        coords = f"y {world_pos[0]:.1f} {unit}, x {world_pos[1]:.1f} {unit} (px {row}, {col})"
        status["coords"] = coords
        value = status.get("value", "")
        status["coordinates"] = f"{coords}: {value}" if value else coords
        return status

    layer.get_status = get_status
    setattr(layer, _MARK, True)
