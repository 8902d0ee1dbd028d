"""The calibration box: the known size, the prosthetic head found and confirmed by the reader,
a clicked circle or a known-length line, and what the millimetres rest on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from psygnal import Signal
from qtpy.QtWidgets import QComboBox, QDoubleSpinBox, QGridLayout, QGroupBox, QLabel, QPushButton

from ho_annotate.annotations.model import Item

from .._reader import META
from .._sides import auto_side
from ._events import WorkbenchEvents
from .shortcuts import CALIBRATION_KEY, key_text

if TYPE_CHECKING:
    from ho_annotate.calibration.prosthesis import HeadCandidate
    from ho_annotate.grading import GradeReport

    from .._binding import ImageBinding

#: Known sizes offered for calibration: prosthetic femoral heads and a calibration ball.
PRESETS = (
    ("22 mm head", 22.0),
    ("28 mm head", 28.0),
    ("32 mm head", 32.0),
    ("36 mm head", 36.0),
    ("40 mm head", 40.0),
    ("25 mm ball", 25.0),
)


def _find_heads(path: Path) -> list[HeadCandidate]:
    from ho_annotate import find_prosthetic_heads, load_radiograph

    return list(find_prosthetic_heads(load_radiograph(path)))


def spacing_text(binding: ImageBinding) -> str:
    """What the bound image's millimetres rest on, in one line."""
    spacing = binding.session.spacing
    if spacing is None:
        text = "No pixel spacing: lengths in pixels; II vs III needs a calibration."
    else:
        unc = f" ±{spacing.uncertainty * 100:.1f} %" if spacing.uncertainty else ""
        text = (
            f"{spacing.row_mm:.4f} × {spacing.col_mm:.4f} mm/px, {spacing.kind}"
            f" ({spacing.source}){unc}"
        )
    if binding.calibration_error:
        text = f"Calibration not used: {binding.calibration_error}. {text}"
    return text


