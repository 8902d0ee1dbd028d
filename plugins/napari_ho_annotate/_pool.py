"""Shapes layers kept for reuse instead of removed and created again.

napari 0.9 with vispy on software OpenGL (Mesa under Xvfb) segfaults in ``glDrawArrays`` when
it draws a new Shapes layer after other Shapes layers were removed and a frame was drawn in
between: with plain napari, add a Shapes layer, draw, remove it, draw, three times. Going from
case to case removed and re-created every annotation layer and the reference layer, so the
second or third practice submit crashed. A pooled layer is emptied and hidden instead, and
handed out again for the next image. The tool's own overlay layers (automatic gap, raw clicks,
side markers) are pooled the same way: re-creating a layer costs its vispy visual and a full
``gc.collect`` in napari's scene-graph clean-up at every worklist *Next*.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from napari.layers import Layer, Shapes


def clear_shapes(layer: Shapes) -> None:
    """Remove every shape of ``layer`` (the layer itself stays; callers block its events)."""
    if layer.nshapes:
        layer.selected_data = set(range(layer.nshapes))
        layer.remove_selected()


class ShapesPool:
    """Emptied (Shapes), hidden layers by key, waiting to be used again."""

    def __init__(self) -> None:
        self.free: dict[str, Layer] = {}
        self._holding = False

    @contextmanager
    def reusing(self) -> Iterator[None]:
        """Going straight to the next image: layers given back inside stay shown until the end
        (most are taken again at once: hiding and showing each costs a refresh); the ones not
        taken by then are hidden and renamed."""
        self._holding = True
        try:
            yield
        finally:
            self._holding = False
            for key, layer in self.free.items():
                self._park(key, layer)

    def take(self, key: str) -> Any:
        """A pooled layer for ``key`` (still in the viewer, hidden), or None."""
        return self.free.pop(key, None)

    def give(self, key: str, layer: Layer) -> None:
        """Empty (a Shapes layer) and hide ``layer`` and keep it for the next ``take(key)``."""
        if isinstance(layer, Shapes):
            with layer.events.data.blocker():
                clear_shapes(layer)
        layer.mode = "pan_zoom"
        layer.metadata = {}  # no longer bound to its image
        self.free[key] = layer
        if not self._holding:
            self._park(key, layer)

    @staticmethod
    def lift(layers: Any, layer: Layer, image: Layer | None) -> None:
        """Put a pooled ``layer`` taken again above ``image`` (drawn under it, it would not be
        seen: the image may have been added after the layer was pooled)."""
        if image is None or image not in layers:
            return
        at, below = layers.index(layer), layers.index(image)
        if at < below:
            layers.move(at, below + 1)

    @staticmethod
    def _park(key: str, layer: Layer) -> None:
        if layer.visible:
            layer.visible = False
        name = f"(unused {key} layer)"  # no case name left behind
        if layer.name != name:
            layer.name = name
