"""The drawing-tool table and the keyboard shortcuts, shared by the workbench and practice."""

from __future__ import annotations

#: (button text, layer key, origin, shortcut). Keys napari's layers do not use (Shift+P is
#: napari's polygon lasso, Shift+L its polyline, Shift+A and Shift+V select and hide shapes).
TOOLS = (
    ("Island", "island", None, "Shift-I"),
    ("Pelvic spur", "spur", "pelvis", "Shift-S"),
    ("Femoral spur", "spur", "femur", "Shift-F"),
    ("Bridge", "bridge", None, "Shift-B"),
    ("Gap line", "gap", None, "Shift-G"),
    ("Pelvis outline", "bone", "pelvis", "Shift-O"),
    ("Femur outline", "bone", "femur", "Shift-E"),
)
CALIBRATION_KEY = "Shift-C"
#: Snapping on / off for the next gap line only.
SNAP_KEY = "Shift-N"
#: Island, spur and outline tools: one click inside the structure instead of clicking its edge.
OUTLINE_KEY = "Shift-K"
#: Worklist: next / previous image, next image not yet done.
NEXT_KEY, PREVIOUS_KEY, NEXT_UNREAD_KEY = "Shift-Right", "Shift-Left", "Shift-Down"
#: Layers the one-click outline works on.
OUTLINE_KEYS = ("island", "spur", "bone")
#: CtrlCmd: Control, or Command on macOS (napari swaps them). Ctrl+Y stays napari's 2D/3D.
UNDO_KEY = "Control-Z"
REDO_KEY = "Control-Shift-Z"


def key_text(shortcut: str) -> str:
    """How a shortcut is written on a button (``Control-Shift-Z`` -> ``Ctrl+Shift+Z``)."""
    return shortcut.replace("Control", "Ctrl").replace("-", "+")
