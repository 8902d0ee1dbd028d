"""The core must never import napari or Qt: researchers run it on headless clusters."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import ho_annotate

FORBIDDEN = ("napari", "qtpy", "PyQt5", "PyQt6", "PySide2", "PySide6", "vispy", "magicgui")


def _core_modules() -> list[str]:
    names = ["ho_annotate"]
    for info in pkgutil.walk_packages(ho_annotate.__path__, prefix="ho_annotate."):
        if not info.name.endswith("__main__"):  # importing it would run the CLI
            names.append(info.name)
    return names


def test_core_has_modules_to_check() -> None:
    assert "ho_annotate.cli" in _core_modules()
    assert "ho_annotate.annotations.model" in _core_modules()


def test_importing_every_core_module_pulls_in_no_gui_library() -> None:
    modules = _core_modules()
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"core imported GUI modules: {out}"


def test_building_the_cli_parser_pulls_in_no_gui_library() -> None:
    script = (
        "import sys\n"
        "from ho_annotate.cli import build_parser\n"
        "build_parser()\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
