"""Layout in a real napari window (Xvfb): labels that do not collide at whole-image zoom, a
dock that keeps its width as the texts grow, and two hip panels of equal width."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from napari_ho_annotate._qt.workbench import Workbench
from plugin_gui_helpers import click_polygon, drag, press_key
from plugin_helpers import isolate_user_dir, pelvis_like, write_radiograph

pytestmark = pytest.mark.gui
DOCK = "HO workbench (ho-annotate)"


@pytest.fixture
def image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """1 mm pixels: the whole image is 500 mm wide, so the fitted view is a low zoom."""
    isolate_user_dir(tmp_path, monkeypatch)
    return write_radiograph(
        tmp_path, pixels=pelvis_like(400, 500, head=(200, 120, 40)), PixelSpacing=[1.0, 1.0]
    )


def widths(widget: Workbench) -> tuple[int, int, int]:
    right, left = widget.panels["right"], widget.panels["left"]
    return widget.width(), right.width(), left.width()


def test_labels_and_dock_width(make_napari_viewer: Any, qtbot: Any, image: Path) -> None:
    viewer = make_napari_viewer()
    viewer.open(str(image), plugin="ho-annotate")
    widget = viewer.window.dock_widgets[DOCK]
    assert isinstance(widget, Workbench) and widget.binding is not None
    qtbot.waitUntil(lambda: widget._auto_view is not None)
    qtbot.wait(200)
    before = widths(widget)
    assert abs(before[1] - before[2]) <= 1, before

    # a femoral spur with a gap line beside it, drawn with the mouse
    press_key(viewer, qtbot, "Shift-F")
    spurs = viewer.layers.selection.active
    click_polygon(viewer, qtbot, spurs, [(150, 300), (150, 330), (185, 330), (185, 300)])
    press_key(viewer, qtbot, "Shift-G")
    gaps = viewer.layers.selection.active
    drag(viewer, qtbot, gaps, (186, 315), (195, 315))
    qtbot.waitUntil(
        lambda: widget.binding is not None and len(widget.binding.session.aset.items) == 2
    )
    qtbot.wait(50)
    # whole-image zoom: the spur's name is hidden, the gap's mm stays
    assert viewer.scene.camera.zoom < 3.0
    assert spurs.text.visible is False
    assert gaps.text.visible is True and "mm" in gaps.features["label"][0]
    # the reasons and warnings grew, the dock did not; the halves stay equal
    after = widths(widget)
    assert after[0] == before[0], (before, after)
    assert abs(after[1] - after[2]) <= 1, after

    # zoomed in: room for every label again
    viewer.scene.camera.zoom = 4.0
    qtbot.waitUntil(lambda: spurs.text.visible is True)
    assert gaps.text.visible is True
