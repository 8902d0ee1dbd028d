"""The HO workbench dock widget: drawing tools, grading panel, calibration, saving, worklist.

A thin adapter: the session (``_session``) and the layer binding (``_binding``) do the work,
this module only wires buttons, shortcuts and timers to them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from qtpy.QtCore import QEvent, QTimer
from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ho_annotate.annotations.model import POLYGON_KIND_ORDER, SIDES, Item
from ho_annotate.errors import HoAnnotateError, SidecarError

from .._binding import ImageBinding
from .._declutter import DESCRIPTIVE, descriptive_labels_fit
from .._pool import ShapesPool
from .._prefetch import Prefetcher
from .._reader import META, radiograph_layers, reuse_image_layer
from .._session import ImageSession
from .._settings import Settings, clean_reader
from .._sides import auto_side
from .._status import add_units_to_status
from .._worklist import Worklist
from ._panel import HipPanel, restyle
from ._window import WindowLevel, _scene_canvas

if TYPE_CHECKING:
    from ho_annotate.calibration.prosthesis import HeadCandidate
    from ho_annotate.grading import GradeReport

#: After a refresh, edits within this time are gathered into one trailing refresh.
DEBOUNCE_MS = 8
#: The dock's width never drops below this; longer texts wrap instead of widening it.
DOCK_MIN_WIDTH = 460
NOTICE = "For research and education only. Not a medical device."
#: Known sizes offered for calibration: prosthetic femoral heads and a calibration ball.
PRESETS = (
    ("22 mm head", 22.0),
    ("28 mm head", 28.0),
    ("32 mm head", 32.0),
    ("36 mm head", 36.0),
    ("40 mm head", 40.0),
    ("25 mm ball", 25.0),
)
#: (button text, layer key, origin, shortcut). Keys napari's layers do not use (Shift+P is
#: napari's polygon lasso, Shift+L its polyline, Shift+A and Shift+V select and hide shapes).
TOOLS = (
    ("Island", "island", None, "Shift-I"),
    ("Pelvic spur", "spur", "pelvis", "Shift-S"),
    ("Femoral spur", "spur", "femur", "Shift-F"),
    ("Bridge", "bridge", None, "Shift-B"),
    ("Gap line", "gap", None, "Shift-G"),
    ("Pelvis outline", "bone", "pelvis", "Shift-O"),
    ("Femur outline", "bone", "femur", "Shift-E"),
)
CALIBRATION_KEY = "Shift-C"
#: Snapping on / off for the next gap line only.
SNAP_KEY = "Shift-N"
#: Island, spur and outline tools: one click inside the structure instead of clicking its edge.
OUTLINE_KEY = "Shift-K"
#: Worklist: next / previous image, next image not yet done.
NEXT_KEY, PREVIOUS_KEY, NEXT_UNREAD_KEY = "Shift-Right", "Shift-Left", "Shift-Down"
#: Layers the one-click outline works on.
OUTLINE_KEYS = ("island", "spur", "bone")
#: CtrlCmd: Control, or Command on macOS (napari swaps them). Ctrl+Y stays napari's 2D/3D.
UNDO_KEY = "Control-Z"
REDO_KEY = "Control-Shift-Z"


def key_text(shortcut: str) -> str:
    """How a shortcut is written on a button (``Control-Shift-Z`` -> ``Ctrl+Shift+Z``)."""
    return shortcut.replace("Control", "Ctrl").replace("-", "+")


def _find_heads(path: Path) -> list[HeadCandidate]:
    from ho_annotate import find_prosthetic_heads, load_radiograph

    return list(find_prosthetic_heads(load_radiograph(path)))


def lock_layer(layer: Any) -> None:
    """Keep a reference layer as loaded: not editable, and any edit that slips through undone."""
    data, types = list(layer.data), list(layer.shape_type)
    features = layer.features.copy()
    edges, faces = layer.edge_color.copy(), layer.face_color.copy()
    layer.editable = False

    def restore(event: Any) -> None:
        if str(event.action) not in ("added", "changed", "removed"):
            return
        with layer.events.data.blocker():
            if layer.nshapes:
                layer.selected_data = set(range(layer.nshapes))
                layer.remove_selected()
            layer.add(data, shape_type=types)
            layer.features = features
            layer.edge_color, layer.face_color = edges, faces

    layer.events.data.connect(restore)


class Workbench(QWidget):
    """Dock widget; binds to the radiograph layer opened by the ho-annotate reader."""

    def __init__(self, napari_viewer: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.viewer = napari_viewer
        self.settings = Settings.load()
        self.binding: ImageBinding | None = None
        self.worklist = Worklist()
        #: Annotation layers reused from image to image (removing Shapes layers can crash
        #: napari's drawing on software OpenGL, see ``_pool``).
        self.pool = ShapesPool()
        #: The next worklist image, read in a thread while the reader works on this one.
        self.prefetch = Prefetcher()
        self.last_report: GradeReport | None = None
        self.last_refresh_s = 0.0
        #: How many times the panel was refreshed (benchmarks and tests wait on it).
        self.refresh_count = 0
        #: The prosthetic-head search running in a thread, if any.
        self.head_worker: Any = None
        #: The head found and shown, waiting for the reader's confirmation: its edge points.
        self.found_head: list[tuple[float, float]] | None = None
        self._head_preview: Any = None
        self._edit_started: float | None = None
        #: Blinded reading (a study): image path (resolved) -> the case label shown in place of
        #: the file name; these images open without the reference layer.
        self.case_labels: dict[Path, str] = {}
        #: Called after an image is bound (a study locks submitted cases here).
        self.on_bound: list[Callable[[], None]] = []
        #: Work waiting for the window's first frame (see ``first_frame_first``); None: none.
        self._after_first_frame: list[Callable[[], None]] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._trail)
        self._trailing = False
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(0)
        self._save_timer.timeout.connect(self.autosave)
        self._build()
        self._bind_keys()
        napari_viewer.layers.events.inserted.connect(self._on_inserted)
        napari_viewer.layers.events.removed.connect(self._on_removed)
        self._docked = False
        #: The view of the last automatic fit (None: not fitted yet for this image).
        self._auto_view: tuple[float, ...] | None = None
        napari_viewer.canvas.events.size.connect(self._on_canvas_size)
        napari_viewer.scene.camera.events.zoom.connect(self._declutter)
        # after napari's own handler, which finishes a drawn shape on the release
        _scene_canvas(napari_viewer).events.mouse_release.connect(self._on_release, position="last")
        for layer in list(napari_viewer.layers):
            self._adopt(layer)

    def event(self, e: QEvent) -> bool:
        """Removed from its dock (napari keeps the widget alive): stop working on the viewer."""
        if e.type() == QEvent.Type.ParentChange:
            if self.parent() is not None:
                self._docked = True
            elif self._docked:
                self.shutdown()
        elif e.type() == QEvent.Type.Show:
            self._on_canvas_size()  # refit, unless the reader moved the view
        return bool(super().event(e))

    def _on_canvas_size(self, _event: Any = None) -> None:
        """The canvas was resized (the dock took its room): fit again, unless the reader has
        moved the view since the last automatic fit."""
        if self.binding is None:
            return
        if self._auto_view is None or self._auto_view == self._view():
            self._fit_later()

    def _view(self) -> tuple[float, ...]:
        camera = self.viewer.scene.camera
        return (float(camera.zoom), *(float(v) for v in camera.center))

    def _fit_later(self) -> None:
        """Fit the image once the dock has taken its room (docking narrows the canvas)."""
        QTimer.singleShot(0, self._fit)

    def _fit(self) -> None:
        if self.binding is not None:
            self.viewer.reset_view()
            self._auto_view = self._view()

    def shutdown(self) -> None:
        """Save, remove this workbench's layers and stop listening to the viewer."""
        self.unbind(remove_layers=False)
        for emitter, callback in (
            (self.viewer.canvas.events.size, self._on_canvas_size),
            (self.viewer.scene.camera.events.zoom, self._declutter),
            (self.viewer.layers.events.inserted, self._on_inserted),
            (self.viewer.layers.events.removed, self._on_removed),
            (_scene_canvas(self.viewer).events.mouse_release, self._on_release),
        ):
            emitter.disconnect(callback)
        self.window_level.shutdown()
        self.prefetch.shutdown()
        self._docked = False

    # -- building the widget --------
    def _build(self) -> None:
        root = QVBoxLayout(self)
        self.setMinimumWidth(DOCK_MIN_WIDTH)
        root.setContentsMargins(4, 4, 4, 4)
        notice = QLabel(NOTICE)
        notice.setStyleSheet("color: #ffcc80; font-weight: bold;")
        notice.setWordWrap(True)
        root.addWidget(notice)
        self.image_label = QLabel("Open a DICOM radiograph (File > Open or a sample).")
        self.image_label.setWordWrap(True)
        root.addWidget(self.image_label)
        self.window_level = WindowLevel(self.viewer)
        root.addWidget(self.window_level)
        root.addWidget(self._build_grading())
        root.addWidget(self._build_tools())
        root.addWidget(self._build_calibration())
        root.addWidget(self._build_saving())
        root.addWidget(self._build_worklist())
        root.addStretch(1)

    def _build_grading(self) -> QGroupBox:
        box = QGroupBox("Grade")
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        row.addWidget(QLabel("Scheme"))
        self.scheme = QComboBox()
        from ho_annotate.grading import schemes

        self.scheme.addItems(list(schemes()))
        if self.settings.scheme in schemes():
            self.scheme.setCurrentText(self.settings.scheme)
        self.scheme.currentTextChanged.connect(self._on_scheme)
        row.addWidget(self.scheme, 1)
        layout.addLayout(row)
        hips = QHBoxLayout()
        # Radiological display: the patient's right hip is on the image's left.
        self.panels = {s: HipPanel(s, self._on_need, self._on_no_ho) for s in ("right", "left")}
        for panel in self.panels.values():
            # equal halves whatever their texts say (the texts wrap; the dock keeps its width)
            panel.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            hips.addWidget(panel, 1)
        layout.addLayout(hips)
        self.hips_layout = hips
        return box

    def _build_tools(self) -> QGroupBox:
        box = QGroupBox(
            "Draw: outlines click by click (double-click ends); lines: drag or two clicks"
        )
        grid = QGridLayout(box)
        self.tool_buttons: dict[str, QPushButton] = {}
        for n, (text, key, origin, shortcut) in enumerate(TOOLS):
            button = QPushButton(f"{text}  [{key_text(shortcut)}]")
            button.clicked.connect(lambda _=False, k=key, o=origin: self.draw(k, o))
            grid.addWidget(button, n // 2, n % 2)
            self.tool_buttons[text] = button
        row = len(TOOLS) // 2 + 1
        undo = QHBoxLayout()
        self.undo_button = QPushButton(f"Undo  [{key_text(UNDO_KEY)}]")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button = QPushButton(f"Redo  [{key_text(REDO_KEY)}]")
        self.redo_button.clicked.connect(self.redo)
        undo.addWidget(self.undo_button)
        undo.addWidget(self.redo_button)
        grid.addLayout(undo, row, 0, 1, 2)  # full width: the key texts are long
        self.flip_button = QPushButton("Flip image sides")
        self.flip_button.setToolTip("The image is mirrored: swap left and right")
        self.flip_button.clicked.connect(self.flip_sides)
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
        grid.addLayout(sel, row + 1, 0, 1, 2)
        snapping = QHBoxLayout()
        self.snap_check = QCheckBox(
            f"Snap gap lines to bone edges  [{key_text(SNAP_KEY)}: next line only]"
        )
        self.snap_check.setChecked(True)
        self.snap_check.toggled.connect(self._on_snap)
        self.outline_check = QCheckBox(f"One-click outline  [{key_text(OUTLINE_KEY)}]")
        self.outline_check.setToolTip(
            "Island, spur and outline tools: click once inside the structure"
        )
        grid.addWidget(self.snap_check, row + 2, 0, 1, 2)
        snapping.addWidget(self.outline_check)
        snapping.addWidget(self.flip_button)
        grid.addLayout(snapping, row + 3, 0, 1, 2)
        self.tool_status = QLabel("")
        self.tool_status.setWordWrap(True)
        grid.addWidget(self.tool_status, row + 4, 0, 1, 2)
        return box

    def _build_calibration(self) -> QGroupBox:
        box = QGroupBox("Calibration")
        layout = QGridLayout(box)
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
        self.find_head_button = QPushButton("Find the prosthetic head")
        self.find_head_button.clicked.connect(self.find_head)
        self.confirm_head_button = QPushButton("")
        self.confirm_head_button.clicked.connect(self.confirm_head)
        self.reject_head_button = QPushButton("Not the head")
        self.reject_head_button.clicked.connect(self.reject_head)
        self.confirm_head_button.hide()
        self.reject_head_button.hide()
        circle = QPushButton("Circle: click edge points")
        circle.clicked.connect(lambda: self.draw("calibration", mode="add_polygon"))
        line = QPushButton(f"Known-length line  [{key_text(CALIBRATION_KEY)}]")
        line.clicked.connect(lambda: self.draw("calibration", mode="add_line"))
        remove = QPushButton("Remove calibration")
        remove.clicked.connect(self.remove_calibration)
        layout.addWidget(self.find_head_button, 1, 0, 1, 2)
        layout.addWidget(circle, 1, 2)
        layout.addWidget(line, 2, 0, 1, 2)
        layout.addWidget(remove, 2, 2)
        self.spacing_label = QLabel("")
        self.spacing_label.setWordWrap(True)
        layout.addWidget(self.spacing_label, 3, 0, 1, 3)
        layout.addWidget(self.confirm_head_button, 4, 0, 1, 2)
        layout.addWidget(self.reject_head_button, 4, 2)
        return box

    def _build_saving(self) -> QGroupBox:
        box = QGroupBox("Saving")
        layout = QGridLayout(box)
        layout.addWidget(QLabel("Reader"), 0, 0)
        self.reader_edit = QLineEdit(self.settings.reader)
        self.reader_edit.editingFinished.connect(self._on_reader)
        layout.addWidget(self.reader_edit, 0, 1)
        self.autosave_check = QCheckBox("Autosave")
        self.autosave_check.setChecked(self.settings.autosave)
        self.autosave_check.toggled.connect(self._on_autosave)
        layout.addWidget(self.autosave_check, 0, 2)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(lambda: self.save())
        layout.addWidget(self.save_button, 1, 0)
        self.save_state = QLabel("")
        self.save_state.setWordWrap(True)
        layout.addWidget(self.save_state, 1, 1, 1, 2)
        self.reload_button = QPushButton("Reload from disk")
        self.reload_button.clicked.connect(self.reload)
        self.keep_button = QPushButton("Keep mine (overwrite)")
        self.keep_button.clicked.connect(lambda: self.save(overwrite=True))
        layout.addWidget(self.reload_button, 2, 0, 1, 2)
        layout.addWidget(self.keep_button, 2, 2)
        self.reload_button.hide()
        self.keep_button.hide()
        return box

    def _build_worklist(self) -> QGroupBox:
        box = QGroupBox("Worklist")
        layout = QVBoxLayout(box)
        self.work_list = QListWidget()
        self.work_list.setMinimumHeight(160)
        self.work_list.setMaximumHeight(260)
        self.work_list.itemActivated.connect(lambda item: self.open_index(self.work_list.row(item)))
        layout.addWidget(self.work_list)
        row = QHBoxLayout()
        self.prev_button = QPushButton(f"◀ Previous  [{key_text(PREVIOUS_KEY)}]")
        self.prev_button.clicked.connect(self.open_previous)
        self.next_button = QPushButton(f"Next ▶  [{key_text(NEXT_KEY)}]")
        self.next_button.clicked.connect(self.open_next)
        self.next_unread_button = QPushButton(f"Next unread  [{key_text(NEXT_UNREAD_KEY)}]")
        self.next_unread_button.clicked.connect(self.open_next_unread)
        row.addWidget(self.prev_button)
        row.addWidget(self.next_button)
        row.addWidget(self.next_unread_button)
        layout.addLayout(row)
        box.setVisible(False)
        self.worklist_box = box
        return box

    def _bind_keys(self) -> None:
        for _text, key, origin, shortcut in TOOLS:
            self.viewer.bind_key(
                shortcut, lambda _v, k=key, o=origin: self.draw(k, o), overwrite=True
            )
        self.viewer.bind_key(
            CALIBRATION_KEY, lambda _v: self.draw("calibration", mode="add_line"), overwrite=True
        )
        self.viewer.bind_key(SNAP_KEY, lambda _v: self.toggle_snap_next(), overwrite=True)
        self.viewer.bind_key(
            OUTLINE_KEY,
            lambda _v: self.outline_check.setChecked(not self.outline_check.isChecked()),
            overwrite=True,
        )
        self.viewer.bind_key(NEXT_KEY, lambda _v: self.open_next(), overwrite=True)
        self.viewer.bind_key(PREVIOUS_KEY, lambda _v: self.open_previous(), overwrite=True)
        self.viewer.bind_key(NEXT_UNREAD_KEY, lambda _v: self.open_next_unread(), overwrite=True)
        self.viewer.bind_key(UNDO_KEY, lambda _v: self.undo(), overwrite=True)
        self.viewer.bind_key(REDO_KEY, lambda _v: self.redo(), overwrite=True)

    # -- binding to images --------
    def _on_inserted(self, event: Any) -> None:
        self._adopt(event.value)

    def _adopt(self, layer: Any) -> None:
        add_units_to_status(layer)
        meta = layer.metadata.get(META)
        if not meta:
            return
        role = meta.get("role")
        if role == "reference":
            lock_layer(layer)
        elif role is None and layer._type_string == "image":
            self.bind(layer)

    def _on_removed(self, event: Any) -> None:
        if self.binding is not None and event.value is self.binding.image:
            self.unbind(remove_layers=True)

    def bind(self, image: Any) -> None:
        """Work on ``image``: load the reader's sidecar and show its annotations."""
        meta = image.metadata[META]
        if self.binding is not None:
            if self.binding.image is image:
                return
            self.unbind(remove_layers=False)
        path = Path(meta["path"])
        annotations_dir = Path(meta["annotations_dir"]) if meta.get("annotations_dir") else None
        try:
            header = self.prefetch.header(path)
            session = ImageSession(path, header, self.reader, annotations_dir)
        except HoAnnotateError as exc:
            self.image_label.setText(f"Cannot annotate {self.shown_name(path)}: {exc}")
            return
        self.binding = ImageBinding(self.viewer, image, session, on_edit=self._edit, pool=self.pool)
        self.binding.calibration_mm = self.known_mm.value()
        self.window_level.bind(image, session.header)
        self._on_snap(self.snap_check.isChecked())
        binding = self.binding

        def overlays() -> None:  # not needed to see the image: after its first frame
            if binding is self.binding:
                binding.show_side_markers()
            self.viewer.canvas.overlays["scale_bar"].visible = True

        self._after_first_draw(overlays)
        self.viewer.layers.selection.active = image
        self.worklist.select(path)
        self.refresh()
        self._auto_view = None
        self._fit_later()
        for callback in self.on_bound:
            callback()

    def first_frame_first(self) -> None:
        """A new window: show the image first, then the side letters and the scale bar (a
        Points layer, text visuals, their shaders and pandas are not needed to see it)."""
        if self._after_first_frame is not None:
            return
        self._after_first_frame = []
        scene = _scene_canvas(self.viewer)

        def drawn(_event: Any = None) -> None:
            scene.events.draw.disconnect(drawn)
            QTimer.singleShot(0, self._first_frame_drawn)  # once this frame is on screen

        scene.events.draw.connect(drawn, position="last")

    def _first_frame_drawn(self) -> None:
        waiting, self._after_first_frame = self._after_first_frame or [], None
        for work in waiting:
            work()

    def _after_first_draw(self, work: Callable[[], None]) -> None:
        if self._after_first_frame is None:
            work()
        else:
            self._after_first_frame.append(work)

    def unbind(self, *, remove_layers: bool, keep: Any = None) -> None:
        """Stop working on the current image; unsaved work is saved first (even without
        autosave: leaving an image must never lose what was drawn). ``keep``: a layer not
        removed (the image layer the next image is shown in)."""
        if self.binding is None:
            return
        if self.binding.session.dirty:
            self.save()
        self.found_head = None
        self._drop_head_preview()
        self._show_head_question()
        binding, self.binding = self.binding, None
        self.window_level.unbind()
        binding.close()
        if remove_layers:
            doomed = [lay for lay in binding.bound_layers() if lay is not keep]
            if doomed:  # one batch: napari cleans its scene graph (a gc.collect) once
                with self.viewer.layers.batched_update():
                    for layer in doomed:
                        self.viewer.layers.remove(layer)

    def shown_name(self, path: Path) -> str:
        """The name an image is shown under: its case label when blinded, else its file name."""
        return self.case_labels.get(Path(path).resolve(), Path(path).name)

    @property
    def reader(self) -> str:
        return clean_reader(self.settings.reader)

    # -- editing --------
    def _edit(self, defer: bool = False) -> None:
        """A shape edit finished: refresh now, or once after a burst of edits.

        A leading-edge throttle: the first edit refreshes at once (about 15 ms for 100 shapes,
        before napari even repaints the canvas); edits within ``DEBOUNCE_MS`` after it are
        gathered into one trailing refresh. ``defer`` always waits (a layer being removed may
        be the image closing, which must not delete annotations).
        """
        if self._edit_started is None:
            self._edit_started = time.perf_counter()
        if defer or self._timer.isActive():
            self._trailing = True
            if not self._timer.isActive():
                self._timer.start()
            return
        self._refresh_panels_first()
        self._timer.start()

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

    def _on_release(self, _event: Any = None) -> None:
        """A mouse release finished a shape: regrade now, not at the debounce timer (napari
        reports the new shape while it still counts as being drawn, so the refresh at that
        event had to leave it for later)."""
        if self.binding is not None and self.binding.pending:
            self._trailing = False
            self._refresh_panels_first()
            self._timer.start()

    def _trail(self) -> None:
        pending = self.binding is not None and self.binding.pending
        if self._trailing or pending:
            self._trailing = False
            self.refresh()

    def draw(self, key: str, origin: str | None = None, mode: str | None = None) -> None:
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

    def undo(self) -> None:
        """Undo the last edit (a whole gesture: a drag, a shape, a button)."""
        if self.binding is not None and self.binding.undo():
            self.refresh()

    def redo(self) -> None:
        if self.binding is not None and self.binding.redo():
            self.refresh()

    def set_side(self, side: str) -> None:
        if self.binding is not None and self.binding.set_side(self.binding.selected_ids(), side):  # type: ignore[arg-type]
            self.refresh()

    def set_origin(self, origin: str) -> None:
        if self.binding is not None and self.binding.set_origin(
            self.binding.selected_ids(), origin
        ):
            self.refresh()

    def set_kind(self, kind: str) -> None:
        if self.binding is not None and self.binding.set_kind(self.binding.selected_ids(), kind):  # type: ignore[arg-type]
            self.refresh()

    def _on_kind_combo(self, index: int) -> None:
        if index > 0:
            self.set_kind(self.kind_combo.itemText(index))
        self.kind_combo.setCurrentIndex(0)

    def flip_sides(self) -> None:
        if self.binding is not None:
            self.binding.flip_sides()
            self.refresh()

    def confirm_no_ho(self, side: str, confirmed: bool = True) -> None:
        if self.binding is not None:
            self.binding.confirm_no_ho(side, confirmed)  # type: ignore[arg-type]
            self.refresh()

    def _on_no_ho(self, side: str, confirmed: bool) -> None:
        self.confirm_no_ho(side, confirmed)

    def _on_need(self, code: str, side: str) -> None:
        if code == "calibration":
            self.find_head()
        elif code == "gap":
            self.draw("gap")
        elif code == "reading":
            self.confirm_no_ho(side)
        elif code == "confirm_ankylosis":
            self.draw("bridge")

    def _on_scheme(self, scheme: str) -> None:
        self.settings.scheme = scheme
        self.settings.save()
        self.refresh()

    # -- calibration --------
    def _on_known_mm(self, value: float) -> None:
        """The size applies to new calibrations and to the current one (the user confirms it)."""
        self._show_head_question()
        if self.binding is None:
            return
        self.binding.calibration_mm = value
        cal = self.binding.session.aset.calibration
        if cal is not None and cal.item_id is not None and cal.known_mm != value:
            self.binding.set_known_mm(cal.item_id, value)
            self.refresh()

    def find_head(self) -> None:
        """Find the prosthetic head with the core detector (in a thread: it takes a moment on a
        full-size image) and calibrate on the diameter chosen in *Known size*."""
        from napari.qt.threading import create_worker

        if self.binding is None:
            return
        path = self.binding.session.image_path
        self.find_head_button.setEnabled(False)
        self.spacing_label.setText("Looking for the prosthetic head…")
        worker = create_worker(_find_heads, path)
        worker.returned.connect(lambda heads: self._on_heads(path, heads))
        worker.errored.connect(lambda exc: self._on_heads(path, [], str(exc)))
        self.head_worker = worker
        worker.start()

    def _on_heads(self, path: Path, heads: list[HeadCandidate], error: str = "") -> None:
        self.find_head_button.setEnabled(True)
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
        self.confirm_head_button.setVisible(asking)
        self.reject_head_button.setVisible(asking)
        if not asking or self.found_head is None:
            return
        ys = [p[0] for p in self.found_head]
        px = max(ys) - min(ys)
        self.spacing_label.setText(
            f"Found a circle {px:.0f} px across (yellow). Check it sits on the head's edge and"
            " set its true diameter in Known size, then confirm."
        )
        self.confirm_head_button.setText(f"Calibrate: this head is {self.known_mm.value():.1f} mm")

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
        self.refresh()

    def reject_head(self) -> None:
        self.found_head = None
        self._drop_head_preview()
        self._show_head_question()
        self.spacing_label.setText("Click points on the head's edge instead (Circle button).")

    def remove_calibration(self) -> None:
        if self.binding is None:
            return
        ids = [i.id for i in self.binding.session.aset.items if i.kind.startswith("calibration")]
        layer = self.binding.layers.get("calibration")
        if layer is not None and ids:
            layer.selected_data = set(range(layer.nshapes))
            layer.remove_selected()  # an edit like any other: undoable, regraded
        elif self.binding.session.aset.calibration is not None:
            self.binding.session.aset.calibration = None
            self.binding.apply_spacing()
            self.binding.session.mark_changed()
            self.refresh()

    # -- the live grade --------
    def refresh(self, *, paint_first: bool = False) -> None:
        """Reconcile the layers, regrade, and show the result (``paint_first``: paint the hip
        panels before updating the annotation layers' labels and the overlays)."""
        binding = self.binding
        if binding is None:
            self._edit_started = None
            return
        binding.reconcile(features_later=True)
        session = binding.session
        report = session.grade(self.scheme.currentText() or "brooker")
        self.last_report = report
        spacing = session.spacing
        kind = spacing.kind if spacing is not None else None
        for side in SIDES:
            self.panels[side].show_result(
                report.sides[side], kind, session.aset.hips[side].no_ho_confirmed
            )
        self._order_panels()
        grade_box = self.panels["right"].parentWidget()
        if paint_first and grade_box is not None:
            grade_box.repaint()  # the new grade on screen now, the canvas after
        binding.flush_features()
        binding.show_report(report)
        if binding.tool_message:
            self.tool_status.setText(binding.tool_message)
            binding.tool_message = ""
        self._show_image_info()
        self._show_save_state()
        self._declutter()
        self.refresh_count += 1
        if self._edit_started is not None:
            self.last_refresh_s = time.perf_counter() - self._edit_started
            self._edit_started = None
        if session.dirty and self.autosave_check.isChecked():
            self._save_timer.start()

    def _declutter(self, _event: Any = None) -> None:
        """Hide the spurs' and bridges' names at low zoom (they would cover the mm labels)."""
        if self.binding is None:
            return
        session = self.binding.session
        show = descriptive_labels_fit(
            float(self.viewer.scene.camera.zoom),
            float(self.binding.image.scale[-1]),
            session.spacing is not None,
        )
        for key in DESCRIPTIVE:
            layer = self.binding.layers.get(key)
            if layer is not None and layer.text.visible != show:
                layer.text.visible = show

    def _order_panels(self) -> None:
        """The hip panels in the order the hips are displayed: the one on the image's left
        first (the patient's right, unless the image or its sides are flipped)."""
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

    def _show_image_info(self) -> None:
        assert self.binding is not None
        session = self.binding.session
        spacing = session.spacing
        self.image_label.setText(
            f"<b>{self.shown_name(session.image_path)}</b> · reader <b>{session.reader}</b>"
        )
        if spacing is None:
            text = "No pixel spacing: lengths in pixels; II vs III needs a calibration."
        else:
            unc = f" ±{spacing.uncertainty * 100:.1f} %" if spacing.uncertainty else ""
            text = (
                f"{spacing.row_mm:.4f} × {spacing.col_mm:.4f} mm/px, {spacing.kind}"
                f" ({spacing.source}){unc}"
            )
        if self.binding.calibration_error:
            text = f"Calibration not used: {self.binding.calibration_error}. {text}"
        self.spacing_label.setText(text)
        self.worklist.update_current(session.aset)
        self._show_worklist()

    # -- saving --------
    def autosave(self) -> None:
        if self.binding is not None and self.binding.session.dirty:
            self.save()

    def save(self, *, overwrite: bool = False) -> bool:
        """Save through the core (atomic); a file changed on disk is never overwritten silently."""
        if self.binding is None:
            return False
        try:
            self.binding.session.save(overwrite=overwrite)
        except SidecarError as exc:
            self.binding.session.conflict = str(exc)
            self._show_save_state()
            return False
        self._show_save_state()
        return True

    def reload(self) -> None:
        if self.binding is None:
            return
        self.binding.session.reload()
        self.binding.load_items()
        self.refresh()

    def _show_save_state(self) -> None:
        session = self.binding.session if self.binding is not None else None
        conflict = session.conflict if session is not None else None
        self.reload_button.setVisible(bool(conflict))
        self.keep_button.setVisible(bool(conflict))
        if session is None:
            self.save_state.setText("")
        elif conflict:
            self.save_state.setText(f"⚠ Not saved: {conflict}")
            restyle(self.save_state, "color: #ff6b6b; font-weight: bold;")
        elif session.dirty:
            self.save_state.setText("● Unsaved changes")
            restyle(self.save_state, "color: #ffb74d;")
        elif session.never_saved:
            self.save_state.setText("Nothing saved yet")
            restyle(self.save_state, "color: #bdbdbd;")
        else:
            when = f" ({session.saved_at})" if session.saved_at else ""
            blind = self.shown_name(session.image_path) != session.image_path.name
            self.save_state.setText(
                f"✓ Saved{when}" + ("" if blind else f": {session.sidecar.name}")
            )
            restyle(self.save_state, "color: #81c784;")
            self.save_state.setToolTip("" if blind else str(session.sidecar))

    def _on_reader(self) -> None:
        name = clean_reader(self.reader_edit.text())
        self.reader_edit.setText(name)
        if name == self.settings.reader:
            return
        self.settings.reader = name
        self.settings.save()
        if self.binding is not None:
            if self.binding.session.dirty:
                self.save()
            self.binding.session.switch_reader(name)
            self.binding.load_items()
            self.refresh()

    def _on_autosave(self, on: bool) -> None:
        self.settings.autosave = on
        self.settings.save()

    # -- worklist --------
    def set_worklist(self, paths: list[Path], annotations_dir: Path | None = None) -> None:
        """Work through ``paths`` one image at a time (the first one is opened)."""
        self.worklist.set_files(paths, self.reader, annotations_dir)
        self.worklist_box.setVisible(len(paths) > 1)  # one file: nothing to work through
        self._show_worklist()
        if paths:
            self.open_index(0)

    def open_index(self, index: int) -> None:
        """Open the worklist's image ``index`` in place of the current one."""
        if not 0 <= index < len(self.worklist.entries):
            return
        # the image layer shows the next image too (a new one costs a vispy visual)
        image = self.binding.image if self.binding is not None else None
        with self.pool.reusing():  # layers pass to the next image, not hidden in between
            self._open_entry(index, image)
        self._show_worklist()
        if index + 1 < len(self.worklist.entries):  # read the next one ahead
            self.prefetch.start(self.worklist.entries[index + 1].path)

    def _open_entry(self, index: int, image: Any) -> None:
        from napari.layers import Layer

        entry = self.worklist.entries[index]
        self.unbind(remove_layers=True, keep=image)
        self.worklist.current = index
        rad = self.prefetch.load(entry.path)
        layers = radiograph_layers(rad, annotations_dir=self.worklist.annotations_dir)
        label = self.case_labels.get(entry.path.resolve())
        if label is not None:  # blinded: no reference, the case label for the file name
            layers = layers[:1]
            layers[0][1]["name"] = label
        if image is not None and image in self.viewer.layers:
            reuse_image_layer(image, layers.pop(0))
            self.bind(image)
        for data, kwargs, kind in layers:
            self.viewer.add_layer(Layer.create(data, kwargs, kind))

    def open_next(self) -> None:
        self.open_index(self.worklist.current + 1)

    def open_previous(self) -> None:
        self.open_index(self.worklist.current - 1)

    def open_next_unread(self) -> None:
        """The next image not yet done (every hip read), wrapping round."""
        index = self.worklist.next_unread()
        if index is not None and index != self.worklist.current:
            self.open_index(index)

    def _show_worklist(self) -> None:
        entries = self.worklist.entries
        self.worklist_box.setTitle(
            f"Worklist: {self.worklist.done} of {len(entries)} done" if entries else "Worklist"
        )
        texts = [
            f"{'▶ ' if n == self.worklist.current else '   '}"
            f"{self.shown_name(e.path)} — {e.describe()}"
            for n, e in enumerate(entries)
        ]
        shown = [self.work_list.item(n).text() for n in range(self.work_list.count())]
        if texts != shown:
            self.work_list.clear()
            self.work_list.addItems(texts)
        self.prev_button.setEnabled(self.worklist.current > 0)
        self.next_button.setEnabled(0 <= self.worklist.current < len(entries) - 1)
