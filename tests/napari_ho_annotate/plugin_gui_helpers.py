"""Driving a real napari window in tests: canvas mouse events and waiting for the panel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from vispy.app.canvas import MouseEvent

#: napari throttles mouse moves (5 ms): give each move time to arrive.
MOVE_WAIT_MS = 12


def canvas_pos(viewer: Any, world_rc: Sequence[float]) -> tuple[float, float]:
    """Canvas pixel (x, y) of a world point (row, col)."""
    view = viewer.window._qt_viewer.canvas.view
    transform = view.transform * view.scene.transform
    x, y = transform.map([world_rc[1], world_rc[0]])[:2]
    return float(x), float(y)


def _scene(viewer: Any) -> Any:
    return viewer.window._qt_viewer.canvas._scene_canvas


def click_polygon(viewer: Any, qtbot: Any, layer: Any, points: Sequence[Sequence[float]]) -> None:
    """Draw a polygon the way a user does: move, click each vertex, double-click to finish.

    ``points`` are in the layer's data coordinates (image pixels).
    """
    scene = _scene(viewer)
    scale = np.asarray(layer.scale)
    for p in points:
        pos = canvas_pos(viewer, np.asarray(p) * scale)
        scene.events.mouse_move(pos=pos, modifiers=(), button=None)
        qtbot.wait(MOVE_WAIT_MS)
        scene.events.mouse_press(pos=pos, modifiers=(), button=1)
        scene.events.mouse_release(pos=pos, modifiers=(), button=1)
    scene.events.mouse_double_click(pos=pos, modifiers=(), button=1)


def drag(viewer: Any, qtbot: Any, layer: Any, start: Sequence[float], end: Sequence[float]) -> None:
    """Press at ``start``, drag in a few steps to ``end``, release (data coordinates)."""
    scene = _scene(viewer)
    scale = np.asarray(layer.scale)
    p0 = canvas_pos(viewer, np.asarray(start) * scale)
    p1 = canvas_pos(viewer, np.asarray(end) * scale)
    scene.events.mouse_move(pos=p0, modifiers=(), button=None)
    qtbot.wait(MOVE_WAIT_MS)
    press = MouseEvent(type="mouse_press", pos=p0, modifiers=(), button=1)
    scene.events.mouse_press(pos=p0, modifiers=(), button=1)
    for t in np.linspace(0.2, 1.0, 5):
        pos = (p0[0] + t * (p1[0] - p0[0]), p0[1] + t * (p1[1] - p0[1]))
        scene.events.mouse_move(pos=pos, modifiers=(), button=1, buttons=[1], press_event=press)
        qtbot.wait(MOVE_WAIT_MS)
    scene.events.mouse_release(pos=p1, modifiers=(), button=1)


def click(viewer: Any, qtbot: Any, layer: Any, point: Sequence[float]) -> None:
    """Move to ``point`` (data coordinates), press and release without moving."""
    scene = _scene(viewer)
    pos = canvas_pos(viewer, np.asarray(point) * np.asarray(layer.scale))
    scene.events.mouse_move(pos=pos, modifiers=(), button=None)
    qtbot.wait(MOVE_WAIT_MS)
    scene.events.mouse_press(pos=pos, modifiers=(), button=1)
    scene.events.mouse_release(pos=pos, modifiers=(), button=1)
    qtbot.wait(MOVE_WAIT_MS)


def press_key(viewer: Any, qtbot: Any, key: str) -> None:
    """Press a napari-style shortcut (``Shift-I``, ``Control-Shift-Z``) on the canvas."""
    from qtpy.QtCore import Qt

    *mods, name = key.split("-")
    modifiers = Qt.KeyboardModifier.NoModifier
    for mod in mods:
        modifiers |= {
            "Shift": Qt.KeyboardModifier.ShiftModifier,
            "Control": Qt.KeyboardModifier.ControlModifier,
        }[mod]
    qtbot.keyClick(
        viewer.window._qt_viewer.canvas.native, getattr(Qt.Key, f"Key_{name}"), modifiers
    )
