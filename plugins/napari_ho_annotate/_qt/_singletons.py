"""Keep None, True and False alive under a Qt binding that drops references to them.

PySide6 6.12.0 on Python 3.11 returns None from some Qt methods (``processEvents``,
``setObjectName``) and booleans from signal ``emit`` without taking the reference it gives
back. Each call lowers the object's count by one; a napari session makes such calls at every
event, and once the count of None reaches zero the interpreter aborts ("none_dealloc:
deallocating None"). Python 3.12 made these objects immortal; on 3.11 we give them a count so
large that no session can use it up, once, and only when a probe shows the leak.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from qtpy import API_NAME, QT_VERSION
from qtpy.QtCore import QObject

__all__ = ["binding_leaks_none", "protect_singletons"]

log = logging.getLogger(__name__)
#: Calls made by the probe; a sound binding leaves the count of None exactly as it was.
PROBE_CALLS = 64
#: Added to each singleton's count: at a million lost references a second, 12 days' worth.
RESERVE = 1 << 40
_protected = False


def binding_leaks_none() -> bool:
    """Whether a Qt method returning None loses a reference to None (measured, not guessed)."""
    probe = QObject()
    probe.setObjectName("probe")
    before = sys.getrefcount(None)
    for _ in range(PROBE_CALLS):
        probe.setObjectName("probe")
    return before - sys.getrefcount(None) >= PROBE_CALLS


def protect_singletons() -> bool:
    """Reserve references to None, True and False if the binding leaks them; True if it did."""
    global _protected
    if _protected or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return _protected
    if not binding_leaks_none():
        return False
    for singleton in (None, True, False):
        # ob_refcnt is the first field of every CPython object (a Py_ssize_t).
        ctypes.c_ssize_t.from_address(id(singleton)).value += RESERVE
    _protected = True
    log.warning(
        "%s %s drops references to None on Python %d.%d; ho-annotate keeps None alive so "
        "napari does not abort. Install a PySide6 other than 6.12.0 to avoid this.",
        API_NAME,
        QT_VERSION,
        *sys.version_info[:2],
    )
    return True
