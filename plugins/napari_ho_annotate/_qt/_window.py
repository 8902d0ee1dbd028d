"""Window/level: Ctrl+drag on the canvas (whichever layer is active) and a preset box."""

from __future__ import annotations

import warnings
from typing import Any

from qtpy.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from ho_annotate.dicom.radiograph import RadiographHeader

from .._window import Preset, dragged, header_presets, image_presets

#: The modifier held while dragging with the left button.
DRAG_MODIFIER = "Control"
PICK = "Window…"


def _scene_canvas(viewer: Any) -> Any:
    """vispy's canvas. napari has no public way for a viewer callback to keep the active
    layer's own callbacks from running (a Shapes layer would add a vertex on the Ctrl+press),
    so the gesture listens one level down, ahead of napari."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return viewer.window._qt_viewer.canvas._scene_canvas


class WindowLevel(QWidget):
    """A preset box for the bound image's window, and the Ctrl+drag gesture on the canvas.

    The drag is caught before napari and the camera see it (``event.blocked``), so it neither
    pans nor adds a vertex to the Shapes layer being drawn on.
    """

    def __init__(self, viewer: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.viewer = viewer
        self.image: Any = None
        self.presets: list[Preset] = []
        self._start: tuple[tuple[float, float], tuple[float, float]] | None = None
        self._span = 1.0
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Window"))
        self.combo = QComboBox()
        self.combo.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.combo.setToolTip("Ctrl+drag on the image: left/right = width, up/down = level")
        self.combo.activated.connect(self._on_pick)
        row.addWidget(self.combo, 1)
        scene = _scene_canvas(viewer)
        for emitter in (scene.events.mouse_press, scene.events.mouse_move):
            emitter.connect(self._on_mouse, position="first")
        scene.events.mouse_release.connect(self._on_mouse, position="first")
        self._scene = scene

    def bind(self, image: Any, header: RadiographHeader) -> None:
        """Offer the image's percentile windows and every window its header carries."""
        self.image = image
        self.presets = [
            *header_presets(header.path, header.photometric, header.value_range),
            *image_presets(image.data),
        ]
        lo, hi = image.contrast_limits_range
        self._span = float(hi - lo) or 1.0
        self.combo.clear()
        self.combo.addItem(PICK)
        for preset in self.presets:
            self.combo.addItem(preset.name)

    def unbind(self) -> None:
        self.image = None
        self.presets = []
        self.combo.clear()

    def apply(self, preset: Preset) -> None:
        if self.image is not None:
            self.image.contrast_limits = preset.limits

    def _on_pick(self, index: int) -> None:
        if 1 <= index <= len(self.presets):
            self.apply(self.presets[index - 1])

    def shutdown(self) -> None:
        for emitter in (
            self._scene.events.mouse_press,
            self._scene.events.mouse_move,
            self._scene.events.mouse_release,
        ):
            emitter.disconnect(self._on_mouse)

    def _on_mouse(self, event: Any) -> None:
        """Press with Ctrl starts the gesture; moves adjust the window; release ends it."""
        if self.image is None or event.pos is None:
            return
        if event.type == "mouse_press":
            if event.button == 1 and DRAG_MODIFIER in event.modifiers:
                limits = tuple(float(v) for v in self.image.contrast_limits)
                self._start = ((float(event.pos[0]), float(event.pos[1])), (limits[0], limits[1]))
                event.blocked = True
            return
        if self._start is None:
            return
        (x0, y0), limits = self._start
        dx, dy = float(event.pos[0]) - x0, float(event.pos[1]) - y0
        new = dragged(limits, dx, dy, self._span)
        lo, hi = self.image.contrast_limits_range
        if new[0] < lo or new[1] > hi:
            self.image.contrast_limits_range = (min(lo, new[0]), max(hi, new[1]))
        self.image.contrast_limits = new
        self.combo.setCurrentIndex(0)
        if event.type == "mouse_release":
            self._start = None
        event.blocked = True
