"""The workbench in a real napari window (Xvfb): what a reader does, and what the panel says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from napari_ho_annotate._qt.workbench import Workbench
from plugin_gui_helpers import click_polygon, drag
from plugin_helpers import READER, isolate_user_dir, pelvis_like, write_radiograph

from ho_annotate.annotations.model import Item
from ho_annotate.annotations.store import load_annotations, new_annotation_set
from ho_annotate.dicom.radiograph import read_header

pytestmark = pytest.mark.gui
DOCK = "HO workbench (ho-annotate)"


@pytest.fixture
def detector_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Detector-plane spacing only (0.2 mm), a 28 mm metal head of radius 70 px on the right hip."""
    isolate_user_dir(tmp_path, monkeypatch)
    return write_radiograph(
        tmp_path,
        pixels=pelvis_like(300, 400, head=(150, 100, 70)),
        PixelSpacing=None,
        PixelSpacingCalibrationType=None,
        ImagerPixelSpacing=[0.2, 0.2],
    )


def open_image(viewer: Any, path: Path) -> Workbench:
    viewer.open(str(path), plugin="ho-annotate")
    widget = viewer.window.dock_widgets[DOCK]
    assert isinstance(widget, Workbench) and widget.binding is not None
    return widget


def square(r: float, c: float, size: float = 20.0) -> np.ndarray:
    return np.array([[r, c], [r, c + size], [r + size, c + size], [r + size, c]], dtype=float)


def settle(qtbot: Any, widget: Workbench) -> None:
    """Wait for the debounced refresh and the autosave after it."""
    qtbot.waitUntil(lambda: not widget._timer.isActive() and not widget._save_timer.isActive())
    qtbot.wait(5)


def panel(widget: Workbench, side: str) -> dict[str, str]:
    p = widget.panels[side]
    return {
        "status": p.status.text(),
        "grade": p.grade.text(),
        "reason": p.reason.text(),
        "gap": p.gap.text(),
        "badge": p.badge.text().strip(),
        "needs": ",".join(p.need_buttons),
    }


