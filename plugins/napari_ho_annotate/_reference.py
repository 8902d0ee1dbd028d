"""The reference annotations' layer, kept exactly as loaded."""

from __future__ import annotations

from typing import Any


def lock_layer(layer: Any) -> None:
    """Keep a reference layer as loaded: not editable, and any edit that slips through undone."""
    data, types = list(layer.data), list(layer.shape_type)
    features = layer.features.copy()
    edges, faces = layer.edge_color.copy(), layer.face_color.copy()
    layer.editable = False

    def restore(event: Any) -> None:
        if str(event.action) not in ("added", "changed", "removed"):
            return
        with layer.events.data.blocker():
            if layer.nshapes:
                layer.selected_data = set(range(layer.nshapes))
                layer.remove_selected()
            layer.add(data, shape_type=types)
            layer.features = features
            layer.edge_color, layer.face_color = edges, faces

    layer.events.data.connect(restore)
