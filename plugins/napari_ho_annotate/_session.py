"""One radiograph being read: its header, the reader's annotation set, saving and grading.

No napari here: the Shapes layers are kept in step by ``_binding``; this holds the truth.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from psygnal import Signal

from ho_annotate.annotations.model import AnnotationSet, Spacing, utc_now
from ho_annotate.annotations.naming import REFERENCE_READER
from ho_annotate.errors import SidecarConflictError, SidecarError

from ._model import ReadingModel

if TYPE_CHECKING:
    from ho_annotate.dicom.radiograph import RadiographHeader
    from ho_annotate.grading import Grader, GradeReport


class ImageSession:
    """The annotation set of one image for one reader, with its saved / unsaved state."""

    #: The save state may have changed: an edit, a save, a refused save, another sidecar.
    state_changed = Signal()

    def __init__(
        self,
        image_path: Path,
        header: RadiographHeader,
        reader: str,
        annotations_dir: Path | None = None,
    ) -> None:
        self.image_path = Path(image_path)
        self.header = header
        self.annotations_dir = annotations_dir
        self.reader = reader
        self.dirty = False
        #: The file on disk is not the one the edits started from: the reader must choose.
        self.conflict: str | None = None
        #: The last save failed for another reason (a full disk, a folder not writable).
        self.save_error: str | None = None
        self._edits = 0
        self._edits_at_failure: int | None = None
        self.saved_at: str | None = None
        self._grader: Grader | None = None
        #: No sidecar existed when the image was opened and nothing was saved since.
        self.never_saved = False
        #: The reading (annotation set, undo, lock, timer); every edit goes through it.
        self.model = ReadingModel(self._read())
        self.model.changed.connect(self._on_model_changed)

    @property
    def aset(self) -> AnnotationSet:
        """The annotation set, owned by the reading model."""
        return self.model.aset

    def _on_model_changed(self, _what: str) -> None:
        self.dirty = True
        self._edits += 1
        self.state_changed.emit()

    @property
    def wants_autosave(self) -> bool:
        """Unsaved edits that an automatic save may write: not while the reader has a conflict
        to settle, nor again after a failed save until there is a new edit (no retry loop)."""
        failed_now = self.save_error is not None and self._edits_at_failure == self._edits
        return self.dirty and not self.conflict and not failed_now

    # -- loading --------
    @property
    def sidecar(self) -> Path:
        from ho_annotate.annotations.naming import sidecar_path

        return sidecar_path(self.image_path, self.reader, self.annotations_dir)

    def _read(self) -> AnnotationSet:
        from ho_annotate.annotations.store import SidecarState, load_sidecar, new_annotation_set

        path = self.sidecar
        if path.exists():
            shape = (self.header.rows, self.header.columns)
            loaded = load_sidecar(path, self.header.sop_instance_uid, image_shape=shape)
            aset, self.state = loaded.annotations, loaded.state
            self.saved_at = aset.modified
            self.never_saved = False
        else:
            self.state = SidecarState(False)
            aset = new_annotation_set(self.header, self.reader)
            if aset.image_file is None:
                aset.image_file = self.image_path.name
            self.saved_at = None
            self.never_saved = True
        self.dirty = False
        self.conflict = None
        self.save_error = None
        return aset

    def _load(self) -> None:
        self.model.reset(self._read())
        self.state_changed.emit()

    def switch_reader(self, reader: str) -> None:
        """Work as another reader: their sidecar is loaded (unsaved work must be saved first)."""
        self.reader = reader
        self._load()

    def reload(self) -> None:
        """Drop unsaved changes and read the sidecar again from disk."""
        self._load()

    # -- state --------
    @property
    def header_spacing(self) -> Spacing | None:
        spacing: Spacing | None = self.header.spacing
        return spacing

    @property
    def spacing(self) -> Spacing | None:
        """The spacing the grade rests on: a manual calibration overrides the header."""
        return self.aset.effective_spacing(self.header_spacing)

    def rescue(self) -> Path:
        """Write the unsaved annotations to the user folder's ``recovered/`` (when the image is
        left although its save failed); the path written. Copy it beside the image to use it."""
        from ho_annotate.annotations.store import encode_annotations
        from ho_annotate.files.atomic import atomic_write

        from ._settings import user_dir

        stamp = utc_now().replace(":", "").replace("-", "")
        folder = user_dir() / "recovered"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{stamp}-{self.sidecar.name}"
        atomic_write(path, encode_annotations(self.model.extras_hook(self.aset)))
        return path

    def changed_on_disk(self) -> bool:
        """True when someone else wrote the sidecar since we loaded or saved it."""
        from ho_annotate.annotations.store import sidecar_state

        return not sidecar_state(self.sidecar).same_content(self.state)

    def mark_changed(self) -> None:
        self.dirty = True
        self._edits += 1
        self.aset.modified = utc_now()
        self.state_changed.emit()

    def grade(self, scheme: str = "brooker") -> GradeReport:
        """Grade both hips; geometry of unchanged shapes is reused between calls."""
        from ho_annotate.grading import Grader

        if self._grader is None:
            self._grader = Grader()
        return self._grader.grade(self.aset, self.header_spacing, scheme)

    # -- saving --------
    def save(self, *, overwrite: bool = False) -> Path:
        """Save atomically through the core; refuse (``conflict``) if the file changed on disk.

        ``overwrite`` is the user's explicit "keep mine" after being told about a conflict.
        """
        from ho_annotate.annotations.store import save_annotations

        path = self.sidecar
        try:
            if self.reader == REFERENCE_READER:
                raise SidecarError("the reference annotations are read-only: set your reader name")
            self.aset.spacing = self.spacing
            self.aset.reader = self.reader
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise SidecarError(f"{path}: not saved: {exc.strerror or exc}") from exc
            self.state = save_annotations(
                self.model.extras_hook(self.aset),
                path,
                expected=None if overwrite else self.state,
            )
        except SidecarConflictError as exc:
            self.conflict = str(exc)
            self.state_changed.emit()
            raise
        except SidecarError as exc:
            self.save_error = str(exc)
            self._edits_at_failure = self._edits
            self.state_changed.emit()
            raise
        self.dirty = False
        self.conflict = None
        self.save_error = None
        self.saved_at = utc_now()
        self.never_saved = False
        self.state_changed.emit()
        return path