def test_reading_a_hip_step_by_step(make_napari_viewer: Any, qtbot: Any, detector_image: Path):
    viewer = make_napari_viewer()
    widget = open_image(viewer, detector_image)
    assert viewer.canvas.overlays["scale_bar"].visible
    assert next(m for m in viewer.layers if m.name.endswith("side markers")).features[
        "side"
    ].tolist() == ["R", "L"]
    assert panel(widget, "right")["status"] == "Status: not read"
    assert "reading" in panel(widget, "right")["needs"]

    # an island on the right hip: class I
    widget.draw("island")
    viewer.layers.selection.active.add_polygons([square(20, 20)])
    settle(qtbot, widget)
    right = panel(widget, "right")
    assert (right["status"], right["grade"]) == ("Status: annotated", "I")
    assert "island" in right["reason"]

    # pelvic and femoral spurs 55 px = 11.0 mm apart at the detector: could be 8.5-10.5 mm true
    widget.draw("spur", "pelvis")
    spurs = viewer.layers.selection.active
    spurs.add_polygons([square(40, 150, 20)])
    widget.draw("spur", "femur")
    spurs.add_polygons([square(115, 150, 20)])
    settle(qtbot, widget)
    right = panel(widget, "right")
    assert right["grade"] == "no grade" and right["needs"] == "calibration"
    assert right["badge"] == "detector plane"
    assert list(spurs.features["origin"]) == ["pelvis", "femur"]

    # move the femoral spur 20 px up with the mouse: 35 px = 7.0 mm, III on any magnification
    spurs.mode = "select"
    drag(viewer, qtbot, spurs, (125, 160), (105, 160))
    settle(qtbot, widget)
    right = panel(widget, "right")
    assert right["grade"] == "III", right
    assert right["gap"] == "Gap 7.0 mm (automatic)"
    assert "7.0 mm" in right["reason"]

    # delete the femoral spur: no gap left to grade; undo brings it back
    spurs.selected_data = {1}
    spurs.remove_selected()
    settle(qtbot, widget)
    right = panel(widget, "right")
    assert right["grade"] == "no grade" and "gap" in right["needs"]
    widget.undo_button.click()
    settle(qtbot, widget)
    assert panel(widget, "right")["grade"] == "III"

    # the other hip: confirm no HO
    assert panel(widget, "left")["status"] == "Status: not read"
    widget.panels["left"].no_ho.click()
    settle(qtbot, widget)
    left = panel(widget, "left")
    assert (left["status"], left["grade"]) == ("Status: no HO", "0")

    # calibrate on the prosthetic head (28 mm, radius 70 px: 0.2 mm/px at the patient plane)
    widget.preset.setCurrentIndex(1)
    widget.find_head_button.click()  # the search runs in a thread
    qtbot.waitUntil(lambda: not widget.confirm_head_button.isHidden(), timeout=20000)
    widget.confirm_head_button.click()  # the reader confirms the circle and its size
    qtbot.waitUntil(lambda: panel(widget, "right")["badge"] == "manual", timeout=20000)
    settle(qtbot, widget)
    right = panel(widget, "right")
    assert right["badge"] == "manual" and right["grade"] == "III"
    assert right["gap"] == "Gap 7.0 mm (automatic)"
    assert tuple(widget.binding.image.scale) == pytest.approx((0.2, 0.2), rel=0.02)
    # the user confirms another diameter: every mm value follows
    widget.preset.setCurrentIndex(3)  # 36 mm
    settle(qtbot, widget)
    right = panel(widget, "right")
    assert right["gap"] == "Gap 9.0 mm (automatic)" and right["grade"] == "III"
    assert tuple(widget.binding.image.scale) == pytest.approx((36 / 140,) * 2, rel=0.02)

    # everything is autosaved; close and reopen restores it
    assert widget.save_state.text().startswith("✓ Saved")
    saved = load_annotations(widget.binding.session.sidecar)
    assert saved.reader == READER and saved.calibration is not None
    before = sorted((i.id, i.kind, i.side, i.origin) for i in saved.items)
    viewer.layers.clear()
    assert widget.binding is None
    widget = open_image(viewer, detector_image)
    after = sorted((i.id, i.kind, i.side, i.origin) for i in widget.binding.session.aset.items)
    assert after == before
    assert panel(widget, "left")["grade"] == "0" and panel(widget, "right")["grade"] == "III"
    assert widget.panels["left"].no_ho.isChecked()


def test_polygon_drawn_with_the_mouse_and_a_sidecar_changed_elsewhere(
    make_napari_viewer: Any, qtbot: Any, detector_image: Path
) -> None:
    viewer = make_napari_viewer()
    widget = open_image(viewer, detector_image)
    widget.draw("island")
    islands = viewer.layers.selection.active
    assert islands.mode == "add_polygon"
    click_polygon(viewer, qtbot, islands, [(20, 250), (20, 300), (60, 300), (60, 250)])
    settle(qtbot, widget)
    assert islands.nshapes == 1 and islands.shape_type == ["polygon"]
    assert widget.binding is not None
    (item,) = widget.binding.session.aset.items
    assert item.side == "left" and item.kind == "island"
    assert panel(widget, "left")["grade"] == "I"
    assert islands.features["label"][0] == f"L {np.hypot(40, 50) * 0.2:.1f} mm"

    # a click-click-double-click on one spot is degenerate: napari drops it, so do we
    click_polygon(viewer, qtbot, islands, [(100, 300), (100, 300)])
    settle(qtbot, widget)
    assert islands.nshapes == 1 and len(widget.binding.session.aset.items) == 1

    # someone else saves this reader's sidecar: never overwritten silently
    session = widget.binding.session
    other = load_annotations(session.sidecar)
    other.items = []
    other.hips.right.no_ho_confirmed = True
    from ho_annotate.annotations.store import save_annotations

    save_annotations(other, session.sidecar)
    widget.panels["left"].no_ho.click()  # an edit: autosave must refuse
    settle(qtbot, widget)
    assert widget.save_state.text().startswith("⚠ Not saved")
    assert not widget.reload_button.isHidden() and not widget.keep_button.isHidden()
    assert load_annotations(session.sidecar).items == []
    widget.reload_button.click()
    settle(qtbot, widget)
    assert islands.nshapes == 0 and panel(widget, "right")["grade"] == "0"
    assert widget.save_state.text().startswith("✓ Saved")


