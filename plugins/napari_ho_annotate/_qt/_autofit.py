"""The first view: the bound image fitted to the canvas (again after the dock narrows it, until
the reader moves the view), and in a new window the image drawn before anything else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qtpy.QtCore import QTimer

from ._window import _scene_canvas


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


class FirstFrame:
    """Work held back until a new window's first frame is on screen (see ``hold``)."""

    def __init__(self, viewer: Any) -> None:
        self.viewer = viewer
        #: Work waiting for the first frame; None: nothing held back.
        self._waiting: list[Callable[[], None]] | None = None

    def hold(self) -> None:
        """A new window: show the image first, then the side letters and the scale bar (a
        Points layer, text visuals, their shaders and pandas are not needed to see it)."""
        if self._waiting is not None:
            return
        self._waiting = []
        scene = _scene_canvas(self.viewer)

        def drawn(_event: Any = None) -> None:
            scene.events.draw.disconnect(drawn)
            QTimer.singleShot(0, self._drawn)  # once this frame is on screen

        scene.events.draw.connect(drawn, position="last")

    def _drawn(self) -> None:
        waiting, self._waiting = self._waiting or [], None
        for work in waiting:
            work()

    def after(self, work: Callable[[], None]) -> None:
        """Run ``work`` now, or after the first frame when it is held back."""
        if self._waiting is None:
            work()
        else:
            self._waiting.append(work)
