"""Layer-menu commands: open the workbench on a radiograph, show its grade."""

from __future__ import annotations

from typing import Any

from napari.viewer import Viewer

from ._reader import META


def _workbench(viewer: Any) -> Any:
    _dock, widget = viewer.window.add_plugin_dock_widget("ho-annotate", "HO workbench")
    return widget


def _active_image(viewer: Any) -> Any:
    layer = viewer.layers.selection.active
    meta = layer.metadata.get(META, {}) if layer is not None else {}
    if layer is None or not meta.get("path"):
        raise ValueError("select a radiograph opened with ho-annotate (File > Open a DICOM)")
    for candidate in viewer.layers:
        own = candidate.metadata.get(META, {})
        if own.get("path") == meta["path"] and own.get("role") is None:
            return candidate
    raise ValueError("the radiograph of this layer is no longer open; open it again")


def annotate_image(viewer: Viewer) -> None:
    """Dock the workbench and work on the selected radiograph."""
    image = _active_image(viewer)
    _workbench(viewer).bind(image)


def show_grade(viewer: Viewer) -> None:
    """Show the current grade of the selected radiograph as a notification."""
    from napari.utils.notifications import show_info

    image = _active_image(viewer)
    widget = _workbench(viewer)
    widget.bind(image)
    report = widget.last_report
    lines = [f"{image.name} ({report.scheme}):"]
    for side, result in report.sides.items():
        lines.append(f"{side}: {result.grade or 'no grade'} - {result.reason}")
    show_info("\n".join(lines))
