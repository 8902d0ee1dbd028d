"""The saving box: the reader's name, autosave, and whether the reading is saved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from psygnal import Signal
from qtpy.QtCore import QTimer
from qtpy.QtWidgets import QCheckBox, QGridLayout, QGroupBox, QLabel, QLineEdit, QPushButton

from ho_annotate.annotations.naming import REFERENCE_READER
from ho_annotate.errors import SidecarError

from .._settings import Settings, clean_reader
from ._events import WorkbenchEvents
from ._panel import restyle

if TYPE_CHECKING:
    from .._binding import ImageBinding
    from .._session import ImageSession


class SavingBox(QGroupBox):
    """Saves the bound image's reading and shows its save state from the session's signal.

    ``shown_name(path)`` is the name an image is shown under (a case label when blinded).
    """

    #: The reader's name changed (the new name); the bound image now shows their reading.
    reader_changed = Signal(str)

    def __init__(
        self,
        events: WorkbenchEvents,
        settings: Settings,
        shown_name: Callable[[Path], str],
        parent: Any = None,
    ) -> None:
        super().__init__("Saving", parent)
        self.settings = settings
        self.shown_name = shown_name
        self.session: ImageSession | None = None
        #: Autosave runs once the event loop is back (after the edit's refresh).
        self.save_timer = QTimer(self)
        self.save_timer.setSingleShot(True)
        self.save_timer.setInterval(0)
        self.save_timer.timeout.connect(self.autosave)
        layout = QGridLayout(self)
        layout.addWidget(QLabel("Reader"), 0, 0)
        self.reader_edit = QLineEdit(settings.reader)
        self.reader_edit.editingFinished.connect(self._on_reader)
        layout.addWidget(self.reader_edit, 0, 1)
        self.autosave_check = QCheckBox("Autosave")
        self.autosave_check.setChecked(settings.autosave)
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
        events.bound.connect(self._on_bound)

    def _on_bound(self, binding: ImageBinding | None) -> None:
        if self.session is not None:
            self.session.state_changed.disconnect(self._on_state)
        self.session = binding.session if binding is not None else None
        if self.session is not None:
            self.session.state_changed.connect(self._on_state)
        self.show_state()

    def _on_state(self) -> None:
        """Shown at once; autosaved once the event loop is back, unless the file on disk
        changed (the reader chooses: reload or keep theirs) or a save just failed (tried again
        at the next edit)."""
        self.show_state()
        session = self.session
        if session is not None and session.wants_autosave and self.autosave_check.isChecked():
            self.save_timer.start()

    # -- saving --------
    def autosave(self) -> None:
        if self.session is not None and self.session.dirty:
            self.save()

    def save(self, *, overwrite: bool = False) -> bool:
        """Save through the core (atomic); a file changed on disk is never overwritten silently."""
        if self.session is None:
            return False
        try:
            self.session.save(overwrite=overwrite)
        except SidecarError:  # the session keeps the message and the box shows it
            return False
        return True

    def reload(self) -> None:
        """Drop unsaved changes: the sidecar as it is on disk (the layers follow the model)."""
        if self.session is not None:
            self.session.reload()

    def show_state(self) -> None:
        session = self.session
        conflict = session.conflict if session is not None else None
        self.reload_button.setVisible(bool(conflict))
        self.keep_button.setVisible(bool(conflict))
        if session is None:
            self.save_state.setText("")
        elif conflict:
            self.save_state.setText(f"⚠ Not saved: {conflict}")
            restyle(self.save_state, "color: #ff6b6b; font-weight: bold;")
        elif session.save_error:
            self.save_state.setText(
                f"⚠ Not saved: {session.save_error}. Your drawings stay in this window; "
                "the next edit or Save tries again."
            )
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

    # -- the reader --------
    @property
    def reader(self) -> str:
        return clean_reader(self.settings.reader)

    def _on_reader(self) -> None:
        name = clean_reader(self.reader_edit.text())
        self.reader_edit.setText(name)
        if name == self.settings.reader:
            return
        self.settings.reader = name
        self.settings.save()
        if self.session is not None:
            keeps_work = self.session.reader != REFERENCE_READER  # reference edits never save
            if self.session.dirty and not self.save() and keeps_work:
                # switching would drop the unsaved drawings: stay this reader
                self.reader_edit.setText(self.session.reader)
                self.settings.reader = self.session.reader
                self.settings.save()
                return
            self.session.switch_reader(name)
        self.reader_changed.emit(name)

    def _on_autosave(self, on: bool) -> None:
        self.settings.autosave = on
        self.settings.save()
        self._on_state()
