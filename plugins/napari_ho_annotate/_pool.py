"""Shapes layers kept for reuse instead of removed and created again.

napari 0.9 with vispy on software OpenGL (Mesa under Xvfb) segfaults in ``glDrawArrays`` when
it draws a new Shapes layer after other Shapes layers were removed and a frame was drawn in
between: with plain napari, add a Shapes layer, draw, remove it, draw, three times. Going from
case to case removed and re-created every annotation layer and the reference layer, so the
second or third practice submit crashed. A pooled layer is emptied and hidden instead, and
handed out again for the next image.
"""

from __future__ import annotations

from napari.layers import Shapes


class ShapesPool:
    """Emptied, hidden Shapes layers by key, waiting to be used again."""

    def __init__(self) -> None:
        self.free: dict[str, Shapes] = {}

    def take(self, key: str) -> Shapes | None:
        """A pooled layer for ``key`` (still in the viewer, hidden), or None."""
        return self.free.pop(key, None)

    def give(self, key: str, layer: Shapes) -> None:
        """Empty and hide ``layer`` and keep it for the next ``take(key)``."""
        with layer.events.data.blocker():
            if layer.nshapes:
                layer.selected_data = set(range(layer.nshapes))
                layer.remove_selected()
        layer.mode = "pan_zoom"
        layer.visible = False
        layer.metadata = {}
        layer.name = f"(unused {key} layer)"  # no case name left behind
        self.free[key] = layer
