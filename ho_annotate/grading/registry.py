"""Schemes by name: the built-in ones and those other packages register.

Another package adds a scheme with an entry point in the group ``ho_annotate.schemes``::

    [project.entry-points."ho_annotate.schemes"]
    my-scheme = "my_package.grading:MyScheme"

The object is a ``Scheme`` instance or a class that takes no arguments; its ``name`` must
equal the entry point's name.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any, Final

from ho_annotate.errors import HoAnnotateError
from ho_annotate.grading.scheme import Scheme

ENTRY_POINT_GROUP: Final = "ho_annotate.schemes"
_BUILTIN: Final[dict[str, str]] = {
    "brooker": "ho_annotate.grading.brooker",
    "della-valle": "ho_annotate.grading.della_valle",
}
_registered: dict[str, Scheme] = {}
#: The built-in schemes once imported (module constants, so never stale).
_builtin: dict[str, Scheme] = {}


class SchemeError(HoAnnotateError):
    """An unknown or broken grading scheme."""


def register_scheme(scheme: Scheme) -> None:
    """Register a scheme in this process (entry points do this for installed packages)."""
    if not isinstance(scheme, Scheme):
        raise SchemeError(f"{scheme!r} is not a ho_annotate.grading.Scheme")
    _registered[scheme.name] = scheme


def _plugin_names() -> list[str]:
    """The entry points' scheme names, read again only when the import path changes.

    Reading every installed package's entry points takes milliseconds, which each batch run
    paid up front; installing or removing a package changes its folder's modification time.
    """
    key = tuple((entry, _mtime(entry)) for entry in sys.path)
    if key != _plugin_cache[0]:
        _plugin_cache[:] = [key, [ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)]]
    return list(_plugin_cache[1])


def _mtime(folder: str) -> int:
    try:
        return os.stat(folder or ".").st_mtime_ns
    except OSError:
        return -1


_plugin_cache: list[Any] = [None, []]


def schemes() -> tuple[str, ...]:
    """Names of every scheme available: built-in first, then registered and installed ones."""
    names = list(_BUILTIN)
    for name in [*_registered, *_plugin_names()]:
        if name not in names:
            names.append(name)
    return tuple(names)


def get_scheme(name: str) -> Scheme:
    """The scheme called ``name``; a clear error lists the known ones."""
    if name in _registered:
        return _registered[name]
    if name in _BUILTIN:
        scheme = _builtin.get(name)
        if scheme is None:  # imported once: batch work asks for every scheme per image
            scheme = _builtin[name] = importlib.import_module(_BUILTIN[name]).SCHEME
        assert isinstance(scheme, Scheme)
        return scheme
    for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
        try:
            obj = ep.load()
            scheme = obj() if isinstance(obj, type) else obj
        except Exception as exc:
            raise SchemeError(
                f"grading scheme {name!r} ({ep.value}) failed to load: {exc}"
            ) from exc
        if not isinstance(scheme, Scheme) or scheme.name != name:
            raise SchemeError(f"entry point {name!r} ({ep.value}) is not a Scheme named {name!r}")
        _registered[name] = scheme
        return scheme
    raise SchemeError(f"unknown grading scheme {name!r}; choose one of: {', '.join(schemes())}")


def _column(name: str) -> str:
    return name.strip().lower().replace("-", "_").replace(" ", "_")


def grade_order(scheme: str, seen: Iterable[str] = ()) -> tuple[str, ...]:
    """The grades of ``scheme`` from mildest to most severe, then any other ``seen`` grade.

    ``scheme`` is a scheme name or its results-table column (``della_valle``). A scheme that is
    unknown or fails to load orders only the ``seen`` grades, sorted.
    """
    known: tuple[str, ...] = ()
    try:
        match = next((n for n in schemes() if _column(n) == _column(scheme)), None)
        if match is not None:
            known = tuple(get_scheme(match).grades)
    except Exception:  # an unloadable plugin scheme: fall back to sorted grades
        known = ()
    return known + tuple(sorted({str(v) for v in seen} - set(known)))
