"""What the render scripts share: letting the window settle and saving it as a PNG."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


def settle(rounds: int = 30) -> None:
    """Let Qt and the canvas catch up (layouts, the first frames, timers)."""
    from qtpy.QtWidgets import QApplication

    app = QApplication.instance()
    assert app is not None
    for _ in range(rounds):
        app.processEvents()
        time.sleep(0.02)


def save_window(viewer: Any, out: Path) -> None:
    """Settle, grab the whole window (dock included) to ``out`` and close the viewer."""
    settle(10)
    out.parent.mkdir(parents=True, exist_ok=True)
    viewer.screenshot(str(out), canvas_only=False)
    print(f"wrote {out}")
    viewer.close()
