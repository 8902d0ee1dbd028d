"""Window/level in a real napari window (Xvfb): Ctrl+drag whichever layer is active, presets
from the image and from every header window, mm in the status bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from napari_ho_annotate._qt.workbench import Workbench
from plugin_gui_helpers import canvas_pos
from plugin_helpers import isolate_user_dir, pelvis_like, write_radiograph
from vispy.app.canvas import MouseEvent
from vispy.util import keys

pytestmark = pytest.mark.gui
DOCK = "HO workbench (ho-annotate)"


@pytest.fixture
def image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_user_dir(tmp_path, monkeypatch)
    return write_radiograph(
        tmp_path,
        pixels=pelvis_like(300, 400, head=(150, 100, 70)),
        WindowCenter=[2000, 1200],
        WindowWidth=[3000, 800],
        WindowCenterWidthExplanation=["WHOLE", "SOFT"],
    )


def ctrl_drag(viewer: Any, qtbot: Any, start: tuple[float, float], dx: float, dy: float) -> None:
    """Press the left button with Ctrl held at canvas ``start``, move by ``(dx, dy)``, release."""
    scene = viewer.window._qt_viewer.canvas._scene_canvas
    mods = (keys.CONTROL,)
    scene.events.mouse_move(pos=start, modifiers=mods, button=None)
    qtbot.wait(12)
    press = MouseEvent(type="mouse_press", pos=start, modifiers=mods, button=1)
    scene.events.mouse_press(pos=start, modifiers=mods, button=1)
    end = start
    for t in np.linspace(0.25, 1.0, 4):
        end = (start[0] + t * dx, start[1] + t * dy)
        scene.events.mouse_move(pos=end, modifiers=mods, button=1, buttons=[1], press_event=press)
        qtbot.wait(12)
    scene.events.mouse_release(pos=end, modifiers=mods, button=1)
    qtbot.wait(12)


def test_ctrl_drag_presets_and_status(make_napari_viewer: Any, qtbot: Any, image: Path) -> None:
    viewer = make_napari_viewer()
    viewer.open(str(image), plugin="ho-annotate")
    widget = viewer.window.dock_widgets[DOCK]
    assert isinstance(widget, Workbench) and widget.binding is not None
    img = widget.binding.image
    wl = widget.window_level

    # presets: both header windows, named by their explanation, and percentile windows
    names = [wl.combo.itemText(n) for n in range(wl.combo.count())]
    assert any("WHOLE" in n and "W 3000" in n for n in names), names
    assert any("SOFT" in n and "C 1200" in n for n in names), names
    assert any("1-99 %" in n for n in names) and any("5-95 %" in n for n in names)
    assert not any("bone" in n.lower() for n in names)
    soft = names.index(next(n for n in names if "SOFT" in n))
    wl.combo.setCurrentIndex(soft)
    wl.combo.activated.emit(soft)
    assert tuple(img.contrast_limits) == pytest.approx((800.0, 1600.0))

    centre = canvas_pos(viewer, (150 * 0.2, 200 * 0.2))
    camera = (viewer.scene.camera.zoom, tuple(viewer.scene.camera.center))
    gap = widget.binding.layer("gap")
    for active, mode in (
        (img, None),
        (gap, "add_line"),
        (widget.binding.layer("island"), "add_polygon"),
    ):
        viewer.layers.selection.active = active
        if mode:
            active.mode = mode
        shapes = [layer.nshapes for layer in widget.binding.layers.values()]
        lo, hi = img.contrast_limits
        ctrl_drag(viewer, qtbot, centre, 120, 0)  # right: wider, same level
        lo2, hi2 = img.contrast_limits
        assert hi2 - lo2 > hi - lo + 1
        assert (lo2 + hi2) / 2 == pytest.approx((lo + hi) / 2)
        ctrl_drag(viewer, qtbot, centre, 0, 90)  # down: higher level, same width
        lo3, hi3 = img.contrast_limits
        assert (lo3 + hi3) / 2 > (lo2 + hi2) / 2 + 1
        assert hi3 - lo3 == pytest.approx(hi2 - lo2)
        # napari saw none of it: no vertex, no pan
        assert [layer.nshapes for layer in widget.binding.layers.values()] == shapes
        assert (viewer.scene.camera.zoom, tuple(viewer.scene.camera.center)) == camera
        assert active.mode == (mode or active.mode)

    # the status bar: mm with its unit, and the image pixel
    status = img.get_status((30.0, 40.0), world=True)
    assert status["coords"] == "y 30.0 mm, x 40.0 mm (px 150, 200)"
