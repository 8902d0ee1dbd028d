"""The Practice widget: one case at a time, the student answers, then the reference explains.

A thin adapter over ``ho_annotate.practice`` (the run, the comparison, the score). The image
layer, the student's annotation layers and their sidecar reuse the workbench's pieces
(``image_layer``, ``ImageSession``, ``ImageBinding``, ``items_to_rows``).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np
from qtpy.QtCore import Qt, QTimer
from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ho_annotate.annotations.model import SIDES, AnnotationSet, Side
from ho_annotate.errors import HoAnnotateError
from ho_annotate.grading.registry import grade_order
from ho_annotate.practice.background import SyntheticSetMaker, present_ready
from ho_annotate.practice.compare import CaseComparison
from ho_annotate.practice.run import PracticeSession, RunCase
from ho_annotate.practice.score import NO_ANSWER, format_summary

from ._convert import items_to_rows
from ._labels import LabelCache
from ._pool import ShapesPool
from ._qt.workbench import REDO_KEY, TOOLS, UNDO_KEY, key_text
from ._reader import META
from ._sides import auto_side

#: The reference overlay: one colour for what the student found, another for what they missed.
REFERENCE_COLOUR = "#00e5ff"
MISSED_COLOUR = "#ff4040"
BONE_COLOUR = "#9fb4bf"
#: The student's shapes with no partner in the reference (drawn thick and labelled "extra").
EXTRA_COLOUR = "#ff00ff"
FROM_ANNOTATIONS = "from my annotations"
#: How soon a shape still being drawn is looked at again (ms).
RETRY_MS = 15
#: How often the synthetic cases still being made are looked for (ms).
POLL_MS = 250
OUTCOME_MARK = {
    "right": "\u2714",
    "wrong": "\u2718",
    "no grade": "?",
    "not read": "\u2013",
    "no reference": "\u00b7",
}
#: The workbench's tool table (text, layer key, origin, shortcut) without the bone outlines:
#: the same keys draw the same shapes in both widgets.
DRAW_BUTTONS = tuple(tool for tool in TOOLS if tool[1] != "bone")


class PracticeWidget(QWidget):
    """Present the next case, take the student's answer, show the reference and the score."""

    def __init__(
        self,
        napari_viewer: Any,
        run_dir: Path | None = None,
        preparing: SyntheticSetMaker | None = None,
    ) -> None:
        super().__init__()
        self.viewer = napari_viewer
        self.practice: PracticeSession | None = None
        #: The maker of the run's synthetic set while cases are still being made.
        self.preparing: SyntheticSetMaker | None = None
        #: Next was pressed before the next case was made: it opens when it arrives.
        self.waiting = False
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._poll_cases)
        #: The view of the last automatic fit: refit when the canvas narrows (the dock docked
        #: after the first case opened), unless the student has moved the view since.
        self._auto_view: tuple[float, ...] | None = None
        napari_viewer.canvas.events.size.connect(self._on_canvas_size)
        self.case: RunCase | None = None
        self.binding: Any = None
        self.image: Any = None
        self.reference_layer: Any = None
        #: Shapes layers are reused from case to case, never removed (see ``_pool``).
        self.pool = ShapesPool()
        #: Reconciles again while a shape is still being drawn (napari sends no event when a
        #: dragged line is finished), so its mm label shows as soon as the mouse is released.
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self._autosave)
        self._build()
        if run_dir is not None:
            self.open_run(Path(run_dir), preparing)

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.case_label = QLabel("No practice run open.")
        self.open_button = QPushButton("Open run\u2026")
        self.open_button.clicked.connect(self._choose_run)
        top.addWidget(self.case_label, 1)
        top.addWidget(self.open_button)
        layout.addLayout(top)
        #: "Preparing cases: 7 of 20 ready" while a synthetic set is being made.
        self.progress_label = QLabel("")
        self.progress_label.setStyleSheet("color: #f0c040")
        self.progress_label.setWordWrap(True)
        self.progress_label.hide()
        layout.addWidget(self.progress_label)

        draw = QGridLayout()
        self.draw_buttons: dict[str, QPushButton] = {}
        for n, (title, key, origin, shortcut) in enumerate(DRAW_BUTTONS):
            button = QPushButton(f"{title}  [{key_text(shortcut)}]")
            button.clicked.connect(lambda _=False, k=key, o=origin: self._draw(k, o))
            draw.addWidget(button, n // 3, n % 3)
            self.draw_buttons[title] = button
        layout.addLayout(draw)

        #: One row per hip (grade pick and No HO), in the order the hips are displayed.
        self.picks_layout = QVBoxLayout()
        self.pick: dict[Side, QComboBox] = {}
        self.no_ho: dict[Side, QCheckBox] = {}
        self.pick_rows: dict[Side, QWidget] = {}
        self.hip_labels: dict[Side, QLabel] = {}
        for side in SIDES:
            row = QWidget()
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            self.hip_labels[side] = QLabel(f"{side.capitalize()} hip grade:")
            line.addWidget(self.hip_labels[side])
            combo = QComboBox()
            line.addWidget(combo, 1)
            no_ho = QCheckBox("No HO")
            no_ho.setToolTip("Confirm that this hip shows no heterotopic ossification (class 0)")
            no_ho.toggled.connect(lambda on, s=side: self._on_no_ho(s, on))
            line.addWidget(no_ho)
            self.picks_layout.addWidget(row)
            self.pick[side], self.no_ho[side], self.pick_rows[side] = combo, no_ho, row
        #: The hips as displayed, image left first.
        self.order: list[Side] = list(SIDES)
        layout.addLayout(self.picks_layout)

        buttons = QHBoxLayout()
        self.submit_button = QPushButton("Submit")
        self.submit_button.clicked.connect(self.submit)
        self.next_button = QPushButton("Next case")
        self.next_button.clicked.connect(self.next_case)
        buttons.addWidget(self.submit_button)
        buttons.addWidget(self.next_button)
        layout.addLayout(buttons)
        #: Submitted cases, to look at again (read-only, with the reference and the feedback).
        self.review_combo = QComboBox()
        self.review_combo.setToolTip("Open a submitted case again, with its reference")
        self.review_combo.activated.connect(self._on_review)
        layout.addWidget(self.review_combo)

        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        self.score_label = QLabel("")
        self.score_label.setWordWrap(True)
        layout.addWidget(self.score_label)
        layout.addWidget(QLabel("Confusion: rows the reference grade, columns yours"))
        self.confusion = QTableWidget()
        self.confusion.horizontalHeader().setMinimumSectionSize(28)
        # Its height is set to fit every row: no scroll bar beside empty space.
        self.confusion.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.confusion)
        layout.addStretch(1)
        notice = QLabel("Research and education use only; not a medical device.")
        notice.setStyleSheet("color: gray; font-size: 10px")
        layout.addWidget(notice)
        self._set_state(has_case=False, submitted=False)

    def _bind_keys(self) -> None:
        """The workbench's drawing, undo and redo shortcuts, acting on the practice case (bound
        when a run opens, so a workbench docked in the same window keeps its keys until then)."""
        for _text, key, origin, shortcut in DRAW_BUTTONS:
            self.viewer.bind_key(
                shortcut, lambda _v, k=key, o=origin: self._draw(k, o), overwrite=True
            )
        self.viewer.bind_key(UNDO_KEY, lambda _v: self._undo(redo=False), overwrite=True)
        self.viewer.bind_key(REDO_KEY, lambda _v: self._undo(redo=True), overwrite=True)

    def _set_state(self, *, has_case: bool, submitted: bool) -> None:
        for button in self.draw_buttons.values():
            button.setEnabled(has_case and not submitted)
        for combo in self.pick.values():
            combo.setEnabled(has_case and not submitted)
        for box in self.no_ho.values():
            box.setEnabled(has_case and not submitted)
        self.submit_button.setEnabled(has_case and not submitted)
        self.next_button.setEnabled(submitted)

    def _choose_run(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a practice run folder")
        if not folder:
            return
        try:
            run_dir = Path(folder)
            self.open_run(run_dir, _resume_making(run_dir))
        except HoAnnotateError as exc:
            self.result_label.setText(
                f"Cannot open this run: {html.escape(str(exc))}. Choose a run folder made by "
                "ho-annotate practice."
            )

    # -- the run --------------------------------------------------------------------------------
    def open_run(self, run_dir: Path, preparing: SyntheticSetMaker | None = None) -> None:
        """Open (resume) a run: the first case not yet submitted is shown.

        ``preparing`` (started): the maker of the run's synthetic set while it is still being
        made; its cases join the run as they are made (looked for every ``POLL_MS``).
        """
        self._stop_preparing()
        self.practice = PracticeSession(run_dir)
        self.preparing = preparing
        if preparing is not None:
            self._add_made()
            self._poll.start()
        self._bind_keys()
        grades = grade_order(self.practice.run.scheme)
        for combo in self.pick.values():
            combo.clear()
            combo.addItems([FROM_ANNOTATIONS, *grades])
        self._show_score()
        self.next_case()

    def next_case(self) -> None:
        """Show the next case not yet submitted (or say the run is complete)."""
        assert self.practice is not None
        self._clear_case()
        case = self.practice.next_case()
        self.waiting = case is None and len(self.practice.run.cases) < self.total
        if self.waiting:
            number = len(self.practice.run.cases) + 1
            self.case_label.setText(f"Preparing case {number} \u2026")
            self.result_label.setText("It opens as soon as it is made.")
            self._set_state(has_case=False, submitted=False)
            return
        if case is None:
            self.case_label.setText(f"All {self.total} cases submitted.")
            self.result_label.setText(_end_html(self.practice.run.cases))
            self._set_state(has_case=False, submitted=True)
            self.next_button.setEnabled(False)
            return
        self.show_case(case)

    def review(self, case: RunCase) -> None:
        """Show a submitted case again: the student's locked answer, the reference, the feedback."""
        assert self.practice is not None
        result = case.comparison
        if result is None:
            return
        self.show_case(case)
        for side, combo in self.pick.items():
            combo.setCurrentText(case.picked.get(side) or FROM_ANNOTATIONS)
        self._show_reference(self.practice.reference(case), result)
        self._freeze_answer(result)
        self.result_label.setText(
            "<p><i>Reviewing a submitted case; Next case goes on with the run.</i></p>"
            + _result_html(result, self.order)
        )
        self._set_state(has_case=True, submitted=True)

    def _on_review(self, index: int) -> None:
        name = self.review_combo.itemData(index)
        if self.practice is not None and name:
            self.review(self.practice.case(str(name)))

    def _fill_review(self) -> None:
        """The review list: every submitted case with its marks (R and L hip)."""
        combo = self.review_combo
        combo.clear()
        done = [c for c in self.practice.run.cases if c.comparison] if self.practice else []
        combo.addItem(f"Review an earlier case ({len(done)})\u2026", "")
        for case in done:
            assert case.comparison is not None
            sides = case.comparison.sides
            marks = " ".join(f"{s[0].upper()} {OUTCOME_MARK[sides[s].outcome]}" for s in SIDES)
            combo.addItem(f"{case.name}  {marks}", case.name)
        combo.setEnabled(bool(done))

    def show_case(self, case: RunCase) -> None:
        """Open ``case``'s presented image with the student's own (saved) annotations."""
        from ho_annotate import load_radiograph

        from ._binding import ImageBinding
        from ._reader import image_layer
        from ._session import ImageSession

        assert self.practice is not None
        self._clear_case()
        self.case = case
        path = self.practice.image_path(case)
        rad = load_radiograph(path)
        data, kwargs, _ = image_layer(rad)
        # Its own role, so a docked workbench does not bind it a second time.
        kwargs["metadata"][META]["role"] = "practice"
        self.image = self.viewer.add_image(data, **kwargs)
        session = ImageSession(path, rad.header, self.practice.run.reader)
        self.binding = ImageBinding(
            self.viewer, self.image, session, on_edit=self._autosave, pool=self.pool
        )
        # The student's own measurement is what is practised: gap lines are kept as drawn.
        self.binding.snap_default = self.binding.snap_next = False
        self.binding.show_side_markers()
        self.viewer.canvas.overlays["scale_bar"].visible = True  # as the workbench shows it
        self._order_hips()
        self._fit()
        index = self.practice.run.cases.index(case) + 1
        self.case_label.setText(f"<b>{case.name}</b> \u2014 case {index} of {self.total}")
        for combo in self.pick.values():
            combo.setCurrentIndex(0)
        for side, box in self.no_ho.items():
            with_signals = box.blockSignals(True)
            box.setChecked(session.aset.hips[side].no_ho_confirmed)
            box.blockSignals(with_signals)
        self.result_label.setText("Annotate and/or pick a grade per hip, then Submit.")
        self._set_state(has_case=True, submitted=False)

    def _view(self) -> tuple[float, ...]:
        camera = self.viewer.scene.camera
        return (float(camera.zoom), *(float(v) for v in camera.center))

    def _fit(self) -> None:
        if self.image is not None:
            self.viewer.reset_view()
            self._auto_view = self._view()

    def _on_canvas_size(self, _event: Any = None) -> None:
        if self.image is not None and self._auto_view == self._view():
            QTimer.singleShot(0, self._fit)  # once the dock has taken its room

    # -- cases still being made ---------------------------------------------------------------
    @property
    def total(self) -> int:
        """The run's size: the synthetic set's N while it is being made."""
        if self.practice is None:
            return 0
        made = len(self.practice.run.cases)
        return max(made, self.preparing.total) if self.preparing is not None else made

    def _add_made(self) -> bool:
        """Add the next made case to the run (one per poll: presenting takes a moment)."""
        assert self.practice is not None and self.preparing is not None
        try:
            added = present_ready(self.practice, self.preparing, limit=1)
        except HoAnnotateError as exc:
            self._show_progress(f"Cannot add the next case: {exc}")
            self._poll.stop()
            return False
        why = self.preparing.error()
        if why is not None:
            self._show_progress(f"Could not make every case: {why}")
            self._poll.stop()
        else:
            self._show_progress()
        return bool(added)

    def _show_progress(self, problem: str = "") -> None:
        ready = len(self.practice.run.cases) if self.practice is not None else 0
        if problem:
            self.progress_label.setText(html.escape(problem))
        elif self.preparing is None or ready >= self.total:
            self.progress_label.hide()
            return
        else:
            self.progress_label.setText(f"Preparing cases: {ready} of {self.total} ready")
        self.progress_label.show()

    def _poll_cases(self) -> None:
        """Look for newly made cases; open the awaited one; stop once the run is complete."""
        if self.practice is None or self.preparing is None:
            self._poll.stop()
            return
        added = self._add_made()
        if added and self.waiting:
            self.next_case()
        if len(self.practice.run.cases) >= self.total:
            self._stop_preparing()

    def _stop_preparing(self) -> None:
        """Stop looking for cases and stop the child making them (the set can be resumed)."""
        self._poll.stop()
        if self.preparing is not None:
            self.preparing.cancel()
            self.preparing = None
        self._show_progress()

    def closeEvent(self, event: Any) -> None:
        self._stop_preparing()
        super().closeEvent(event)

    def _clear_case(self) -> None:
        if self.binding is not None:
            self.binding.close()
            self.binding = None
        if self.reference_layer is not None and self.reference_layer in self.viewer.layers:
            self.pool.give("reference", self.reference_layer)
        if self.image is not None and self.image in self.viewer.layers:
            self.viewer.layers.remove(self.image)
        self.reference_layer = self.image = None
        self.case = None

    def _order_hips(self) -> None:
        """The hip rows in the order the hips are displayed: the one on the image's left first
        (the patient's right, unless the image's orientation says otherwise)."""
        session = self.binding.session
        on_left = auto_side(session, [(0.0, 0.0)])
        on_right = auto_side(session, [(0.0, float(session.header.columns) - 1)])
        if on_left == on_right:  # a single-hip view: keep the order
            return
        self.order = [on_left, on_right]
        for n, side in enumerate(self.order):
            self.picks_layout.removeWidget(self.pick_rows[side])
            self.picks_layout.insertWidget(n, self.pick_rows[side])
            where = "image left" if n == 0 else "image right"
            self.hip_labels[side].setText(f"{side.capitalize()} hip ({where}):")

    def _draw(self, key: str, origin: str | None) -> None:
        if self.binding is not None and not self.binding.model.locked:
            self.binding.start_drawing(key, origin)

    def _on_no_ho(self, side: Side, confirmed: bool) -> None:
        if self.binding is None or self.binding.model.locked:
            return
        self.binding.confirm_no_ho(side, confirmed)
        self._save_answer()

    def _undo(self, *, redo: bool) -> None:
        """Undo (or redo) the last edit of the answer, before Submit only."""
        if self.binding is None or self.binding.model.locked:
            return
        changed = self.binding.redo() if redo else self.binding.undo()
        if changed:
            for side, box in self.no_ho.items():
                with_signals = box.blockSignals(True)
                box.setChecked(self.binding.session.aset.hips[side].no_ho_confirmed)
                box.blockSignals(with_signals)
            self._save_answer()

    def _autosave(self, defer: bool = False) -> None:
        """Keep the student's sidecar in step after each finished edit.

        ``defer`` (a layer was removed): wait for the event loop, as the binding asks.
        """
        if defer:
            QTimer.singleShot(0, self._autosave)
            return
        if self.binding is None:
            return
        if self.binding.reconcile():
            self._save_answer()
        if self.binding.pending:  # a line still being drawn: its label (mm) once it is done
            self._retry.start()

    def _save_answer(self) -> AnnotationSet:
        session = self.binding.session
        try:
            session.save(overwrite=True)
        except HoAnnotateError as exc:
            self.result_label.setText(f"Could not save your annotations: {html.escape(str(exc))}")
        aset: AnnotationSet = session.aset
        return aset

    # -- submitting -----------------------------------------------------------------------------
    def picked(self) -> dict[Side, str | None]:
        """The grade picked per hip (``None``: take it from the annotations)."""
        out: dict[Side, str | None] = {}
        for side, combo in self.pick.items():
            text = combo.currentText()
            out[side] = None if text in ("", FROM_ANNOTATIONS) else text
        return out

    def submit(self) -> CaseComparison | None:
        """Save the student's answer, compare it with the reference, and show both."""
        if self.practice is None or self.case is None or self.binding is None:
            return None
        self.binding.reconcile()
        student = self._save_answer()
        try:
            result = self.practice.submit(self.case, student, self.picked())
        except HoAnnotateError as exc:
            self.result_label.setText(f"Cannot submit: {html.escape(str(exc))}")
            return None
        self._show_reference(self.practice.reference(self.case), result)
        self._freeze_answer(result)
        self.result_label.setText(_result_html(result, self.order))
        self._show_score()
        self._set_state(has_case=True, submitted=True)
        return result

    def _show_reference(self, reference: AnnotationSet, result: CaseComparison) -> None:
        """The reference's shapes over the image: found ones in one colour, missed in another."""
        items = [i for i in reference.items if not i.kind.startswith("calibration")]
        if not items:
            return
        missed = {r.id for s in result.sides.values() for r in s.missed}
        spacing = self.binding.session.spacing
        rows = items_to_rows(items)
        rows.features["label"] = [_reference_label(i, i.id in missed, spacing) for i in items]
        colours = [
            MISSED_COLOUR
            if i.id in missed
            else BONE_COLOUR
            if i.kind == "bone"
            else REFERENCE_COLOUR
            for i in items
        ]
        name = f"{self.case.name if self.case else ''} reference"
        metadata = {META: {"role": "reference", "path": str(self.binding.session.image_path)}}
        layer = self.pool.take("reference")
        if layer is None or layer not in self.viewer.layers:
            layer = self.viewer.add_shapes(
                rows.data,
                shape_type=rows.shape_types,
                features=rows.features,
                edge_color=colours,
                face_color="#00000000",
                edge_width=3,
                name=name,
                scale=tuple(self.image.scale),
                units=tuple(self.image.units),
                # below and right of the shape: the student's own labels sit above and left
                text={
                    "string": "{label}",
                    "color": REFERENCE_COLOUR,
                    "size": 10,
                    "anchor": "lower_left",
                },
                metadata=metadata,
            )
        else:  # the previous case's layer, emptied and hidden: filled again
            with layer.events.data.blocker():
                layer.name, layer.metadata = name, metadata
                layer.scale, layer.units = tuple(self.image.scale), tuple(self.image.units)
                layer.add(rows.data, shape_type=rows.shape_types, edge_color=colours)
                layer.features = rows.features
                layer.edge_color = colours
                layer.visible = True
        self.reference_layer = layer
        self.reference_layer.editable = False
        self.viewer.layers.selection.active = self.image

    def _freeze_answer(self, result: CaseComparison) -> None:
        """The submitted shapes can no longer change; extra ones are marked and labelled."""
        from napari.utils.colormaps.standardize_color import transform_color

        self.binding.model.lock()  # a submitted answer takes no more edits
        extra = {r.id for s in result.sides.values() for r in s.extra}
        mark = transform_color(EXTRA_COLOUR)[0]
        for layer in self.binding.layers.values():
            ids = [str(i) for i in layer.features.get("id", [])]
            rows = [n for n, i in enumerate(ids) if i in extra]
            if rows:
                colours = np.array(layer.edge_color, dtype=float)
                colours[rows] = mark
                widths = np.array(layer.edge_width, dtype=float)
                widths[rows] = 2 * widths.max()
                features = layer.features.copy()
                features.loc[rows, "label"] = [f"extra {features.at[n, 'label']}" for n in rows]
                with layer.events.data.blocker():
                    layer.features = features
                    layer.edge_color = colours
                    layer.edge_width = list(widths)
            layer.mode = "pan_zoom"
            layer.editable = False

    def _show_score(self) -> None:
        if self.practice is None:
            return
        self._fill_review()
        summary = self.practice.summary()
        self.score_label.setText(format_summary(summary) if summary.cases else "No answers yet.")
        cols = [*summary.grades, NO_ANSWER]
        self.confusion.setRowCount(len(summary.grades))
        self.confusion.setColumnCount(len(cols))
        self.confusion.setHorizontalHeaderLabels(cols)
        self.confusion.setVerticalHeaderLabels(summary.grades)
        for r, grade in enumerate(summary.grades):
            for c, col in enumerate(cols):
                count = summary.confusion[grade][col]
                self.confusion.setItem(r, c, QTableWidgetItem(str(count) if count else ""))
        self.confusion.resizeColumnsToContents()
        height = self.confusion.horizontalHeader().height() + 2
        height += sum(self.confusion.rowHeight(r) for r in range(len(summary.grades)))
        self.confusion.setFixedHeight(height)


def _resume_making(run_dir: Path) -> SyntheticSetMaker | None:
    """A run opened from its folder whose synthetic set is not made yet: go on making it."""
    from ho_annotate.practice.run import load_run
    from ho_annotate.practice.sets import RUN_FILE

    run = load_run(run_dir / RUN_FILE)
    maker = SyntheticSetMaker.resume(Path(run.set_dir))
    if maker is None or (maker.complete and len(run.cases) >= maker.total):
        return None
    maker.start()
    return maker


def _reference_label(item: Any, missed: bool, spacing: Any) -> str:
    """``ref gap R 10.4 mm``: the reference's lengths in mm, as on the student's own shapes."""
    if item.kind == "bone":
        return ""
    label = f"ref {item.kind}"
    if item.kind in ("gap", "island"):
        label += f" {_LABELS.text(item, spacing)}"
    return label + (" (missed)" if missed else "")


_LABELS = LabelCache()


def _result_html(result: CaseComparison, order: list[Side]) -> str:
    """Per hip, in the displayed order: the mark, the feedback (borderline called out) and why."""
    parts = []
    for side in order:
        s = result.sides[side]
        mark = OUTCOME_MARK[s.outcome]
        feedback = html.escape(s.feedback, quote=False)
        if s.borderline:
            feedback = feedback.replace("the reference gap", "<b>the reference gap", 1)
            feedback = feedback.replace(" mm)", " mm)</b>", 1)
        parts.append(
            f"<p><b>{side.capitalize()} hip {mark}:</b> {feedback}<br>"
            f"<i>{html.escape(s.reason, quote=False)}</i></p>"
        )
    return "".join(parts)


def to_revisit(cases: list[RunCase]) -> list[RunCase]:
    """Submitted cases with a scored hip not answered right."""
    return [
        c
        for c in cases
        if c.comparison is not None
        and any(s.scored and s.outcome != "right" for s in c.comparison.sides.values())
    ]


def _end_html(cases: list[RunCase]) -> str:
    """The end screen: the cases to look at again, each with what went wrong."""
    revisit = to_revisit(cases)
    if not revisit:
        return "<p><b>Every hip right.</b> Well done.</p>"
    rows = []
    for case in revisit:
        assert case.comparison is not None
        wrong = [
            f"{side} hip: {html.escape(s.feedback, quote=False)}"
            for side, s in case.comparison.sides.items()
            if s.scored and s.outcome != "right"
        ]
        rows.append(f"<li><b>{case.name}</b> \u2014 {'<br>'.join(wrong)}</li>")
    return (
        f"<p><b>Cases to revisit ({len(revisit)})</b>: open them with "
        f"<i>Review an earlier case</i>.</p><ul>{''.join(rows)}</ul>"
    )
