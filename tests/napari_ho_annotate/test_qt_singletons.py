"""None, True and False stay alive however many Qt calls a session makes (PySide6 6.12.0)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from napari_ho_annotate._qt._singletons import RESERVE, binding_leaks_none
from qtpy.QtCore import QObject


def test_qt_calls_never_run_none_down_after_the_plugin_is_imported() -> None:
    import napari_ho_annotate._qt  # noqa: F401  (applies the guard on a leaking binding)

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(10_000):
        probe.setObjectName("probe")
    after = sys.getrefcount(None)
    sound = after == before
    protected = after > RESERVE // 2
    assert sound or protected, f"None lost {before - after} references and is not protected"
    assert binding_leaks_none() == (not sound)


def test_a_leaking_binding_gets_the_reserve_and_a_warning() -> None:
    code = textwrap.dedent(
        """
        import sys
        from unittest import mock
        from napari_ho_annotate._qt import _singletons as s
        s._protected = False
        with mock.patch.object(s, "binding_leaks_none", return_value=True):
            assert s.protect_singletons()
        assert sys.getrefcount(None) > s.RESERVE
        assert sys.getrefcount(True) > s.RESERVE and sys.getrefcount(False) > s.RESERVE
        print("protected")
        """
    )
    if sys.version_info >= (3, 12):  # immortal singletons: nothing to protect
        code = "print('protected')"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "protected" in done.stdout
    if sys.version_info < (3, 12):
        assert "drops references to None" in done.stderr
