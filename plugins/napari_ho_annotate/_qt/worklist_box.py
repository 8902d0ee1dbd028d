"""The worklist box: the images to read, how many are done, next / previous / next unread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from qtpy.QtWidgets import QGroupBox, QHBoxLayout, QListWidget, QPushButton, QVBoxLayout

from .._worklist import Worklist
from .shortcuts import NEXT_KEY, NEXT_UNREAD_KEY, PREVIOUS_KEY, key_text


class WorklistBox(QGroupBox):
    """Shows ``worklist`` whenever it changes; ``open_index(n)`` opens its image ``n``.

    Hidden until there are at least two images to work through.
    """

    def __init__(
        self,
        worklist: Worklist,
        open_index: Callable[[int], None],
        shown_name: Callable[[Path], str],
        parent: Any = None,
    ) -> None:
        super().__init__("Worklist", parent)
        self.worklist = worklist
        self.open_index = open_index
        self.shown_name = shown_name
        layout = QVBoxLayout(self)
        self.work_list = QListWidget()
        self.work_list.setMinimumHeight(160)
        self.work_list.setMaximumHeight(260)
        self.work_list.itemActivated.connect(lambda item: open_index(self.work_list.row(item)))
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
        self.setVisible(False)
        worklist.changed.connect(self.show_worklist)

    def open_next(self) -> None:
        self.open_index(self.worklist.current + 1)

    def open_previous(self) -> None:
        self.open_index(self.worklist.current - 1)

    def open_next_unread(self) -> None:
        """The next image not yet done (every hip read), wrapping round."""
        index = self.worklist.next_unread()
        if index is not None and index != self.worklist.current:
            self.open_index(index)

    def show_worklist(self) -> None:
        worklist, entries = self.worklist, self.worklist.entries
        self.setVisible(len(entries) > 1)  # one file: nothing to work through
        self.setTitle(
            f"Worklist: {worklist.done} of {len(entries)} done" if entries else "Worklist"
        )
        texts = [
            f"{'▶ ' if n == worklist.current else '   '}{self.shown_name(e.path)} — {e.describe()}"
            for n, e in enumerate(entries)
        ]
        shown = [self.work_list.item(n).text() for n in range(self.work_list.count())]
        if texts != shown:
            self.work_list.clear()
            self.work_list.addItems(texts)
        self.prev_button.setEnabled(worklist.current > 0)
        self.next_button.setEnabled(0 <= worklist.current < len(entries) - 1)
