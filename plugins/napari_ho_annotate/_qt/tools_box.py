"""The drawing tools: one button per annotation kind, undo / redo, snapping, the one-click
outline, and the side, origin or kind of the selected shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from psygnal import Signal
from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
)

from ho_annotate.annotations.model import POLYGON_KIND_ORDER

from ._events import WorkbenchEvents
from .shortcuts import OUTLINE_KEY, OUTLINE_KEYS, REDO_KEY, SNAP_KEY, TOOLS, UNDO_KEY, key_text

if TYPE_CHECKING:
    from .._binding import ImageBinding

TITLE = "Draw"
#: How napari's tools are used, under the title (a group box title cannot wrap).
HOW = "Outlines: click by click, double-click ends. Lines: drag, or two clicks."


class ToolsBox(QGroupBox):
    """Starts drawing on the bound image's layers; every edit goes through its reading model.

    ``edited`` follows a button's or key's edit once the binding has finished it (regrade now).
    """

    edited = Signal()

    def __init__(self, events: WorkbenchEvents, parent: Any = None) -> None:
        super().__init__(TITLE, parent)
        self.binding: ImageBinding | None = None
        grid = QGridLayout(self)
        how = QLabel(HOW)
        how.setWordWrap(True)
        grid.addWidget(how, 0, 0, 1, 2)
        self.tool_buttons: dict[str, QPushButton] = {}
        for n, (text, key, origin, shortcut) in enumerate(TOOLS):
            button = QPushButton(f"{text}  [{key_text(shortcut)}]")
            button.clicked.connect(lambda _=False, k=key, o=origin: self.draw(k, o))
            grid.addWidget(button, 1 + n // 2, n % 2)
            self.tool_buttons[text] = button
        row = len(TOOLS) // 2 + 2
        undo = QHBoxLayout()
        self.undo_button = QPushButton(f"Undo  [{key_text(UNDO_KEY)}]")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button = QPushButton(f"Redo  [{key_text(REDO_KEY)}]")
        self.redo_button.clicked.connect(self.redo)
        undo.addWidget(self.undo_button)
        undo.addWidget(self.redo_button)
        grid.addLayout(undo, row, 0, 1, 2)  # full width: the key texts are long
        grid.addLayout(self._build_selected(), row + 1, 0, 1, 2)
        self.snap_check = QCheckBox(
            f"Snap gap lines to bone edges  [{key_text(SNAP_KEY)}: next line only]"
        )
        self.snap_check.setChecked(True)
        self.snap_check.toggled.connect(self._on_snap)
        grid.addWidget(self.snap_check, row + 2, 0, 1, 2)
        self.outline_check = QCheckBox(f"One-click outline  [{key_text(OUTLINE_KEY)}]")
        self.outline_check.setToolTip(
            "Island, spur and outline tools: click once inside the structure"
        )
        self.flip_button = QPushButton("Flip image sides")
        self.flip_button.setToolTip("The image is mirrored: swap left and right")
        self.flip_button.clicked.connect(self.flip_sides)
        snapping = QHBoxLayout()
        snapping.addWidget(self.outline_check)
        snapping.addWidget(self.flip_button)
        grid.addLayout(snapping, row + 3, 0, 1, 2)
        self.tool_status = QLabel("")
        self.tool_status.setWordWrap(True)
        grid.addWidget(self.tool_status, row + 4, 0, 1, 2)
        events.bound.connect(self._on_bound)
        events.tool_message.connect(lambda text: self.tool_status.setText(text))

    def _build_selected(self) -> QHBoxLayout:
        """Buttons that change the selected shapes: side, origin, kind."""
        sel = QHBoxLayout()
        sel.addWidget(QLabel("Selected:"))
        for text, func in (
            ("Left", lambda: self.set_side("left")),
            ("Right", lambda: self.set_side("right")),
            ("Pelvic", lambda: self.set_origin("pelvis")),
            ("Femoral", lambda: self.set_origin("femur")),
        ):
            button = QPushButton(text)
            button.clicked.connect(func)
            sel.addWidget(button)
        self.kind_combo = QComboBox()
        self.kind_combo.addItems(["→ kind", *POLYGON_KIND_ORDER])
        self.kind_combo.activated.connect(self._on_kind_combo)
        sel.addWidget(self.kind_combo)
        return sel

    def _on_bound(self, binding: ImageBinding | None) -> None:
        self.binding = binding
        self._on_snap(self.snap_check.isChecked())

    def draw(self, key: str, origin: str | None = None, mode: str | None = None) -> None:
        """Start drawing a ``key`` shape (the one-click outline when it is on)."""
        if self.binding is None:
            return
        if key in OUTLINE_KEYS and mode is None and self.outline_check.isChecked():
            self.binding.start_outline(key, origin)
            self.tool_status.setText("Click once inside the structure to outline it.")
        else:
            self.binding.start_drawing(key, origin, mode)

    def _on_snap(self, on: bool) -> None:
        if self.binding is not None:
            self.binding.snap_default = self.binding.snap_next = on

    def toggle_snap_next(self) -> None:
        """Snapping the other way for the next gap line only."""
        if self.binding is None:
            return
        self.binding.snap_next = not self.binding.snap_next
        self.tool_status.setText(
            "Next gap line: " + ("snapped" if self.binding.snap_next else "kept as drawn")
        )

    def toggle_outline(self) -> None:
        self.outline_check.setChecked(not self.outline_check.isChecked())

    def undo(self) -> None:
        """Undo the last edit (a whole gesture: a drag, a shape, a button)."""
        if self.binding is not None and self.binding.undo():
            self.edited.emit()

    def redo(self) -> None:
        if self.binding is not None and self.binding.redo():
            self.edited.emit()

    def set_side(self, side: str) -> None:
        if self.binding is not None and self.binding.set_side(self.binding.selected_ids(), side):  # type: ignore[arg-type]
            self.edited.emit()

    def set_origin(self, origin: str) -> None:
        if self.binding is not None and self.binding.set_origin(
            self.binding.selected_ids(), origin
        ):
            self.edited.emit()

    def set_kind(self, kind: str) -> None:
        if self.binding is not None and self.binding.set_kind(self.binding.selected_ids(), kind):  # type: ignore[arg-type]
            self.edited.emit()

    def _on_kind_combo(self, index: int) -> None:
        if index > 0:
            self.set_kind(self.kind_combo.itemText(index))
        self.kind_combo.setCurrentIndex(0)

    def flip_sides(self) -> None:
        if self.binding is not None:
            self.binding.flip_sides()
            self.edited.emit()
