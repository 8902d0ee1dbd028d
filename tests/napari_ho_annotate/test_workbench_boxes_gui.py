"""The workbench's boxes in a real napari window (Xvfb): each one follows what it subscribes to
(the reading model, the session, the worklist, the workbench's events), with no call from the
workbench in between."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from napari_ho_annotate._qt.workbench import Workbench
from napari_ho_annotate._settings import user_dir
from plugin_helpers import isolate_user_dir, write_radiograph

from ho_annotate.annotations.model import Item
from ho_annotate.annotations.store import load_annotations, save_annotations
from ho_annotate.errors import SidecarError

pytestmark = pytest.mark.gui


def open_worklist(make_napari_viewer: Any, files: list[Path]) -> Workbench:
    viewer = make_napari_viewer()
    _dock, widget = viewer.window.add_plugin_dock_widget("ho-annotate", "HO workbench")
    assert isinstance(widget, Workbench)
    widget.set_worklist(files)
    assert widget.binding is not None
    return widget


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    isolate_user_dir(tmp_path, monkeypatch)
    folder = tmp_path / "study"
    folder.mkdir()
    return [write_radiograph(folder, f"case{n}.dcm") for n in range(2)]


def test_grade_box_follows_edits_made_on_the_reading_model(
    make_napari_viewer: Any, qtbot: Any, files: list[Path]
) -> None:
    widget = open_worklist(make_napari_viewer, files)
    assert widget.binding is not None
    model, left = widget.binding.model, widget.grade_box.panels["left"]
    count = widget.refresh_count
    assert left.status.text() == "Status: not read" and not left.no_ho.isChecked()

    model.set_no_ho("left")  # the model only: no workbench method, no button
    qtbot.waitUntil(lambda: left.status.text() == "Status: no HO")
    assert left.grade.text() == "0" and left.no_ho.isChecked()
    assert widget.refresh_count == count + 1  # one regrade for one edit
    # the worklist box follows too (through the worklist's own signal)
    assert "not read: right" in widget.worklist_box.work_list.item(0).text()

    model.undo()  # restored and changed: still one regrade
    qtbot.waitUntil(lambda: left.status.text() == "Status: not read")
    assert not left.no_ho.isChecked()
    qtbot.wait(30)
    assert widget.refresh_count == count + 2


def test_calibration_box_shows_what_the_millimetres_rest_on_after_an_undo(
    make_napari_viewer: Any, qtbot: Any, files: list[Path]
) -> None:
    widget = open_worklist(make_napari_viewer, files)
    binding, label = widget.binding, widget.calibration_box.spacing_label
    assert binding is not None
    header = label.text()
    assert header.startswith("0.2000 × 0.2000 mm/px")
    line = Item(
        kind="calibration_line", side="right", points=[(20.0, 20.0), (20.0, 120.0)], known_mm=25.0
    )
    binding.add_items([line])  # the binding and its model only
    qtbot.waitUntil(lambda: label.text().startswith("0.2500 × 0.2500 mm/px"))
    assert widget.grade_box.panels["right"].badge.text().strip() == "manual"
    binding.model.undo()
    qtbot.waitUntil(lambda: label.text() == header)


def test_saving_box_follows_the_session_saves_conflicts_and_reloads(
    make_napari_viewer: Any, qtbot: Any, files: list[Path]
) -> None:
    widget = open_worklist(make_napari_viewer, files)
    box = widget.saving_box
    box.autosave_check.setChecked(False)
    assert widget.binding is not None
    session = widget.binding.session
    assert box.save_state.text() == "Nothing saved yet"

    session.model.set_no_ho("right")
    assert box.save_state.text() == "● Unsaved changes"  # at once, from the session's signal
    session.save()  # the session, not the box
    assert box.save_state.text().startswith("✓ Saved") and box.reload_button.isHidden()

    other = load_annotations(session.sidecar)  # someone else writes this reader's file
    other.hips.left.no_ho_confirmed = True
    save_annotations(other, session.sidecar)
    session.model.set_no_ho("right", False)
    with pytest.raises(SidecarError):
        session.save()
    assert box.save_state.text().startswith("⚠ Not saved")
    assert not box.reload_button.isHidden() and not box.keep_button.isHidden()
    assert not box.save_timer.isActive()  # autosave off: nothing waits to save

    session.reload()
    assert box.save_state.text().startswith("✓ Saved") and box.reload_button.isHidden()
    qtbot.waitUntil(lambda: widget.grade_box.panels["left"].status.text() == "Status: no HO")


def test_autosave_does_not_retry_a_save_refused_for_a_conflict(
    make_napari_viewer: Any, qtbot: Any, files: list[Path]
) -> None:
    widget = open_worklist(make_napari_viewer, files)
    assert widget.binding is not None and widget.saving_box.autosave_check.isChecked()
    session = widget.binding.session
    session.model.set_no_ho("right")
    qtbot.waitUntil(lambda: not session.dirty)  # autosaved
    other = load_annotations(session.sidecar)  # someone else takes back our No HO
    other.hips.right.no_ho_confirmed = False
    save_annotations(other, session.sidecar)
    session.model.set_no_ho("left")
    qtbot.waitUntil(lambda: widget.saving_box.save_state.text().startswith("⚠ Not saved"))
    qtbot.wait(50)
    assert not widget.saving_box.save_timer.isActive() and session.dirty


def test_a_failed_save_keeps_the_drawings_and_tries_again_at_the_next_edit(
    make_napari_viewer: Any, qtbot: Any, files: list[Path]
) -> None:
    widget = open_worklist(make_napari_viewer, files)
    box = widget.saving_box
    assert widget.binding is not None and box.autosave_check.isChecked()
    session = widget.binding.session
    session.sidecar.mkdir()  # something stands where the file must go: every save fails
    session.model.set_no_ho("right")
    qtbot.waitUntil(lambda: box.save_state.text().startswith("⚠ Not saved"))
    qtbot.wait(50)
    assert "the next edit or Save tries again" in box.save_state.text()
    assert box.reload_button.isHidden() and box.keep_button.isHidden()  # no conflict to settle
    assert not box.save_timer.isActive() and session.dirty  # no retry loop

    widget.worklist_box.next_button.click()  # leaving would lose the drawing: Next stays
    assert widget.binding is not None and widget.binding.session is session
    assert session.aset.hips.right.no_ho_confirmed and "not saved" in widget.viewer.status

    session.sidecar.rmdir()  # the reader makes room; the next edit saves both
    session.model.set_no_ho("left")
    qtbot.waitUntil(lambda: not session.dirty)
    saved = load_annotations(session.sidecar)
    assert saved.hips.right.no_ho_confirmed and saved.hips.left.no_ho_confirmed
    assert box.save_state.text().startswith("✓ Saved")
    widget.worklist_box.next_button.click()
    assert widget.binding is not None and widget.binding.session.image_path == files[1]


def test_closing_with_a_failed_save_keeps_a_recovered_copy(
    make_napari_viewer: Any, qtbot: Any, files: list[Path]
) -> None:
    widget = open_worklist(make_napari_viewer, files)
    assert widget.binding is not None
    session = widget.binding.session
    session.sidecar.mkdir()
    session.model.set_no_ho("right")
    qtbot.waitUntil(lambda: widget.saving_box.save_state.text().startswith("⚠ Not saved"))
    widget.shutdown()  # the dock or the window closes
    recovered = list((user_dir() / "recovered").glob(f"*-{session.sidecar.name}"))
    assert len(recovered) == 1 and str(recovered[0]) in widget.viewer.status
    assert load_annotations(recovered[0]).hips.right.no_ho_confirmed


def test_worklist_and_tools_boxes_follow_the_worklist_and_each_new_image(
    make_napari_viewer: Any, qtbot: Any, files: list[Path]
) -> None:
    widget = open_worklist(make_napari_viewer, files)
    box = widget.worklist_box
    assert not box.isHidden() and box.title() == "Worklist: 0 of 2 done"
    assert not box.prev_button.isEnabled() and box.next_button.isEnabled()
    widget.tools_box.snap_check.setChecked(False)

    box.next_button.click()
    assert widget.binding is not None and widget.binding.session.image_path == files[1]
    assert box.work_list.item(1).text().startswith("▶ case1.dcm")
    assert box.prev_button.isEnabled() and not box.next_button.isEnabled()
    # the tools box applies its snapping choice to the new image's binding
    assert widget.binding.snap_default is False and widget.binding.snap_next is False

    widget.worklist.set_files(files[:1], widget.reader, None)  # the worklist alone
    assert box.isHidden() and box.work_list.count() == 1