class CalibrationBox(QGroupBox):
    """Calibrates the bound image; ``draw(key, mode=...)`` starts a calibration shape.

    ``edited`` follows an edit of the calibration once the binding has finished it.
    """

    edited = Signal()

    def __init__(
        self,
        viewer: Any,
        events: WorkbenchEvents,
        draw: Callable[..., None],
        parent: Any = None,
    ) -> None:
        super().__init__("Calibration", parent)
        self.viewer = viewer
        self.binding: ImageBinding | None = None
        #: The prosthetic-head search running in a thread, if any.
        self.head_worker: Any = None
        #: The head found and shown, waiting for the reader's confirmation: its edge points.
        self.found_head: list[tuple[float, float]] | None = None
        self._head_preview: Any = None
        layout = QGridLayout(self)
        self.preset = QComboBox()
        for text, mm in PRESETS:
            self.preset.addItem(text, mm)
        self.preset.setCurrentIndex(1)
        self.known_mm = QDoubleSpinBox()
        self.known_mm.setRange(1.0, 500.0)
        self.known_mm.setDecimals(1)
        self.known_mm.setSuffix(" mm")
        self.known_mm.setValue(28.0)
        self.preset.currentIndexChanged.connect(
            lambda i: self.known_mm.setValue(float(self.preset.itemData(i)))
        )
        self.known_mm.valueChanged.connect(self._on_known_mm)
        layout.addWidget(QLabel("Known size"), 0, 0)
        layout.addWidget(self.preset, 0, 1)
        layout.addWidget(self.known_mm, 0, 2)
        self.find_button = QPushButton("Find the prosthetic head")
        self.find_button.clicked.connect(self.find_head)
        self.confirm_button = QPushButton("")
        self.confirm_button.clicked.connect(self.confirm_head)
        self.reject_button = QPushButton("Not the head")
        self.reject_button.clicked.connect(self.reject_head)
        self.confirm_button.hide()
        self.reject_button.hide()
        circle = QPushButton("Circle: click edge points")
        circle.clicked.connect(lambda: draw("calibration", mode="add_polygon"))
        line = QPushButton(f"Known-length line  [{key_text(CALIBRATION_KEY)}]")
        line.clicked.connect(lambda: draw("calibration", mode="add_line"))
        remove = QPushButton("Remove calibration")
        remove.clicked.connect(self.remove_calibration)
        layout.addWidget(self.find_button, 1, 0, 1, 2)
        layout.addWidget(circle, 1, 2)
        layout.addWidget(line, 2, 0, 1, 2)
        layout.addWidget(remove, 2, 2)
        self.spacing_label = QLabel("")
        self.spacing_label.setWordWrap(True)
        layout.addWidget(self.spacing_label, 3, 0, 1, 3)
        layout.addWidget(self.confirm_button, 4, 0, 1, 2)
        layout.addWidget(self.reject_button, 4, 2)
        events.bound.connect(self._on_bound)
        events.graded.connect(self._on_graded)

    def _on_bound(self, binding: ImageBinding | None) -> None:
        """A new image (or none): any head waiting for confirmation belongs to the old one."""
        self.found_head = None
        self._drop_head_preview()
        self._show_head_question()
        self.binding = binding
        if binding is not None:
            binding.calibration_mm = self.known_mm.value()

    def _on_graded(self, _report: GradeReport) -> None:
        if self.binding is not None:
            self.spacing_label.setText(spacing_text(self.binding))

    def _on_known_mm(self, value: float) -> None:
        """The size applies to new calibrations and to the current one (the user confirms it)."""
        self._show_head_question()
        if self.binding is None:
            return
        self.binding.calibration_mm = value
        cal = self.binding.session.aset.calibration
        if cal is not None and cal.item_id is not None and cal.known_mm != value:
            self.binding.set_known_mm(cal.item_id, value)
            self.edited.emit()

    # -- the prosthetic head --------
    def find_head(self) -> None:
        """Find the prosthetic head with the core detector (in a thread: it takes a moment on a
        full-size image) and show it for the reader to confirm with the size in *Known size*."""
        from napari.qt.threading import create_worker

        if self.binding is None:
            return
        path = self.binding.session.image_path
        self.find_button.setEnabled(False)
        self.spacing_label.setText("Looking for the prosthetic head…")
        worker = create_worker(_find_heads, path)
        worker.returned.connect(lambda heads: self._on_heads(path, heads))
        worker.errored.connect(lambda exc: self._on_heads(path, [], str(exc)))
        self.head_worker = worker
        worker.start()

    def _on_heads(self, path: Path, heads: list[HeadCandidate], error: str = "") -> None:
        self.find_button.setEnabled(True)
        self.head_worker = None
        if self.binding is None or self.binding.session.image_path != path:
            return  # the user moved on to another image meanwhile
        if not heads:
            why = f" ({error})" if error else ""
            self.spacing_label.setText(
                f"No prosthetic head found{why}: click points on its edge instead."
            )
            return
        head = heads[0]
        t = np.linspace(0.0, 2.0 * np.pi, 24, endpoint=False)
        r0, c0 = head.center
        self.found_head = [
            (float(r0 + head.radius_px * np.sin(a)), float(c0 + head.radius_px * np.cos(a)))
            for a in t
        ]
        self._show_head_preview()
        self._show_head_question()

    def _show_head_preview(self) -> None:
        """The found circle, dashed yellow, until the reader confirms or rejects it."""
        from napari.layers import Shapes

        assert self.binding is not None and self.found_head is not None
        self._drop_head_preview()
        layer = Shapes(
            [np.asarray(self.found_head)],
            shape_type="polygon",
            name=f"{self.binding.name} found head (confirm)",
            scale=tuple(self.binding.image.scale),
            edge_color="yellow",
            face_color="transparent",
            edge_width=2,
            metadata={META: {"role": "preview", "path": str(self.binding.session.image_path)}},
        )
        layer.editable = False
        self._head_preview = self.viewer.add_layer(layer)
        self.viewer.layers.selection.active = self.binding.image

    def _drop_head_preview(self) -> None:
        layer, self._head_preview = self._head_preview, None
        if layer is not None and layer in self.viewer.layers:
            self.viewer.layers.remove(layer)

    def _show_head_question(self) -> None:
        asking = self.found_head is not None and self.binding is not None
        self.confirm_button.setVisible(asking)
        self.reject_button.setVisible(asking)
        if not asking or self.found_head is None:
            return
        ys = [p[0] for p in self.found_head]
        px = max(ys) - min(ys)
        self.spacing_label.setText(
            f"Found a circle {px:.0f} px across (yellow). Check it sits on the head's edge and"
            " set its true diameter in Known size, then confirm."
        )
        self.confirm_button.setText(f"Calibrate: this head is {self.known_mm.value():.1f} mm")

    def confirm_head(self) -> None:
        """Calibrate on the found head with the known size the reader confirmed."""
        points, self.found_head = self.found_head, None
        self._drop_head_preview()
        self._show_head_question()
        if self.binding is None or points is None:
            return
        item = Item(
            kind="calibration_circle",
            side=auto_side(self.binding.session, points),
            points=points,
            known_mm=self.known_mm.value(),
            note="prosthetic head",
        )
        self.binding.add_items([item])
        self.edited.emit()

    def reject_head(self) -> None:
        self.found_head = None
        self._drop_head_preview()
        self._show_head_question()
        self.spacing_label.setText("Click points on the head's edge instead (Circle button).")

    def remove_calibration(self) -> None:
        """Remove the calibration items (an undoable edit) or a calibration without one."""
        if self.binding is None or self.binding.model.locked:
            return
        session = self.binding.session
        ids = [i.id for i in session.aset.items if i.kind.startswith("calibration")]
        layer = self.binding.layers.get("calibration")
        if layer is not None and ids:
            layer.selected_data = set(range(layer.nshapes))
            layer.remove_selected()  # an edit like any other: undoable, regraded
        elif session.aset.calibration is not None:
            with self.binding.model.edit("remove calibration") as aset:
                aset.calibration = None
            self.binding.apply_spacing()
            session.mark_changed()
            self.edited.emit()
