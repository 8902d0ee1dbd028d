"""``study read``: the workbench on one reader's read of a study, blinded, with Submit.

The worklist is the read's cases in the reader's order under their case labels (no file names,
no reference layer); sidecars go to ``STUDY/reads/<reader>/<read>/``. Submit saves, records
the submission and the active reading time in ``study.json`` through the core (under its
lock) and locks the reading; a submitted case opens locked. Amend reopens it with a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from qtpy.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ho_annotate.errors import HoAnnotateError

from ._model import ReadingModel
from ._qt.workbench import Workbench

__all__ = ["StudyPanel", "open_read", "open_study_read"]

DOCK = "HO workbench"


class StudyPanel(QWidget):
    """The study's dock: which case of which read, Submit, and Amend with a reason."""

    def __init__(self, workbench: Workbench, study_dir: Path, reader: str, read: int) -> None:
        super().__init__()
        self.workbench, self.study_dir, self.reader, self.read = workbench, study_dir, reader, read
        #: Active seconds of earlier visits to a case, not yet submitted (by label).
        self.pending: dict[str, float] = {}
        self._model: ReadingModel | None = None
        self._label = ""
        #: Seconds of the current model already submitted (an amended case counts afresh).
        self._counted = 0.0
        layout = QVBoxLayout(self)
        self.case_label = QLabel("")
        self.case_label.setWordWrap(True)
        layout.addWidget(self.case_label)
        self.submit_button = QPushButton("Submit this case (locks it)")
        self.submit_button.clicked.connect(self.submit)
        layout.addWidget(self.submit_button)
        row = QHBoxLayout()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("reason for an amendment")
        self.amend_button = QPushButton("Amend")
        self.amend_button.clicked.connect(lambda: self.amend(self.reason.text()))
        row.addWidget(self.reason, 1)
        row.addWidget(self.amend_button)
        layout.addLayout(row)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)
        workbench.on_bound.append(self._on_bound)

    @property
    def label(self) -> str:
        """The case label of the image in the workbench ('' when none)."""
        binding = self.workbench.binding
        if binding is None:
            return ""
        return self.workbench.case_labels.get(binding.session.image_path.resolve(), "")

    def _on_bound(self) -> None:
        """A case opened: bank the last case's active time; lock it when submitted."""
        from ho_annotate.study import load_study

        if self._model is not None and not self._model.locked:
            seconds = self._model.timer.active_s - self._counted
            self.pending[self._label] = self.pending.get(self._label, 0.0) + seconds
        binding = self.workbench.binding
        if binding is None:
            self._model = None
            return
        self._model, self._label, self._counted = binding.model, self.label, 0.0
        done = load_study(self.study_dir).submitted(self.reader, self.read).get(self._label)
        if done is not None and done.locked:
            binding.model.lock()
            self._counted = binding.model.timer.active_s
        else:
            binding.model.timer.activity()  # opening the case starts its reading
        self._show()

    def _show(self) -> None:
        from ho_annotate.study import load_study

        entries = self.workbench.worklist
        submitted = load_study(self.study_dir).submitted(self.reader, self.read)
        locked = sum(s.locked for s in submitted.values())
        self.case_label.setText(
            f"<b>{self._label}</b> ({entries.current + 1} of {len(entries.entries)}) · "
            f"{self.reader}, read {self.read} · {locked} submitted"
        )
        is_locked = self._model is not None and self._model.locked
        self.submit_button.setEnabled(not is_locked)
        self.amend_button.setEnabled(is_locked)
        sub = submitted.get(self._label)
        if is_locked and sub is not None:
            self.status.setText(f"Submitted {sub.submitted_at}: locked (amend to change it).")
        elif sub is not None:
            self.status.setText("Reopened for an amendment: submit again when done.")
        else:
            self.status.setText("")

    def submit(self) -> bool:
        """Save the case, record the submission and its active reading time, lock it."""
        from ho_annotate.study import submit_case

        binding, label = self.workbench.binding, self.label
        if binding is None or not label or binding.model.locked:
            return False
        session = binding.session
        if (session.dirty or session.never_saved) and not self.workbench.save():
            self.status.setText(f"Not submitted: {session.conflict or session.save_error}")
            return False
        binding.model.timer.activity()  # the reading up to this click counts
        seconds = binding.model.timer.active_s - self._counted + self.pending.pop(label, 0.0)
        try:
            submit_case(self.study_dir, self.reader, self.read, label, reading_seconds=seconds)
        except HoAnnotateError as exc:
            self.status.setText(f"Not submitted: {exc}")
            return False
        binding.model.lock()
        self._counted = binding.model.timer.active_s
        self.workbench.refresh()
        self._show()
        return True

    def amend(self, reason: str) -> bool:
        """Reopen the submitted case for an amendment (recorded with its reason and time)."""
        from ho_annotate.study import amend_case

        binding, label = self.workbench.binding, self.label
        if binding is None or not label or not binding.model.locked:
            return False
        try:
            amend_case(self.study_dir, self.reader, self.read, label, reason=reason)
        except HoAnnotateError as exc:
            self.status.setText(f"Not reopened: {exc}")
            return False
        self.reason.clear()
        binding.model.unlock()
        self._show()
        return True


def open_read(
    viewer: Any,
    study_dir: Path,
    reader: str,
    read: int,
    labels: list[str],
    before_open: Callable[[Workbench], object] | None = None,
) -> StudyPanel:
    """The workbench and the Study dock on cases ``labels`` (in this order) of a read: blinded,
    sidecars in the read's folder; ``before_open`` runs before the first case opens."""
    from ho_annotate.study import case_image, read_folder

    folder = read_folder(study_dir, reader, read)
    paths = [case_image(study_dir, label) for label in labels]
    _dock, workbench = viewer.window.add_plugin_dock_widget("ho-annotate", DOCK)
    assert isinstance(workbench, Workbench)
    workbench.settings.reader = reader  # this session's reader
    workbench.reader_edit.setText(reader)
    workbench.reader_edit.setEnabled(False)
    workbench.case_labels = dict(zip(paths, labels, strict=True))
    if before_open is not None:
        before_open(workbench)
    panel = StudyPanel(workbench, Path(study_dir), reader, read)
    viewer.window.add_dock_widget(panel, name="Study", area="right")
    workbench.set_worklist(paths, folder)
    return panel


def open_study_read(viewer: Any, study_dir: Path, reader: str) -> StudyPanel:
    """Set ``viewer`` up for ``reader``'s current read of the study; raises when none is open."""
    from ho_annotate.study import current_read, load_study, worklist

    study = load_study(study_dir)
    read = current_read(study, reader)
    viewer.title = f"ho-annotate study: {reader}, read {read}"
    return open_read(viewer, study_dir, reader, read, worklist(study, reader, read))
