"""A folder of radiographs worked through one at a time, with each image's reading status."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from psygnal import Signal

from ho_annotate.annotations.model import SIDES, AnnotationSet, Side

NOT_STARTED, IN_PROGRESS, DONE = "not started", "in progress", "done"


@dataclass
class Entry:
    path: Path
    #: The hips this image shows (one for a single-hip view).
    hips: tuple[Side, ...] = SIDES
    status: str = NOT_STARTED
    not_read: tuple[Side, ...] = SIDES

    def update(self, aset: AnnotationSet | None) -> None:
        """Status from the reader's annotations (``None``: no sidecar yet)."""
        if aset is None:
            self.status, self.not_read = NOT_STARTED, self.hips
            return
        self.not_read = tuple(s for s in self.hips if aset.status(s) == "not read")
        if not self.not_read:
            self.status = DONE
        else:
            touched = aset.items or any(aset.status(s) != "not read" for s in SIDES)
            self.status = IN_PROGRESS if touched else NOT_STARTED

    def describe(self) -> str:
        if self.status == DONE or not self.not_read:
            return self.status
        return f"{self.status}; not read: {', '.join(self.not_read)}"


@dataclass
class Worklist:
    #: The files, the current one or a status changed.
    changed = Signal()

    entries: list[Entry] = field(default_factory=list)
    current: int = -1
    annotations_dir: Path | None = None

    def set_files(self, paths: list[Path], reader: str, annotations_dir: Path | None) -> None:
        """Read each file's header and the reader's sidecar (no pixels are decoded)."""
        from ho_annotate import read_header
        from ho_annotate.annotations.naming import sidecar_path
        from ho_annotate.annotations.store import load_annotations
        from ho_annotate.dicom.sides import assign_sides

        self.annotations_dir = annotations_dir
        self.entries = []
        self.current = -1
        for path in paths:
            header = read_header(path)
            single = assign_sides(header).single
            entry = Entry(Path(path), hips=(single,) if single else SIDES)
            sidecar = sidecar_path(Path(path), reader, annotations_dir)
            aset = None
            if sidecar.exists():
                try:
                    aset = load_annotations(sidecar, expected_sop_uid=header.sop_instance_uid)
                except ValueError:
                    aset = None
            entry.update(aset)
            self.entries.append(entry)
        self.changed.emit()

    def select(self, path: Path) -> None:
        for n, entry in enumerate(self.entries):
            if entry.path == Path(path):
                self.current = n
        self.changed.emit()

    def update_current(self, aset: AnnotationSet) -> None:
        if 0 <= self.current < len(self.entries):
            entry = self.entries[self.current]
            before = (entry.status, entry.not_read)
            entry.update(aset)
            if (entry.status, entry.not_read) != before:
                self.changed.emit()

    @property
    def done(self) -> int:
        return sum(e.status == DONE for e in self.entries)

    def next_unread(self) -> int | None:
        """The first image after the current one (wrapping round) that is not done."""
        n = len(self.entries)
        for step in range(1, n + 1):
            index = (self.current + step) % n
            if self.entries[index].status != DONE:
                return index
        return None
