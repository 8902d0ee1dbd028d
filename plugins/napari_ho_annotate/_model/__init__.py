"""Qt-free models of the plugin: the reading of one image (annotations, undo, lock, timer)."""

from __future__ import annotations

from .reading import ItemExtras, ReadingLocked, ReadingModel
from .timer import ActiveTimer

__all__ = ["ActiveTimer", "ItemExtras", "ReadingLocked", "ReadingModel"]
