"""The grading panel of one hip: status, grade (large), reason, decisive gap, needs as actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qtpy.QtCore import Qt
from qtpy.QtWidgets import QCheckBox, QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from ho_annotate.grading import SideResult

#: Badge text for each spacing kind the decisive gap rests on.
BADGES = {
    "calibrated": "calibrated",
    "estimated": "estimated",
    "detector": "detector plane",
    "unknown": "unknown",
    "manual": "manual",
    None: "no spacing",
}
BADGE_COLOURS = {
    "calibrated": "#2e7d32",
    "manual": "#2e7d32",
    "estimated": "#9e7c00",
    "detector": "#b35c00",
    "unknown": "#b35c00",
    None: "#8b1a1a",
}
GRADE_STYLE = "font-size: 40px; font-weight: bold;"
NO_GRADE_STYLE = "font-size: 20px; font-weight: bold; color: #ffb74d; padding: 10px;"
#: The button offered for each need code.
NEED_ACTIONS = {
    "calibration": "Calibrate on the prosthetic head",
    "gap": "Draw a gap line",
    "reading": "Confirm no HO",
    "confirm_ankylosis": "Mark a bridge",
}


def restyle(widget: QWidget, sheet: str) -> None:
    """Set a style sheet only when it changes (each set re-polishes the widget, which is slow)."""
    if widget.styleSheet() != sheet:
        widget.setStyleSheet(sheet)


class HipPanel(QFrame):
    """One hip's result. ``on_need(code, side)`` runs the action a need button stands for."""

    def __init__(
        self,
        side: str,
        on_need: Callable[[str, str], None],
        on_no_ho: Callable[[str, bool], None],
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.side = side
        self._on_need = on_need
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        self.title = QLabel(f"<b>{side.capitalize()} hip</b>")
        self.status = QLabel("not read")
        self.grade = QLabel("–")
        self.grade.setStyleSheet(GRADE_STYLE)
        self.grade.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.gap = QLabel("")
        self.badge = QLabel("")
        self.borderline = QLabel("")
        self.borderline.setStyleSheet("color: #ffa726; font-weight: bold;")
        self.reason = QLabel("")
        self.reason.setWordWrap(True)
        self.warnings = QLabel("")
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #c8c8c8; font-size: 10px;")
        for w in (self.title, self.status, self.grade, self.gap, self.badge, self.borderline):
            w.setWordWrap(True)  # wrap within the panel's half of the dock, never widen it
            layout.addWidget(w)
        layout.addWidget(self.reason)
        self.needs_box = QWidget()
        self.needs_layout = QVBoxLayout(self.needs_box)
        self.needs_layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.needs_box)
        layout.addWidget(self.warnings)
        layout.addStretch(1)  # both hips read top-down, aligned
        self.no_ho = QCheckBox("No HO on this hip")
        self.no_ho.setToolTip("Confirm a negative reading (class 0 needs it)")
        self.no_ho.toggled.connect(lambda on: on_no_ho(self.side, on))
        layout.addWidget(self.no_ho)
        self.need_buttons: dict[str, QPushButton] = {}

    def show_result(self, result: SideResult, spacing_kind: str | None, no_ho: bool) -> None:
        """Fill the panel from a core ``SideResult``."""
        self.no_ho.blockSignals(True)
        self.no_ho.setChecked(no_ho)
        self.no_ho.blockSignals(False)
        self.status.setText(f"Status: {result.status}")
        graded = result.grade is not None
        self.grade.setText(result.grade if result.grade is not None else "no grade")
        restyle(self.grade, GRADE_STYLE if graded else NO_GRADE_STYLE)
        self.reason.setText(result.reason)
        gap = result.decisive
        if gap is not None:
            value = gap.reported_mm if gap.in_mm else gap.length
            unit = "mm" if gap.in_mm else "px"
            who = "your line" if gap.source == "reader" else "automatic"
            self.gap.setText(f"Gap {value:.1f} {unit} ({who})")
        else:
            self.gap.setText("Gap: –")
        kind = spacing_kind if spacing_kind in BADGES else None
        self.badge.setText(f" {BADGES[kind]} ")
        restyle(self.badge, f"background: {BADGE_COLOURS[kind]}; color: white; border-radius: 3px;")
        self.badge.setToolTip("What the millimetres rest on")
        band = f" (±{result.band_mm:.1f} mm)" if result.band_mm is not None else ""
        self.borderline.setText(
            f"⚠ borderline: within measurement uncertainty{band} of 1 cm"
            if result.borderline
            else ""
        )
        self.warnings.setText("\n".join(result.warnings))
        self._set_needs([n.code for n in result.needs], {n.code: n.message for n in result.needs})

    def _set_needs(self, codes: list[str], messages: dict[str, str]) -> None:
        if list(self.need_buttons) == codes:
            return
        for button in self.need_buttons.values():
            self.needs_layout.removeWidget(button)
            button.setParent(None)  # gone from the panel now, not at the next event loop
            button.deleteLater()
        self.need_buttons = {}
        for code in codes:
            button = QPushButton(NEED_ACTIONS.get(code, code))
            button.setToolTip(messages.get(code, ""))
            button.clicked.connect(lambda _=False, c=code: self._on_need(c, self.side))
            self.needs_layout.addWidget(button)
            self.need_buttons[code] = button
