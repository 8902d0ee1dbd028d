"""What the tool itself draws on a radiograph: the automatic gap of each hip, R / L letters and
the reader's raw clicks under a snapped gap line.

Each is a layer of its own, bound to the image by its path in ``metadata``, never edited by
the reader. With a pool the layers outlive the image: parked (hidden) when it closes and taken
up again, their data replaced, by the next image's overlays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from napari.layers import Points, Shapes

from ho_annotate.annotations.model import Point

from ._napari_types import Layer, Viewer
from ._pool import ShapesPool, clear_shapes
from ._reader import META
from ._style import AUTO_GAP_COLOUR, RAW_CLICKS_COLOUR

if TYPE_CHECKING:
    from ho_annotate.grading import GradeReport

Scale = tuple[tuple[float, float], tuple[str, str]]


class Overlays:
    """The automatic-gap layer and the side-marker layer of one image."""

    def __init__(
        self,
        viewer: Viewer,
        name: str,
        path: str,
        pool: ShapesPool | None = None,
        image: Layer | None = None,
    ) -> None:
        self.viewer = viewer
        #: The image the overlays belong to: a pooled layer taken again goes above it.
        self.image = image
        self.name = name
        self.path = path
        self.pool = pool
        self.auto_gap_layer: Shapes | None = None
        self.markers_layer: Points | None = None
        self.clicks_layer: Shapes | None = None
        self._drawn: tuple[object, ...] = ()
        self._clicks_drawn: tuple[object, ...] = ()

    def layers(self) -> list[Layer]:
        own = (self.auto_gap_layer, self.markers_layer, self.clicks_layer)
        return [lay for lay in own if lay is not None]

    def _reuse(self, key: str, title: str, role: str, scale: Scale) -> Any:
        """A parked layer of this kind, made this image's (None: no pool or none parked)."""
        layer = self.pool.take(key) if self.pool is not None else None
        if layer is None or layer not in self.viewer.layers:
            return None
        ShapesPool.lift(self.viewer.layers, layer, self.image)
        layer.name = f"{self.name} {title}"
        layer.metadata = {META: {"role": role, "path": self.path}}
        _set_scale(layer, scale)
        if not layer.visible:
            layer.visible = True
        return layer

    def _add(self, layer: Layer) -> None:
        active = self.viewer.layers.selection.active
        self.viewer.add_layer(layer)
        self.viewer.layers.selection.active = active  # keep the user's tool

    def close(self) -> None:
        """The image closes: park the layers in the pool, or remove them without one."""
        for key, layer in (
            ("auto_gap", self.auto_gap_layer),
            ("markers", self.markers_layer),
            ("raw_clicks", self.clicks_layer),
        ):
            if layer is None or layer not in self.viewer.layers:
                continue
            if self.pool is not None:
                self.pool.give(key, layer)
            else:
                self.viewer.layers.remove(layer)
        self.auto_gap_layer = self.markers_layer = self.clicks_layer = None
        self._drawn, self._clicks_drawn = (), ()

    def forget(self, layer: Layer) -> None:
        """The user removed one of them."""
        if layer is self.auto_gap_layer:
            self.auto_gap_layer, self._drawn = None, ()
        if layer is self.markers_layer:
            self.markers_layer = None
        if layer is self.clicks_layer:
            self.clicks_layer, self._clicks_drawn = None, ()

    def _lines_layer(
        self, title: str, role: str, scale: Scale, colour: str, width: float, **style: Any
    ) -> Shapes:
        """A new Shapes layer of this image's tool lines (its role in the metadata)."""
        return Shapes(
            ndim=2,
            name=f"{self.name} {title}",
            scale=scale[0],
            units=scale[1],
            edge_color=colour,
            edge_width=width,
            metadata={META: {"role": role, "path": self.path}},
            **style,
        )

    def raw_clicks(self, lines: list[np.ndarray], scale: Scale) -> None:
        """The reader's own clicks under each snapped gap line, thin and faint."""
        drawn = tuple(tuple(np.round(a, 6).ravel()) for a in lines)
        if drawn == self._clicks_drawn and (self.clicks_layer is not None or not lines):
            return
        self._clicks_drawn = drawn
        layer = self.clicks_layer
        if layer is None:
            layer = self._reuse("raw_clicks", "raw clicks", "raw_clicks", scale)
            self.clicks_layer = layer
        if layer is None:
            layer = self._lines_layer(
                "raw clicks", "raw_clicks", scale, RAW_CLICKS_COLOUR, 1.0, opacity=0.5
            )
            layer.editable = False
            self._add(layer)
            self.clicks_layer = layer
        with layer.events.data.blocker():
            clear_shapes(layer)
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
            layer = self._reuse("auto_gap", "automatic gap", "auto_gap", scale)
            self.auto_gap_layer = layer
        if layer is None:
            layer = self._lines_layer(
                "automatic gap",
                "auto_gap",
                scale,
                AUTO_GAP_COLOUR,
                2.5,
                features=_labels([]),
                text={
                    "string": "{label}",
                    "color": AUTO_GAP_COLOUR,
                    "size": 10,
                    "anchor": "lower_right",
                },
            )
            self._add(layer)
            self.auto_gap_layer = layer
        with layer.events.data.blocker():
            clear_shapes(layer)
            if lines:
                layer.add(lines, shape_type="line", edge_color=AUTO_GAP_COLOUR)
            layer.features = _labels(texts)

    def side_markers(self, at: Sequence[Point], letters: Sequence[str], scale: Scale) -> None:
        """Big letters (``R`` / ``L``) at the given image points, replacing earlier ones (in
        the same layer: a new Points layer costs a vispy visual, about a third of a second)."""
        points = np.asarray(at, dtype=float)
        import pandas as pd  # not at import: the first image is shown without it

        features = pd.DataFrame({"side": list(letters)})
        layer = self.markers_layer
        if layer is not None and layer not in self.viewer.layers:
            layer = self.markers_layer = None
        if layer is None:
            layer = self._reuse("markers", "side markers", "markers", scale)
            self.markers_layer = layer
        if layer is not None:
            _set_scale(layer, scale)
            if len(layer.data) != len(points) or not np.array_equal(layer.data, points):
                layer.data = points
            layer.features = features
            return
        layer = Points(
            points,
            name=f"{self.name} side markers",
            scale=scale[0],
            units=scale[1],
            size=1,
            face_color="transparent",
            border_width=0,
            features=features,
            text={"string": "{side}", "color": "#ffff66", "size": 22},
            metadata={META: {"role": "markers", "path": self.path}},
        )
        self._add(layer)
        self.markers_layer = layer


def _labels(texts: list[str]) -> Any:
    import pandas as pd

    return pd.DataFrame({"label": pd.Series(texts, dtype=object)})


def _set_scale(layer: Layer, scale: Scale) -> None:
    """Scale and units, each set only when it differs (a set refreshes the layer)."""
    if tuple(float(v) for v in layer.scale) != tuple(scale[0]):
        layer.scale = scale[0]
    if tuple(str(u) for u in layer.units) != tuple(scale[1]):
        layer.units = scale[1]
