"""Workbench v2 in a real napari window (Xvfb), driven by real key presses and mouse events:
shortcuts whichever layer is active, undo/redo, two-click lines, calibration, first view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from napari_ho_annotate._qt.workbench import (
    CALIBRATION_KEY,
    OUTLINE_KEY,
    REDO_KEY,
    SNAP_KEY,
    TOOLS,
    UNDO_KEY,
    Workbench,
)
from plugin_gui_helpers import canvas_pos, click, click_polygon, drag, press_key
from plugin_helpers import isolate_user_dir, pelvis_like, write_radiograph

from ho_annotate.annotations.store import load_annotations

pytestmark = pytest.mark.gui
DOCK = "HO workbench (ho-annotate)"


@pytest.fixture
def image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """0.2 mm fiducial spacing, a 28 mm metal head (radius 70 px) on the right hip."""
    isolate_user_dir(tmp_path, monkeypatch)
    return write_radiograph(tmp_path, pixels=pelvis_like(300, 400, head=(150, 100, 70)))


def open_image(viewer: Any, qtbot: Any, path: Path) -> Workbench:
    viewer.open(str(path), plugin="ho-annotate")
    widget = viewer.window.dock_widgets[DOCK]
    assert isinstance(widget, Workbench) and widget.binding is not None
    qtbot.waitUntil(lambda: widget._auto_view is not None)  # fitted once the dock is in
    # a shown window may resize a few more times (each refits): wait for a still view
    views = [widget._view()]

    def still() -> bool:
        qtbot.wait(60)
        views.append(widget._view())
        return views[-1] == views[-2]

    qtbot.waitUntil(still, timeout=5000)
    return widget


def settle(qtbot: Any, widget: Workbench) -> None:
    qtbot.waitUntil(lambda: not widget._timer.isActive() and not widget._save_timer.isActive())
    qtbot.wait(5)


def test_every_shortcut_works_whichever_layer_is_active(
    make_napari_viewer: Any, qtbot: Any, image: Path
) -> None:
    viewer = make_napari_viewer()
    widget = open_image(viewer, qtbot, image)
    assert widget.binding is not None
    for _text, key, _origin, _shortcut in TOOLS:
        widget.binding.layer(key)
    widget.binding.layer("calibration")
    expected = [(s, k, o) for _t, k, o, s in TOOLS] + [(CALIBRATION_KEY, "calibration", None)]
    actives = [widget.binding.image, *widget.binding.layers.values()]
    assert len(actives) == 7
    for active in actives:
        for shortcut, key, origin in expected:
            viewer.layers.selection.active = active
            press_key(viewer, qtbot, shortcut)
            layer = viewer.layers.selection.active
            want = widget.binding.layers[key]
            assert layer is want, (active.name, shortcut, layer.name)
            mode = "add_line" if key in ("gap", "calibration") else "add_polygon"
            assert layer.mode == mode, (active.name, shortcut, layer.mode)
            if origin is not None:
                assert layer.feature_defaults["origin"][0] == origin
        # the toggles too, and undo / redo (checked in the test below)
        viewer.layers.selection.active = active
        before = widget.binding.snap_next
        press_key(viewer, qtbot, SNAP_KEY)
        assert widget.binding.snap_next is not before
        press_key(viewer, qtbot, SNAP_KEY)
        checked = widget.outline_check.isChecked()
        press_key(viewer, qtbot, OUTLINE_KEY)
        assert widget.outline_check.isChecked() is not checked
        press_key(viewer, qtbot, OUTLINE_KEY)


def test_undo_and_redo_keys_take_back_whole_gestures(
    make_napari_viewer: Any, qtbot: Any, image: Path
) -> None:
    viewer = make_napari_viewer()
    widget = open_image(viewer, qtbot, image)
    assert widget.binding is not None
    session = widget.binding.session
    press_key(viewer, qtbot, "Shift-I")
    islands = viewer.layers.selection.active
    click_polygon(viewer, qtbot, islands, [(20, 250), (20, 300), (60, 300), (60, 250)])
    settle(qtbot, widget)
    assert len(session.aset.items) == 1
    # drag a vertex with the mouse: many move events, one undo step
    islands.mode = "direct"
    islands.selected_data = {0}
    drag(viewer, qtbot, islands, (60, 300), (90, 330))
    settle(qtbot, widget)
    moved = session.aset.items[0].points
    assert (90.0, 330.0) in [tuple(np.round(p)) for p in moved]

    viewer.layers.selection.active = widget.binding.image
    press_key(viewer, qtbot, UNDO_KEY)
    settle(qtbot, widget)
    assert (60.0, 300.0) in [tuple(p) for p in session.aset.items[0].points]
    assert (60.0, 300.0) in [tuple(p) for p in islands.data[0]]
    viewer.layers.selection.active = islands
    press_key(viewer, qtbot, UNDO_KEY)
    settle(qtbot, widget)
    assert session.aset.items == [] and islands.nshapes == 0
    assert widget.panels["left"].grade.text() != "I"
    press_key(viewer, qtbot, REDO_KEY)
    settle(qtbot, widget)
    assert len(session.aset.items) == 1 and islands.nshapes == 1
    assert widget.panels["left"].grade.text() == "I"
    # the hip panels follow the display: flipping the sides swaps them, undo swaps them back
    assert widget.hips_layout.itemAt(0).widget() is widget.panels["right"]
    widget.flip_button.click()
    assert widget.hips_layout.itemAt(0).widget() is widget.panels["left"]
    press_key(viewer, qtbot, UNDO_KEY)
    settle(qtbot, widget)
    assert widget.hips_layout.itemAt(0).widget() is widget.panels["right"]
    # No HO is an edit like any other
    widget.panels["right"].no_ho.click()
    settle(qtbot, widget)
    assert session.aset.hips.right.no_ho_confirmed
    press_key(viewer, qtbot, UNDO_KEY)
    settle(qtbot, widget)
    assert not session.aset.hips.right.no_ho_confirmed
    assert not widget.panels["right"].no_ho.isChecked()


def test_two_clicks_make_a_gap_line_and_a_drag_still_draws_one(
    make_napari_viewer: Any, qtbot: Any, image: Path
) -> None:
    viewer = make_napari_viewer()
    widget = open_image(viewer, qtbot, image)
    assert widget.binding is not None
    session = widget.binding.session
    assert widget.save_state.text() == "Nothing saved yet"
    widget.snap_check.setChecked(False)  # lines as clicked (snapping has its own test)
    press_key(viewer, qtbot, "Shift-G")
    gaps = viewer.layers.selection.active
    click(viewer, qtbot, gaps, (100, 250))
    settle(qtbot, widget)
    assert session.aset.items == [] and gaps.nshapes == 0  # waiting for the second click
    click(viewer, qtbot, gaps, (100, 300))
    settle(qtbot, widget)
    (line,) = session.aset.items
    assert line.kind == "gap" and line.side == "left"
    assert np.allclose(line.points, [(100, 250), (100, 300)], atol=1.0)
    assert gaps.features["label"][0] == "L 10.0 mm"
    assert widget.save_state.text().startswith("✓ Saved")
    # a drag draws a line as before, however short in mm once it is more than a click
    assert viewer.scene.camera.zoom * 2.0 > 8  # 2 mm is more than 8 screen pixels here
    drag(viewer, qtbot, gaps, (200, 250), (200, 260))
    settle(qtbot, widget)
    assert len(session.aset.items) == 2
    assert session.aset.items[1].points[1][1] == pytest.approx(260, abs=1.0)


def test_first_view_shows_the_whole_image_and_head_calibration_asks_first(
    make_napari_viewer: Any, qtbot: Any, image: Path
) -> None:
    viewer = make_napari_viewer(show=True)  # a shown window: the dock takes canvas room
    widget = open_image(viewer, qtbot, image)
    assert widget.binding is not None
    qtbot.wait(100)
    canvas = viewer.window._qt_viewer.canvas.native
    for corner in ((0, 0), (300, 400)):
        x, y = canvas_pos(viewer, np.asarray(corner) * 0.2)
        assert -1 <= x <= canvas.width() + 1 and -1 <= y <= canvas.height() + 1, (x, y)

    camera = viewer.scene.camera
    camera.zoom *= 2.0
    zoom = camera.zoom
    widget.find_head_button.click()
    qtbot.waitUntil(lambda: not widget.confirm_head_button.isHidden(), timeout=20000)
    # shown, not applied: the header's spacing still rules
    assert widget.binding.session.aset.calibration is None
    assert any(lay.name.endswith("found head (confirm)") for lay in viewer.layers)
    widget.known_mm.setValue(32.0)
    assert "32.0 mm" in widget.confirm_head_button.text()
    widget.confirm_head_button.click()
    settle(qtbot, widget)
    cal = widget.binding.session.aset.calibration
    assert cal is not None and cal.known_mm == 32.0
    assert tuple(widget.binding.image.scale) == pytest.approx((32 / 140,) * 2, rel=0.02)
    assert widget.panels["right"].badge.text().strip() == "manual"
    assert not any(lay.name.endswith("found head (confirm)") for lay in viewer.layers)
    # the zoom on the same pixels is kept
    assert camera.zoom * (32 / 140) == pytest.approx(zoom * 0.2, rel=0.02)


def test_gap_lines_snap_and_one_click_outlines(
    make_napari_viewer: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shapely.geometry import Polygon

    from ho_annotate.synth import generate
    from ho_annotate.synth.writer import write_dicom
    from tests.ho_annotate.snap_cases import DESIGN

    isolate_user_dir(tmp_path, monkeypatch)
    case = generate(DESIGN, "snap")
    frame, parts = case.rendering.frame, case.rendering.ho["left"]
    assert parts.gap_line is not None and parts.gap_mm is not None
    p, q = (np.asarray(frame.to_px(*end)) for end in parts.gap_line)
    path = write_dicom(case.dataset, tmp_path / "hip.dcm")
    viewer = make_napari_viewer()
    widget = open_image(viewer, qtbot, path)
    assert widget.binding is not None
    model = widget.binding.model
    spacing = widget.binding.session.spacing
    assert spacing is not None

    # clicks 1.5 mm off each end, into the bone: the line snaps onto the two edges
    u = (q - p) / np.hypot(*(q - p))
    a, b = p - u * 1.5 / spacing.row_mm, q + u * 1.5 / spacing.row_mm
    press_key(viewer, qtbot, "Shift-G")
    gaps = viewer.layers.selection.active
    drag(viewer, qtbot, gaps, a, b)
    settle(qtbot, widget)
    (line,) = widget.binding.session.aset.items
    mm = float(np.hypot(*((np.subtract(*line.points)) * spacing.mm)))
    assert mm == pytest.approx(parts.gap_mm, abs=0.6)
    assert model.extras[line.id].made == "snapped" and line.made == "snapped"
    assert line.clicks is not None and line.uncertainty_mm is not None
    assert np.allclose(model.extras[line.id].clicks, [a, b], atol=1.0)
    raw = widget.binding.overlays.clicks_layer
    assert raw is not None and raw.nshapes == 1
    assert "snapped" in widget.tool_status.text()

    # Shift+N: the next line only is kept as drawn
    press_key(viewer, qtbot, "Shift-N")
    drag(viewer, qtbot, gaps, a, b)
    settle(qtbot, widget)
    second = widget.binding.session.aset.items[1]
    assert np.allclose(second.points, [a, b], atol=1.0)
    assert model.extras[second.id].made == "manual" and widget.binding.snap_next

    # Shift+K then Shift+I: one click inside the island outlines it, an editable polygon
    press_key(viewer, qtbot, "Shift-K")
    assert widget.outline_check.isChecked()
    press_key(viewer, qtbot, "Shift-I")
    islands = viewer.layers.selection.active
    xy = np.asarray(parts.islands[0].exterior.coords)
    truth = Polygon(
        np.column_stack([(xy[:, 0] - frame.x0) / frame.s, (xy[:, 1] - frame.y0) / frame.s])
    )
    inside = truth.representative_point()
    click(viewer, qtbot, islands, (inside.y, inside.x))
    settle(qtbot, widget)
    (island,) = widget.binding.session.aset.items_on("left", "island")
    got = Polygon([(c, r) for r, c in island.points]).buffer(0)
    assert truth.intersection(got).area / truth.union(got).area >= 0.7
    assert islands.nshapes == 1 and model.extras[island.id].made == "outlined"
    saved = load_annotations(widget.binding.session.sidecar)  # sidecar format version 2
    assert {i.made for i in saved.items} == {"snapped", "manual", "outlined"}
    press_key(viewer, qtbot, UNDO_KEY)
    settle(qtbot, widget)
    assert islands.nshapes == 0 and len(widget.binding.session.aset.items) == 2


def test_worklist_keys_count_and_next_unread(
    make_napari_viewer: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate_user_dir(tmp_path, monkeypatch)
    folder = tmp_path / "study"
    folder.mkdir()
    files = [write_radiograph(folder, f"case{n}.dcm") for n in range(3)]
    viewer = make_napari_viewer()
    _dock, widget = viewer.window.add_plugin_dock_widget("ho-annotate", "HO workbench")
    assert isinstance(widget, Workbench)
    widget.set_worklist(files[:1])
    assert widget.worklist_box.isHidden()  # one file: no empty worklist box
    widget.set_worklist(files)
    assert not widget.worklist_box.isHidden()
    assert widget.worklist_box.title() == "Worklist: 0 of 3 done"
    assert widget.work_list.minimumHeight() >= 160

    # read case0 completely, then Next with the island layer active
    assert widget.binding is not None
    widget.panels["left"].no_ho.click()
    widget.panels["right"].no_ho.click()
    press_key(viewer, qtbot, "Shift-I")
    press_key(viewer, qtbot, "Shift-Right")
    assert widget.binding.session.image_path == files[1]
    assert widget.worklist_box.title() == "Worklist: 1 of 3 done"
    press_key(viewer, qtbot, "Shift-Left")
    assert widget.binding.session.image_path == files[0]
    # Shift+Down: the next image not done, from the image layer
    viewer.layers.selection.active = widget.binding.image
    press_key(viewer, qtbot, "Shift-Down")
    assert widget.binding.session.image_path == files[1]


def test_a_drawn_gap_line_is_graded_and_painted_on_its_release(
    make_napari_viewer: Any, qtbot: Any, image: Path
) -> None:
    """The panel shows the new gap as the mouse is released (not at a later timer), and is
    painted before the canvas (slow on software OpenGL) draws the line."""
    from qtpy.QtCore import QEvent, QObject

    viewer = make_napari_viewer(show=True)
    widget = open_image(viewer, qtbot, image)
    assert widget.binding is not None
    widget.snap_check.setChecked(False)
    press_key(viewer, qtbot, "Shift-G")
    gaps = viewer.layers.selection.active
    qtbot.wait(200)  # the first frames are drawn
    order: list[str] = []

    class Paints(QObject):  # type: ignore[misc]
        def eventFilter(self, obj: Any, event: Any) -> bool:
            if event.type() == QEvent.Type.Paint and "10.0 mm" in widget.panels["left"].gap.text():
                order.append("panel")
            return False

    paints = Paints()
    widget.panels["left"].installEventFilter(paints)
    session = widget.binding.session
    scene = viewer.window._qt_viewer.canvas._scene_canvas
    scene.events.draw.connect(
        lambda _e: order.append(f"canvas {len(session.aset.items)}"), position="last"
    )
    drag(viewer, qtbot, gaps, (100, 250), (100, 300))  # returns right after the release
    assert len(session.aset.items) == 1
    assert widget.panels["left"].gap.text().startswith("Gap 10.0 mm")
    qtbot.waitUntil(lambda: "canvas 1" in order)
    assert "panel" in order and order.index("panel") < order.index("canvas 1")
    assert gaps.features["label"][0] == "L 10.0 mm"


def test_a_new_window_shows_the_image_before_the_side_letters(
    make_napari_viewer: Any, qtbot: Any, image: Path
) -> None:
    """``ho-annotate view``: the letters and the scale bar (a Points layer, text visuals, their
    shaders, pandas) wait for the first frame; they come right after it."""
    viewer = make_napari_viewer(show=True)
    _dock, widget = viewer.window.add_plugin_dock_widget("ho-annotate", "HO workbench")
    widget.first_frame_first()
    widget.set_worklist([image])
    assert widget.binding is not None and widget.binding.overlays.markers_layer is None
    assert not viewer.canvas.overlays["scale_bar"].visible
    qtbot.waitUntil(lambda: widget.binding.overlays.markers_layer is not None)
    assert viewer.canvas.overlays["scale_bar"].visible
    assert list(widget.binding.overlays.markers_layer.features["side"]) == ["R", "L"]
    # later images in the same window get theirs at once
    widget.open_index(0)
    assert widget.binding.overlays.markers_layer is not None


def test_the_workbench_modules_do_not_import_pandas() -> None:
    """pandas takes a good part of a second to import: the first image is shown without it."""
    import subprocess
    import sys

    code = (
        "import sys, napari_ho_annotate._qt.workbench, napari_ho_annotate._binding, "
        "napari_ho_annotate._overlays; print('pandas' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "False"