def test_worklist_reader_name_and_layer_menu_command(
    make_napari_viewer: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_user_dir(tmp_path, monkeypatch)
    folder = tmp_path / "study"
    folder.mkdir()
    files = [write_radiograph(folder, f"case{n}.dcm") for n in range(3)]
    viewer = make_napari_viewer()
    dock, widget = viewer.window.add_plugin_dock_widget("ho-annotate", "HO workbench")
    assert isinstance(widget, Workbench)
    widget.set_worklist(files)
    assert widget.binding is not None and widget.binding.session.image_path == files[0]
    texts = [widget.work_list.item(n).text() for n in range(3)]
    assert texts[0].startswith("▶ case0.dcm — not started; not read: left, right")

    # read case0 completely: an island on the right hip (Shift+I), no HO on the left
    from qtpy.QtCore import Qt

    qtbot.keyClick(
        viewer.window._qt_viewer.canvas.native, Qt.Key.Key_I, Qt.KeyboardModifier.ShiftModifier
    )
    islands = viewer.layers.selection.active
    assert islands.name == "case0 islands" and islands.mode == "add_polygon"
    islands.add_polygons([square(20, 20)])
    widget.confirm_no_ho("left")
    settle(qtbot, widget)
    assert widget.work_list.item(0).text().endswith("done")
    widget.next_button.click()
    assert widget.binding.session.image_path == files[1]
    assert [layer.name for layer in viewer.layers if layer.name.startswith("case0")] == []
    widget.draw("island")
    viewer.layers.selection.active.add_polygons([square(20, 20)])
    settle(qtbot, widget)
    assert widget.work_list.item(1).text() == "▶ case1.dcm — in progress; not read: left"
    widget.prev_button.click()
    assert widget.binding.session.image_path == files[0]
    assert panel(widget, "right")["grade"] == "I" and panel(widget, "left")["grade"] == "0"

    # another reader starts from scratch on the same image; the first reader's file stays
    widget.reader_edit.setText("second reader")
    widget.reader_edit.editingFinished.emit()
    assert widget.binding.session.sidecar.name == "case0.second-reader.ho.json"
    assert widget.binding.session.aset.items == []
    assert panel(widget, "right")["status"] == "Status: not read"
    assert len(load_annotations(folder / f"case0.{READER}.ho.json").items) == 1

    # the layer menu command binds the workbench to the selected radiograph
    from napari_ho_annotate._commands import annotate_image

    viewer.layers.selection.active = viewer.layers["case0"]
    annotate_image(viewer)
    assert widget.binding.image is viewer.layers["case0"]

    # closing the dock stops the workbench; a new one takes over the next image alone
    viewer.window.remove_dock_widget(dock)
    assert widget.binding is None
    viewer.open(str(files[2]), plugin="ho-annotate")
    assert [lay.name for lay in viewer.layers if "case2" in lay.name] == [
        "case2",
        "case2 side markers",
    ]
    from napari_ho_annotate._commands import show_grade

    viewer.layers.selection.active = viewer.layers["case2"]
    show_grade(viewer)  # the measure-menu command: a notification with both hips
    current = viewer.window.dock_widgets["HO workbench (ho-annotate)"]
    assert current.last_report.sides["right"].status == "not read"


def test_worklist_next_reuses_the_image_and_overlay_layers(
    make_napari_viewer: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Next shows the next file in the same layers (no layer removed: napari would run a full
    garbage collection and build new visuals), with that file's pixels, window and scale."""
    from ho_annotate import load_radiograph

    isolate_user_dir(tmp_path, monkeypatch)
    files = [
        write_radiograph(tmp_path, "case0.dcm", pelvis_like(200, 260, (100, 70, 20))),
        write_radiograph(
            tmp_path, "case1.dcm", pelvis_like(240, 300, (120, 200, 30)), PixelSpacing=[0.1, 0.1]
        ),
    ]
    viewer = make_napari_viewer()
    _dock, widget = viewer.window.add_plugin_dock_widget("ho-annotate", "HO workbench")
    widget.set_worklist(files)
    assert widget.binding is not None
    image, markers = widget.binding.image, widget.binding.overlays.markers_layer
    removed: list[Any] = []
    viewer.layers.events.removed.connect(lambda e: removed.append(e.value))
    widget.next_button.click()
    assert widget.binding.session.image_path == files[1]
    assert widget.binding.image is image and widget.binding.overlays.markers_layer is markers
    assert removed == []
    rad = load_radiograph(files[1])
    assert np.array_equal(image.data, rad.pixels) and image.name == "case1"
    assert tuple(image.scale) == pytest.approx((0.1, 0.1))
    centre, width = rad.window
    assert tuple(image.contrast_limits) == pytest.approx((centre - width / 2, centre + width / 2))
    assert image.metadata["ho_annotate"]["path"] == str(files[1])
    assert markers.name == "case1 side markers" and markers.visible
    assert [lay.name for lay in viewer.layers if "case0" in lay.name] == []
    assert viewer.layers.index(image) < viewer.layers.index(markers)  # drawn above it


def test_worklist_next_hands_the_reference_layer_on_locked(
    make_napari_viewer: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Images with reference annotations: Next shows the next reference in the same Shapes
    layer (removing Shapes layers crashes napari on software OpenGL, see _pool), read-only."""
    from ho_annotate.annotations.naming import REFERENCE_READER, sidecar_path
    from ho_annotate.annotations.store import save_annotations

    isolate_user_dir(tmp_path, monkeypatch)
    files = [write_radiograph(tmp_path, f"case{n}.dcm") for n in range(3)]
    for n, path in enumerate(files[:2]):
        reference = new_annotation_set(read_header(path), REFERENCE_READER)
        for k in range(n + 1):  # case0: one island, case1: two
            square = [(40.0 + 30 * k, 40.0), (40.0 + 30 * k, 60.0), (60.0 + 30 * k, 60.0)]
            reference.items.append(Item(id=f"i{k}", kind="island", side="left", points=square))
        save_annotations(reference, sidecar_path(path, REFERENCE_READER))
    viewer = make_napari_viewer()
    _dock, widget = viewer.window.add_plugin_dock_widget("ho-annotate", "HO workbench")
    widget.set_worklist(files)
    first = viewer.layers["case0 reference"]
    assert first.nshapes == 1 and not first.editable
    removed: list[Any] = []
    viewer.layers.events.removed.connect(lambda e: removed.append(e.value))

    widget.next_button.click()
    assert removed == [] and first.name == "case1 reference" and first.nshapes == 2
    assert first.visible and not first.editable
    assert viewer.layers.index(first) > viewer.layers.index(widget.binding.image)
    first.add_polygons([np.array([[5.0, 5.0], [5.0, 15.0], [15.0, 15.0]])])  # slips through
    assert first.nshapes == 2  # undone: the reference stays as loaded

    widget.next_button.click()  # case2 has no reference: the layer waits, hidden and empty
    assert removed == [] and not first.visible and first.nshapes == 0
    assert "case" not in first.name
