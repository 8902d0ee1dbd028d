"""Regrading the bound image after edits: at once for the first edit, once per burst after it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qtpy.QtCore import QObject, QTimer

from ._events import WorkbenchEvents
from ._window import _scene_canvas

if TYPE_CHECKING:
    from ho_annotate.grading import GradeReport

    from .._binding import ImageBinding

#: After a refresh, edits within this time are gathered into one trailing refresh.
DEBOUNCE_MS = 8


class Regrade(QObject):
    """Reconciles the layers, grades, and emits ``events.graded`` for the boxes.

    ``binding()`` is the bound image (None: nothing to grade), ``scheme()`` the scheme chosen,
    ``paint()`` paints the new grade at once (the hip panels), ahead of the canvas.
    """

    def __init__(
        self,
        viewer: Any,
        events: WorkbenchEvents,
        binding: Callable[[], ImageBinding | None],
        scheme: Callable[[], str],
        paint: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.viewer, self.events, self.binding = viewer, events, binding
        self.scheme, self.paint = scheme, paint
        self.last_report: GradeReport | None = None
        #: Seconds from the first edit of a burst to its refresh done.
        self.last_refresh_s = 0.0
        #: How many times the panel was refreshed (benchmarks and tests wait on it).
        self.refresh_count = 0
        self._edit_started: float | None = None
        self._refreshing = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self._trail)
        self._trailing = False

    def edit(self, defer: bool = False) -> None:
        """A shape edit finished: refresh now, or once after a burst of edits.

        A leading-edge throttle: the first edit refreshes at once (about 15 ms for 100 shapes,
        before napari even repaints the canvas); edits within ``DEBOUNCE_MS`` after it are
        gathered into one trailing refresh. ``defer`` always waits (a layer being removed may
        be the image closing, which must not delete annotations).
        """
        if self._edit_started is None:
            self._edit_started = time.perf_counter()
        if defer or self.timer.isActive():
            self._trailing = True
            if not self.timer.isActive():
                self.timer.start()
            return
        self._refresh_panels_first()
        self.timer.start()

    def _refresh_panels_first(self) -> None:
        """Refresh, and paint the hip panels' new grade at once, with the canvas held back
        until the next pass of the event loop (the panel would otherwise wait for a full
        canvas repaint, slow on software OpenGL)."""
        canvas = _scene_canvas(self.viewer).native
        canvas.setUpdatesEnabled(False)
        try:
            self.refresh(paint_first=True)
        finally:
            canvas.setUpdatesEnabled(True)
            canvas.update()

    def on_release(self, _event: Any = None) -> None:
        """A mouse release finished a shape: regrade now, not at the debounce timer (napari
        reports the new shape while it still counts as being drawn, so the refresh at that
        event had to leave it for later)."""
        binding = self.binding()
        if binding is not None and binding.pending:
            self._trailing = False
            self._refresh_panels_first()
            self.timer.start()

    def _trail(self) -> None:
        binding = self.binding()
        if self._trailing or (binding is not None and binding.pending):
            self._trailing = False
            self.refresh()

    def on_model(self, *_args: Any) -> None:
        """The reading changed (undo, redo, a reload, an edit by a study or a script): regrade
        once the change is complete (the binding refills its layers after the model's signal)."""
        if not self._refreshing:
            self.edit(defer=True)

    def refresh(self, *, paint_first: bool = False) -> None:
        """Reconcile the layers, regrade, and tell the boxes (``graded``). ``paint_first``:
        paint the new grade before updating the annotation layers' labels and the overlays."""
        binding = self.binding()
        if binding is None:
            self._edit_started = None
            return
        self._trailing = False  # this refresh takes in every edit so far
        self._refreshing = True
        try:
            binding.reconcile(features_later=True)
        finally:
            self._refreshing = False
        report = binding.session.grade(self.scheme() or "brooker")
        self.last_report = report
        self.events.graded.emit(report)
        if paint_first:
            self.paint()  # the new grade on screen now, the canvas after
        binding.flush_features()
        binding.show_report(report)
        if binding.tool_message:
            self.events.tool_message.emit(binding.tool_message)
            binding.tool_message = ""
        self.refresh_count += 1
        if self._edit_started is not None:
            self.last_refresh_s = time.perf_counter() - self._edit_started
            self._edit_started = None
