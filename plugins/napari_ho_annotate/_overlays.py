"""What the tool itself draws on a radiograph: the automatic gap of each hip, R / L letters and
the reader's raw clicks under a snapped gap line.

Both are layers of their own, bound to the image by its path in ``metadata``, never edited by
the reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from napari.layers import Points, Shapes

from ho_annotate.annotations.model import Point

from ._napari_types import Layer, Viewer
from ._reader import META
from ._style import AUTO_GAP_COLOUR, RAW_CLICKS_COLOUR

if TYPE_CHECKING:
    from ho_annotate.grading import GradeReport

Scale = tuple[tuple[float, float], tuple[str, str]]


class Overlays:
    """The automatic-gap layer and the side-marker layer of one image."""

    def __init__(self, viewer: Viewer, name: str, path: str) -> None:
        self.viewer = viewer
        self.name = name
        self.path = path
        self.auto_gap_layer: Shapes | None = None
        self.markers_layer: Points | None = None
        self.clicks_layer: Shapes | None = None
        self._drawn: tuple[object, ...] = ()
        self._clicks_drawn: tuple[object, ...] = ()

    def layers(self) -> list[Layer]:
        own = (self.auto_gap_layer, self.markers_layer, self.clicks_layer)
        return [lay for lay in own if lay is not None]

    def forget(self, layer: Layer) -> None:
        """The user removed one of them."""
        if layer is self.auto_gap_layer:
            self.auto_gap_layer, self._drawn = None, ()
        if layer is self.markers_layer:
            self.markers_layer = None
        if layer is self.clicks_layer:
            self.clicks_layer, self._clicks_drawn = None, ()

    def raw_clicks(self, lines: list[np.ndarray], scale: Scale) -> None:
        """The reader's own clicks under each snapped gap line, thin and faint."""
        drawn = tuple(tuple(np.round(a, 6).ravel()) for a in lines)
        if drawn == self._clicks_drawn and (self.clicks_layer is not None or not lines):
            return
        self._clicks_drawn = drawn
        layer = self.clicks_layer
        if layer is None:
            layer = Shapes(
                ndim=2,
                name=f"{self.name} raw clicks",
                scale=scale[0],
                units=scale[1],
                edge_color=RAW_CLICKS_COLOUR,
                edge_width=1.0,
                opacity=0.5,
                metadata={META: {"role": "raw_clicks", "path": self.path}},
            )
            layer.editable = False
            active = self.viewer.layers.selection.active
            self.viewer.add_layer(layer)
            self.clicks_layer = layer
            self.viewer.layers.selection.active = active
        with layer.events.data.blocker():
            if layer.nshapes:
                layer.selected_data = set(range(layer.nshapes))
                layer.remove_selected()
            if lines:
                layer.add(lines, shape_type="line", edge_color=RAW_CLICKS_COLOUR)

    def auto_gaps(self, report: GradeReport, scale: Scale) -> None:
        """A thin white line (and its length) for each hip's automatic gap; redrawn on change."""
        lines: list[np.ndarray] = []
        texts: list[str] = []
        for result in report.sides.values():
            gap = result.auto_gap
            if gap is not None:
                lines.append(np.asarray(gap.points, dtype=float))
                # As reported (0.1 mm, half up), so 9.95 reads 10.0 here as in the panel.
                length = gap.reported_mm if gap.in_mm else gap.length
                texts.append(f"auto {length:.1f} {'mm' if gap.in_mm else 'px'}")
        layer = self.auto_gap_layer
        if layer is None and not lines:
            return
        drawn = (tuple(tuple(np.round(a, 6).ravel()) for a in lines), tuple(texts))
        if layer is not None and drawn == self._drawn:
            return
        self._drawn = drawn
        if layer is None:
            layer = Shapes(
                ndim=2,
                name=f"{self.name} automatic gap",
                scale=scale[0],
                units=scale[1],
                edge_color=AUTO_GAP_COLOUR,
                edge_width=2.5,
                features=pd.DataFrame({"label": pd.Series([], dtype=object)}),
                text={
                    "string": "{label}",
                    "color": AUTO_GAP_COLOUR,
                    "size": 10,
                    "anchor": "lower_right",
                },
                metadata={META: {"role": "auto_gap", "path": self.path}},
            )
            active = self.viewer.layers.selection.active
            self.viewer.add_layer(layer)
            self.auto_gap_layer = layer
            self.viewer.layers.selection.active = active  # keep the user's tool
        with layer.events.data.blocker():
            if layer.nshapes:
                layer.selected_data = set(range(layer.nshapes))
                layer.remove_selected()
            if lines:
                layer.add(lines, shape_type="line", edge_color=AUTO_GAP_COLOUR)
            layer.features = pd.DataFrame({"label": pd.Series(texts, dtype=object)})

    def side_markers(self, at: Sequence[Point], letters: Sequence[str], scale: Scale) -> None:
        """Big letters (``R`` / ``L``) at the given image points, replacing earlier ones."""
        if self.markers_layer is not None and self.markers_layer in self.viewer.layers:
            self.viewer.layers.remove(self.markers_layer)
        layer = Points(
            np.asarray(at, dtype=float),
            name=f"{self.name} side markers",
            scale=scale[0],
            units=scale[1],
            size=1,
            face_color="transparent",
            border_width=0,
            features=pd.DataFrame({"side": list(letters)}),
            text={"string": "{side}", "color": "#ffff66", "size": 22},
            metadata={META: {"role": "markers", "path": self.path}},
        )
        active = self.viewer.layers.selection.active
        self.viewer.add_layer(layer)
        self.markers_layer = layer
        self.viewer.layers.selection.active = active
