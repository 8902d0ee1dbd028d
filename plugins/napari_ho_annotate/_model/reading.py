"""The reading of one image: the annotation set with an undo/redo stack, a lock and a timer.

No Qt and no napari (the napari-animation pattern): views call ``edit`` / ``undo`` / ``redo``
and subscribe to the signals; the Shapes layers are refilled on ``restored``.

Every change goes through ``edit``, one context per user gesture (a whole vertex drag, a set
of shapes removed together), so one undo step undoes one gesture. A step stores the state
before it as encoded bytes: cheap for hundreds of shapes and immune to later mutation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import msgspec
from psygnal import Signal

from ho_annotate.annotations.model import AnnotationSet, Item, Point, Side, utc_now
from ho_annotate.errors import HoAnnotateError

from .timer import ActiveTimer

#: How many steps undo keeps.
UNDO_DEPTH = 200


class ReadingLocked(HoAnnotateError):
    """An edit was attempted on a submitted (locked) reading."""


class ItemExtras(msgspec.Struct, kw_only=True):
    """What the plugin knows about how an item was made (not yet in every sidecar version).

    ``made``: "manual", "snapped" or "outlined" (the sidecar's ``Made``); ``clicks``: the
    reader's raw clicks (pixels) before snapping; ``uncertainty_mm``: the snapping's estimate
    of the line's uncertainty. The items carry the same fields (sidecar format version 2).
    """

    made: str = "manual"
    clicks: list[Point] = msgspec.field(default_factory=list)
    uncertainty_mm: float | None = None


@dataclass(frozen=True)
class Step:
    """One undoable change: what it was and the state before (or after, on the redo stack)."""

    what: str
    state: bytes


class _State(msgspec.Struct):
    aset: AnnotationSet
    extras: dict[str, ItemExtras]


class ReadingModel:
    """The annotation set of one image being read, with undo/redo, lock and active time."""

    #: An edit finished (its description); also after undo and redo.
    changed = Signal(str)
    #: The annotation set was replaced (undo, redo, reset): views show it afresh.
    restored = Signal()
    #: The reading was locked (True) or unlocked (False).
    locked_changed = Signal(bool)

    def __init__(self, aset: AnnotationSet, timer: ActiveTimer | None = None) -> None:
        self.aset = aset
        #: Plugin-side facts per item id (see ``ItemExtras``); saved through ``extras_hook``.
        self.extras: dict[str, ItemExtras] = {}
        self.timer = timer or ActiveTimer()
        self.undo_stack: list[Step] = []
        self.redo_stack: list[Step] = []
        self._locked = False
        self._depth = 0

    # -- state --------
    def _snapshot(self) -> bytes:
        aset = msgspec.structs.replace(self.aset, modified="")
        return msgspec.json.encode(_State(aset, self.extras))

    def _restore(self, state: bytes) -> None:
        decoded = msgspec.json.decode(state, type=_State)
        decoded.aset.modified = utc_now()
        self.aset, self.extras = decoded.aset, decoded.extras

    def reset(self, aset: AnnotationSet) -> None:
        """A freshly loaded annotation set: no history."""
        self.aset = aset
        self.extras = {}
        self.undo_stack.clear()
        self.redo_stack.clear()
        self.restored.emit()

    # -- lock --------
    @property
    def locked(self) -> bool:
        return self._locked

    def lock(self) -> None:
        """No more edits (a submitted case); the timer stops."""
        if not self._locked:
            self._locked = True
            self.timer.stop()
            self.locked_changed.emit(True)

    def unlock(self) -> None:
        if self._locked:
            self._locked = False
            self.timer.start()
            self.locked_changed.emit(False)

    def _check(self, what: str) -> None:
        if self._locked:
            raise ReadingLocked(f"cannot {what}: this reading is submitted and locked")

    # -- edits --------
    @contextmanager
    def edit(self, what: str) -> Iterator[AnnotationSet]:
        """Change the annotation set inside this block: one undo step (none if nothing changed).

        Nested blocks join the outermost one. Raises ``ReadingLocked`` when locked.
        """
        self._check(what)
        if self._depth:
            self._depth += 1
            try:
                yield self.aset
            finally:
                self._depth -= 1
            return
        before = self._snapshot()
        self._depth = 1
        try:
            yield self.aset
        finally:
            self._depth = 0
        if self._snapshot() != before:
            self.undo_stack.append(Step(what, before))
            del self.undo_stack[:-UNDO_DEPTH]
            self.redo_stack.clear()
            self.aset.modified = utc_now()
            self.timer.activity()
            self.changed.emit(what)

    def add_items(self, items: list[Item], extras: ItemExtras | None = None) -> None:
        with self.edit("add"):
            self.aset.items.extend(items)
            if extras is not None:
                for item in items:
                    self.extras[item.id] = extras

    def remove_items(self, ids: list[str]) -> None:
        wanted = set(ids)
        with self.edit("delete"):
            self.aset.items = [i for i in self.aset.items if i.id not in wanted]
            for item_id in wanted:
                self.extras.pop(item_id, None)

    def set_no_ho(self, side: Side, confirmed: bool = True) -> None:
        with self.edit("no HO" if confirmed else "undo no HO"):
            self.aset.hips[side].no_ho_confirmed = confirmed

    # -- undo / redo --------
    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack) and not self._locked

    @property
    def can_redo(self) -> bool:
        return bool(self.redo_stack) and not self._locked

    def undo(self) -> str | None:
        """Undo the last step; returns what it was (None: nothing to undo)."""
        return self._move(self.undo_stack, self.redo_stack, "undo")

    def redo(self) -> str | None:
        """Redo the last undone step; returns what it was (None: nothing to redo)."""
        return self._move(self.redo_stack, self.undo_stack, "redo")

    def _move(self, source: list[Step], target: list[Step], verb: str) -> str | None:
        self._check(verb)
        if not source:
            return None
        step = source.pop()
        target.append(Step(step.what, self._snapshot()))
        self._restore(step.state)
        self.timer.activity()
        self.restored.emit()
        self.changed.emit(f"{verb} {step.what}")
        return step.what

    # -- saving --------
    def extras_hook(self, aset: AnnotationSet) -> AnnotationSet:
        """``aset`` with the extras copied into the items, as far as the sidecar model has the
        fields (``made``, ``clicks``, ``uncertainty_mm``: sidecar v2); unchanged otherwise."""
        fields = set(Item.__struct_fields__) & set(ItemExtras.__struct_fields__)
        if not fields or not self.extras:
            return aset
        items = []
        for item in aset.items:
            extra = self.extras.get(item.id)
            if extra is not None:
                item = msgspec.structs.replace(item, **{f: getattr(extra, f) for f in fields})
            items.append(item)
        return msgspec.structs.replace(aset, items=items)
