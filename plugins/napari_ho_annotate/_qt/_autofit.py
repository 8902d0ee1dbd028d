"""Fit the bound image to the canvas, again after the dock narrows it, until the reader moves
the view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qtpy.QtCore import QTimer


class AutoFit:
    """Fits the image while the view is still the automatic one; ``bound()`` says if any."""

    def __init__(self, viewer: Any, bound: Callable[[], bool]) -> None:
        self.viewer = viewer
        self.bound = bound
        #: The view of the last automatic fit (None: not fitted yet for this image).
        self.auto_view: tuple[float, ...] | None = None

    def view(self) -> tuple[float, ...]:
        camera = self.viewer.scene.camera
        return (float(camera.zoom), *(float(v) for v in camera.center))

    def on_canvas_size(self, _event: Any = None) -> None:
        """The canvas was resized (the dock took its room): fit again, unless the reader has
        moved the view since the last automatic fit."""
        if self.bound() and (self.auto_view is None or self.auto_view == self.view()):
            self.fit_later()

    def new_image(self) -> None:
        """A new image: fit it once the dock has taken its room (docking narrows the canvas)."""
        self.auto_view = None
        self.fit_later()

    def fit_later(self) -> None:
        QTimer.singleShot(0, self.fit)

    def fit(self) -> None:
        if self.bound():
            self.viewer.reset_view()
            self.auto_view = self.view()
