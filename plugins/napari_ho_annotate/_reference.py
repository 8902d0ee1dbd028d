"""The reference annotations' layer, kept exactly as loaded."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from ._pool import clear_shapes

#: Each locked layer's guard, so that a layer handed on to the next image can be unlocked.
_guards: weakref.WeakKeyDictionary[Any, Callable[[Any], None]] = weakref.WeakKeyDictionary()


def lock_layer(layer: Any) -> None:
    """Keep a reference layer as loaded: not editable, and any edit that slips through undone."""
    unlock_layer(layer)
    data, types = list(layer.data), list(layer.shape_type)
    features = layer.features.copy()
    edges, faces = layer.edge_color.copy(), layer.face_color.copy()
    layer.editable = False

    def restore(event: Any) -> None:
        if str(event.action) not in ("added", "changed", "removed"):
            return
        with layer.events.data.blocker():
            clear_shapes(layer)
            layer.add(data, shape_type=types)
            layer.features = features
            layer.edge_color, layer.face_color = edges, faces

    layer.events.data.connect(restore)
    _guards[layer] = restore


def unlock_layer(layer: Any) -> None:
    """Undo ``lock_layer`` (the layer is about to show another image's reference)."""
    guard = _guards.pop(layer, None)
    if guard is not None:
        layer.events.data.disconnect(guard)
        layer.editable = True


def refill_reference(layer: Any, data: Any, kwargs: dict[str, Any]) -> None:
    """Show another image's reference (``reference_layer``'s data and keywords) in ``layer``."""
    unlock_layer(layer)
    with layer.events.data.blocker():
        clear_shapes(layer)
        layer.add(
            data,
            shape_type=kwargs["shape_type"],
            edge_color=kwargs["edge_color"],
            face_color=kwargs["face_color"],
            edge_width=kwargs["edge_width"],
        )
        layer.features = kwargs["features"]
    layer.scale = kwargs.get("scale", (1.0, 1.0))
    layer.units = kwargs.get("units", ("pixel", "pixel"))
    layer.metadata = kwargs["metadata"]
    layer.name = kwargs["name"]
    layer.visible = True
