"""The HO workbench dock widget: a thin composition of small boxes around one bound image.

Each box shows what it subscribes to: the workbench's ``events`` (``bound``, ``graded``,
``tool_message``), the session's ``state_changed``, the worklist's ``changed``. The workbench
owns the binding's lifecycle (bind, unbind, open from the worklist), regrades after each edit
(throttled, from the layers or from the reading model's signals) and binds the keys.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qtpy.QtCore import QEvent, Qt
from qtpy.QtWidgets import QFrame, QLabel, QScrollArea, QStyle, QVBoxLayout, QWidget

from ho_annotate.errors import HoAnnotateError

from .._binding import ImageBinding
from .._declutter import declutter
from .._pool import ShapesPool
from .._prefetch import Prefetcher
from .._reader import META, radiograph_layers, reuse_image_layer
from .._reference import lock_layer, refill_reference, unlock_layer
from .._session import ImageSession
from .._settings import Settings
from .._status import add_units_to_status
from .._worklist import Worklist
from . import shortcuts as keys
from ._autofit import AutoFit, FirstFrame
from ._events import WorkbenchEvents
from ._regrade import Regrade
from ._window import WindowLevel, _scene_canvas
from .calibration_box import CalibrationBox
from .grade_box import GradeBox
from .saving_box import SavingBox
from .shortcuts import CALIBRATION_KEY, OUTLINE_KEY, REDO_KEY, SNAP_KEY, TOOLS, UNDO_KEY, key_text
from .tools_box import ToolsBox
from .worklist_box import WorklistBox

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ho_annotate.grading import GradeReport

#: The tool table and keys, importable from here as before the split.
__all__ = ["CALIBRATION_KEY", "OUTLINE_KEY", "REDO_KEY", "SNAP_KEY", "TOOLS", "UNDO_KEY"]
__all__ += ["Workbench", "key_text"]
#: The dock's width never drops below this; longer texts wrap instead of widening it.
DOCK_MIN_WIDTH = 460
NOTICE = "For research and education only. Not a medical device."


class Workbench(QWidget):
    """Dock widget; binds to the radiograph layer opened by the ho-annotate reader."""

    def __init__(self, napari_viewer: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.viewer = napari_viewer
        self.settings = Settings.load()
        self.binding: ImageBinding | None = None
        self.events = WorkbenchEvents()
        self.worklist = Worklist()
        #: Annotation layers reused from image to image (removing Shapes layers can crash
        #: napari's drawing on software OpenGL, see ``_pool``).
        self.pool = ShapesPool()
        #: The next worklist image, read in a thread while the reader works on this one.
        self.prefetch = Prefetcher()
        #: Blinded reading (a study): image path (resolved) -> the case label shown in place of
        #: the file name; these images open without the reference layer.
        self.case_labels: dict[Path, str] = {}
        #: Called after an image is bound (a study locks submitted cases here).
        self.on_bound: list[Callable[[], None]] = []
        self.autofit = AutoFit(napari_viewer, lambda: self.binding is not None)
        self._view = self.autofit.view
        self.first_frame = FirstFrame(napari_viewer)
        self.first_frame_first = self.first_frame.hold
        self._build()
        self._timer, self._edit = self.regrade.timer, self.regrade.edit
        self.events.graded.connect(self._on_graded)
        self._bind_keys()
        self._docked = False
        for emitter, callback, position in self._listening():
            emitter.connect(callback, position=position)
        for layer in list(napari_viewer.layers):
            self._adopt(layer)

    @property
    def _auto_view(self) -> tuple[float, ...] | None:
        return self.autofit.auto_view

    @property
    def last_report(self) -> GradeReport | None:
        return self.regrade.last_report

    @property
    def refresh_count(self) -> int:
        return self.regrade.refresh_count

    @property
    def last_refresh_s(self) -> float:
        return self.regrade.last_refresh_s

    def _listening(self) -> list[tuple[Any, Callable[..., None], str]]:
        """The viewer's events the workbench follows (and where among their handlers)."""
        viewer = self.viewer
        return [
            (viewer.canvas.events.size, self.autofit.on_canvas_size, "first"),
            (viewer.scene.camera.events.zoom, self._declutter, "first"),
            (viewer.layers.events.inserted, self._on_inserted, "first"),
            (viewer.layers.events.removed, self._on_removed, "first"),
            # after napari's own handler, which finishes a drawn shape on the release
            (_scene_canvas(viewer).events.mouse_release, self.regrade.on_release, "last"),
        ]

    def event(self, e: QEvent) -> bool:
        """Removed from its dock (napari keeps the widget alive): stop working on the viewer."""
        if e.type() == QEvent.Type.ParentChange:
            if self.parent() is not None:
                self._docked = True
            elif self._docked:
                self.shutdown()
        elif e.type() == QEvent.Type.Show:
            self.autofit.on_canvas_size()  # refit, unless the reader moved the view
        return bool(super().event(e))

    def shutdown(self) -> None:
        """Save, remove this workbench's layers and stop listening to the viewer."""
        self.unbind(remove_layers=False)
        for emitter, callback, _position in self._listening():
            emitter.disconnect(callback)
        self.window_level.shutdown()
        self.prefetch.shutdown()
        self._docked = False

    def _build(self) -> None:
        # The grade stays in view; the boxes under it scroll when the window is short (a
        # worklist on a laptop screen) instead of being squeezed, which cut texts off. (The
        # grade box is outside the scroll area: inside it, Qt defers its paint-first repaint.)
        top = QVBoxLayout(self)
        top.setContentsMargins(4, 4, 4, 4)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        content = QWidget(scroll)
        content.setMinimumWidth(DOCK_MIN_WIDTH)
        scroll.setWidget(content)
        bar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        self.setMinimumWidth(DOCK_MIN_WIDTH + bar + 8)  # + the margins
        root = QVBoxLayout(content)
        root.setContentsMargins(0, 0, 0, 0)
        notice = QLabel(NOTICE)
        notice.setStyleSheet("color: #ffcc80; font-weight: bold;")
        notice.setWordWrap(True)
        self.image_label = QLabel("Open a DICOM radiograph (File > Open or a sample).")
        self.image_label.setWordWrap(True)
        self.window_level = WindowLevel(self.viewer)
        self.grade_box = grade = GradeBox(self.events, self.settings)
        # the grade box painted first: the new grade shows before the canvas redraws
        binding = lambda: self.binding  # noqa: E731
        self.regrade = Regrade(
            self.viewer, self.events, binding, grade.scheme.currentText, grade.paint_now, self
        )
        self.refresh = self.regrade.refresh
        grade.scheme_changed.connect(lambda _scheme: self.refresh())
        grade.need.connect(self._on_need)
        grade.no_ho.connect(self.confirm_no_ho)
        self.tools_box = tools = ToolsBox(self.events)
        self.calibration_box = cal = CalibrationBox(self.viewer, self.events, tools.draw)
        tools.edited.connect(self.refresh)
        cal.edited.connect(self.refresh)
        self.saving_box = saving = SavingBox(self.events, self.settings, self.shown_name)
        saving.reader_changed.connect(lambda _name: self.refresh())
        self.worklist_box = work = WorklistBox(self.worklist, self.open_index, self.shown_name)
        fixed: tuple[QWidget, ...] = (notice, self.image_label, self.window_level, grade)
        for widget in fixed:
            top.addWidget(widget)
        top.addWidget(scroll, 1)
        scrolled: tuple[QWidget, ...] = (tools, cal, saving, work)
        for widget in scrolled:
            root.addWidget(widget)
        root.addStretch(1)
        # the boxes' widgets and actions under the names tests, scripts and studies use
        self.scheme, self.panels, self.hips_layout = grade.scheme, grade.panels, grade.hips_layout
        self.draw, self.undo, self.redo = tools.draw, tools.undo, tools.redo
        self.snap_check, self.outline_check = tools.snap_check, tools.outline_check
        self.tool_status, self.flip_button = tools.tool_status, tools.flip_button
        self.undo_button, self.preset, self.known_mm = tools.undo_button, cal.preset, cal.known_mm
        self.find_head, self.confirm_head = cal.find_head, cal.confirm_head
        self.find_head_button, self.confirm_head_button = cal.find_button, cal.confirm_button
        self.save, self.reload, self._save_timer = saving.save, saving.reload, saving.save_timer
        self.reader_edit, self.save_state = saving.reader_edit, saving.save_state
        self.reload_button, self.keep_button = saving.reload_button, saving.keep_button
        self.work_list, self.prev_button = work.work_list, work.prev_button
        self.next_button, self.open_next = work.next_button, work.open_next
        self.open_previous, self.open_next_unread = work.open_previous, work.open_next_unread

    def _bind_keys(self) -> None:
        actions: list[tuple[str, Callable[[], None]]] = [
            (shortcut, lambda k=key, o=origin: self.draw(k, o))  # type: ignore[misc]
            for _text, key, origin, shortcut in keys.TOOLS
        ]
        actions += [
            (keys.CALIBRATION_KEY, lambda: self.draw("calibration", mode="add_line")),
            (keys.SNAP_KEY, self.tools_box.toggle_snap_next),
            (keys.OUTLINE_KEY, self.tools_box.toggle_outline),
            (keys.NEXT_KEY, self.worklist_box.open_next),
            (keys.PREVIOUS_KEY, self.worklist_box.open_previous),
            (keys.NEXT_UNREAD_KEY, self.worklist_box.open_next_unread),
            (keys.UNDO_KEY, self.tools_box.undo),
            (keys.REDO_KEY, self.tools_box.redo),
        ]
        for shortcut, action in actions:
            self.viewer.bind_key(shortcut, lambda _v, a=action: a(), overwrite=True)

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
        session.model.changed.connect(self.regrade.on_model)
        session.model.restored.connect(self.regrade.on_model)
        self.window_level.bind(image, session.header)
        self.events.bound.emit(self.binding)
        binding = self.binding

        def overlays() -> None:  # not needed to see the image: after its first frame
            if binding is self.binding:
                binding.show_side_markers()
            self.viewer.canvas.overlays["scale_bar"].visible = True

        self.first_frame.after(overlays)
        self.viewer.layers.selection.active = image
        self.worklist.select(path)
        self.refresh()
        self.autofit.new_image()
        for callback in self.on_bound:
            callback()

    def unbind(self, *, remove_layers: bool, keep: Any = None) -> None:
        """Stop working on the current image; unsaved work is saved first (even without
        autosave: leaving an image must never lose what was drawn). ``keep``: a layer not
        removed (the image layer the next image is shown in)."""
        if self.binding is None:
            return
        if self.binding.session.dirty and not self.save():
            self._rescue(self.binding.session)
        binding, self.binding = self.binding, None
        binding.model.changed.disconnect(self.regrade.on_model)
        binding.model.restored.disconnect(self.regrade.on_model)
        self.events.bound.emit(None)
        self.window_level.unbind()
        binding.close()
        if remove_layers:
            doomed = [lay for lay in binding.bound_layers() if lay is not keep]
            for layer in [lay for lay in doomed if _role(lay) == "reference"]:
                if "reference" not in self.pool.free:  # handed on, not removed (see _pool)
                    unlock_layer(layer)
                    self.pool.give("reference", layer)
                    doomed.remove(layer)
            if doomed:  # one batch: napari cleans its scene graph (a gc.collect) once
                with self.viewer.layers.batched_update():
                    for layer in doomed:
                        self.viewer.layers.remove(layer)

    def _rescue(self, session: ImageSession) -> None:
        """The image is left (the window closes) although its save failed: keep a copy."""
        try:
            path = session.rescue()
        except OSError as exc:
            log.error("Unsaved annotations of %s lost: %s", session.image_path.name, exc)
            return
        log.warning("Unsaved annotations of %s kept in %s", session.image_path.name, path)
        self.viewer.status = f"Unsaved annotations kept in {path}"

    def shown_name(self, path: Path) -> str:
        """The name an image is shown under: its case label when blinded, else its file name."""
        return self.case_labels.get(Path(path).resolve(), Path(path).name)

    @property
    def reader(self) -> str:
        return self.saving_box.reader

    # -- the worklist --------
    def set_worklist(self, paths: list[Path], annotations_dir: Path | None = None) -> None:
        """Work through ``paths`` one image at a time (the first one is opened)."""
        self.worklist.set_files(paths, self.reader, annotations_dir)
        if paths:
            self.open_index(0)

    def open_index(self, index: int) -> None:
        """Open the worklist's image ``index`` in place of the current one."""
        if not 0 <= index < len(self.worklist.entries):
            return
        if self.binding is not None and self.binding.session.dirty and not self.save():
            # leaving would drop the drawings: stay, the saving box says why
            self.viewer.status = "Still on this image: its annotations are not saved (see Saving)."
            return
        # the image layer shows the next image too (a new one costs a vispy visual)
        image = self.binding.image if self.binding is not None else None
        with self.pool.reusing():  # layers pass to the next image, not hidden in between
            self._open_entry(index, image)
        if index + 1 < len(self.worklist.entries):  # read the next one ahead
            self.prefetch.start(self.worklist.entries[index + 1].path)

    def _open_entry(self, index: int, image: Any) -> None:
        from napari.layers import Layer

        entry = self.worklist.entries[index]
        self.unbind(remove_layers=True, keep=image)
        self.worklist.select(entry.path)
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
            is_reference = kwargs.get("metadata", {}).get(META, {}).get("role") == "reference"
            pooled = self.pool.take("reference") if is_reference else None
            if pooled is None:
                self.viewer.add_layer(Layer.create(data, kwargs, kind))
                continue
            refill_reference(pooled, data, kwargs)
            self.pool.lift(self.viewer.layers, pooled, image)
            self._adopt(pooled)

    # -- the live grade --------
    def _on_graded(self, _report: GradeReport) -> None:
        """The image's name and reader above the boxes; the worklist's status of the image."""
        if self.binding is not None:
            session = self.binding.session
            name = self.shown_name(session.image_path)
            self.image_label.setText(f"<b>{name}</b> · reader <b>{session.reader}</b>")
            self.worklist.update_current(session.aset)
            self._declutter()

    def _declutter(self, _event: Any = None) -> None:
        """Hide the spurs' and bridges' names at low zoom (they would cover the mm labels)."""
        if self.binding is not None:
            declutter(self.binding, float(self.viewer.scene.camera.zoom))

    def confirm_no_ho(self, side: str, confirmed: bool = True) -> None:
        if self.binding is not None:
            self.binding.confirm_no_ho(side, confirmed)  # type: ignore[arg-type]
            self.refresh()

    def _on_need(self, code: str, side: str) -> None:
        if code == "calibration":
            self.find_head()
        elif code == "gap":
            self.draw("gap")
        elif code == "reading":
            self.confirm_no_ho(side)
        elif code == "confirm_ankylosis":
            self.draw("bridge")


def _role(layer: Any) -> str | None:
    role: str | None = layer.metadata.get(META, {}).get("role")
    return role
