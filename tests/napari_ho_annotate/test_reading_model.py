"""The reading model without a viewer: undo/redo per gesture, lock, active time, extras."""

from __future__ import annotations

import pytest
from napari_ho_annotate._model import ActiveTimer, ItemExtras, ReadingLocked, ReadingModel

from ho_annotate.annotations.model import AnnotationSet, Item, ManualCalibration


def island(col: float = 10.0) -> Item:
    return Item(kind="island", side="right", points=[(10.0, col), (10.0, col + 5), (15.0, col)])


def model() -> tuple[ReadingModel, list[str], list[int]]:
    m = ReadingModel(AnnotationSet(sop_instance_uid="1.2.3", reader="tester"))
    changes: list[str] = []
    restores: list[int] = []
    m.changed.connect(changes.append)
    m.restored.connect(lambda: restores.append(1))
    return m, changes, restores


def test_every_edit_is_one_step_and_undo_redo_walk_them() -> None:
    m, changes, restores = model()
    first, second = island(10), island(100)
    m.add_items([first])
    m.add_items([second])
    m.set_no_ho("left")
    with m.edit("move vertex"):  # a drag: many changes, one step
        for n in range(50):
            m.aset.items[0].points[0] = (10.0 + n, 10.0)
    with m.edit("nothing"):
        pass  # no change: no step
    assert changes == ["add", "add", "no HO", "move vertex"]
    assert [s.what for s in m.undo_stack] == ["add", "add", "no HO", "move vertex"]

    assert m.undo() == "move vertex" and m.aset.items[0].points[0] == (10.0, 10.0)
    assert m.undo() == "no HO" and not m.aset.hips.left.no_ho_confirmed
    assert m.undo() == "add" and [i.id for i in m.aset.items] == [first.id]
    assert m.redo() == "add" and [i.id for i in m.aset.items] == [first.id, second.id]
    assert len(restores) == 4
    # a new edit after undo drops the redo history
    m.remove_items([first.id])
    assert not m.can_redo and m.redo() is None
    assert [i.id for i in m.aset.items] == [second.id]
    assert m.undo() == "delete" and [i.id for i in m.aset.items] == [first.id, second.id]


def test_nested_edits_join_the_outer_step_and_calibration_is_undone_with_it() -> None:
    m, changes, _ = model()
    with m.edit("calibrate"):
        m.add_items([island()])
        m.aset.calibration = ManualCalibration(
            method="line", known_mm=25.0, row_mm=0.25, col_mm=0.25, uncertainty=0.01
        )
    assert changes == ["calibrate"] and len(m.undo_stack) == 1
    m.undo()
    assert m.aset.items == [] and m.aset.calibration is None and not m.can_undo
    m.redo()
    assert m.aset.calibration is not None and m.aset.calibration.col_mm == 0.25


def test_a_locked_reading_refuses_edits_and_undo() -> None:
    m, _, _ = model()
    m.add_items([island()])
    locks: list[bool] = []
    m.locked_changed.connect(locks.append)
    m.lock()
    with pytest.raises(ReadingLocked, match="submitted and locked"):
        m.add_items([island(50)])
    with pytest.raises(ReadingLocked):
        m.undo()
    assert not m.can_undo and len(m.aset.items) == 1
    m.unlock()
    assert locks == [True, False] and m.undo() == "add"


def test_active_time_leaves_out_idle_stretches() -> None:
    now = [0.0]
    timer = ActiveTimer(idle_s=30.0, clock=lambda: now[0])
    m = ReadingModel(AnnotationSet(sop_instance_uid="1", reader="r"), timer)
    for t in (0.0, 10.0, 25.0, 400.0, 410.0):  # 385 s away from the desk in the middle
        now[0] = t
        m.add_items([island(t)])
    assert timer.active_s == pytest.approx(35.0)
    m.lock()
    now[0] = 420.0
    timer.activity()  # nothing counts while locked
    assert timer.active_s == pytest.approx(35.0)


def test_extras_are_undone_with_their_item_and_reach_the_sidecar_when_it_has_fields() -> None:
    m, _, _ = model()
    line = Item(kind="gap", side="right", points=[(0.0, 0.0), (0.0, 50.0)])
    extras = ItemExtras(made="snapped", clicks=[(1.0, 2.0), (3.0, 48.0)], uncertainty_mm=0.3)
    m.add_items([line], extras)
    assert m.extras[line.id].made == "snapped"
    m.undo()
    assert m.extras == {}
    m.redo()
    saved = m.extras_hook(m.aset)
    fields = set(Item.__struct_fields__) & {"made", "clicks", "uncertainty_mm"}
    for name in fields:  # sidecar v2: the values travel; v1: the set is unchanged
        assert getattr(saved.items[0], name) == getattr(extras, name)
    if not fields:
        assert saved is m.aset
