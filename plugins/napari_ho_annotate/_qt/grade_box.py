"""The grade box: the grading scheme and one panel per hip, shown from each new grade."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from psygnal import Signal
from qtpy.QtCore import QEvent
from qtpy.QtWidgets import (
    QApplication,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
)

from ho_annotate.annotations.model import SIDES

from .._settings import Settings
from .._sides import auto_side
from ._events import WorkbenchEvents
from ._panel import HipPanel

if TYPE_CHECKING:
    from ho_annotate.grading import GradeReport

    from .._binding import ImageBinding


class GradeBox(QGroupBox):
    """Scheme choice and the hip panels (grade, reason, needs as buttons, No HO).

    Shows every ``graded`` report; asks for actions through its signals.
    """

    #: The reader chose another scheme (its name); the image needs regrading.
    scheme_changed = Signal(str)
    #: A need's button was pressed: (need code, side).
    need = Signal(str, str)
    #: A hip's No HO box was ticked or cleared: (side, confirmed).
    no_ho = Signal(str, bool)

    def __init__(self, events: WorkbenchEvents, settings: Settings, parent: Any = None) -> None:
        super().__init__("Grade", parent)
        from ho_annotate.grading import schemes

        self.settings = settings
        self.binding: ImageBinding | None = None
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("Scheme"))
        self.scheme = QComboBox()
        self.scheme.addItems(list(schemes()))
        if settings.scheme in schemes():
            self.scheme.setCurrentText(settings.scheme)
        self.scheme.currentTextChanged.connect(self._on_scheme)
        row.addWidget(self.scheme, 1)
        layout.addLayout(row)
        hips = QHBoxLayout()
        # Radiological display: the patient's right hip is on the image's left.
        self.panels = {
            s: HipPanel(s, self.need.emit, lambda side, on: self.no_ho.emit(side, on))
            for s in ("right", "left")
        }
        for panel in self.panels.values():
            # equal halves whatever their texts say (the texts wrap; the dock keeps its width)
            panel.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            hips.addWidget(panel, 1)
        layout.addLayout(hips)
        self.hips_layout = hips
        events.bound.connect(self._on_bound)
        events.graded.connect(self.show_report)

    def _on_bound(self, binding: ImageBinding | None) -> None:
        self.binding = binding

    def _on_scheme(self, scheme: str) -> None:
        self.settings.scheme = scheme
        self.settings.save()
        self.scheme_changed.emit(scheme)

    def show_report(self, report: GradeReport) -> None:
        """Each hip's result, the panels in the order the hips are displayed."""
        if self.binding is None:
            return
        session = self.binding.session
        spacing = session.spacing
        kind = spacing.kind if spacing is not None else None
        for side in SIDES:
            self.panels[side].show_result(
                report.sides[side], kind, session.aset.hips[side].no_ho_confirmed
            )
        self._order_panels()

    def paint_now(self) -> None:
        """Paint the panels' new text now. Qt may defer a ``repaint`` to the window's next
        update request (a window holding an OpenGL canvas composes it with the widgets), so
        that request is delivered here, before the canvas is allowed to draw again."""
        self.repaint()
        QApplication.sendPostedEvents(self.window(), QEvent.Type.UpdateRequest)

    def _order_panels(self) -> None:
        """The hip on the image's left first (the patient's right, unless the image or its
        sides are flipped)."""
        assert self.binding is not None
        session = self.binding.session
        on_left = auto_side(session, [(0.0, 0.0)])
        on_right = auto_side(session, [(0.0, float(session.header.columns) - 1)])
        if on_left == on_right:
            return  # a single-hip view: keep the order
        first = self.panels[on_left]
        item = self.hips_layout.itemAt(0)
        if item is not None and item.widget() is not first:
            self.hips_layout.removeWidget(first)
            self.hips_layout.insertWidget(0, first, 1)
