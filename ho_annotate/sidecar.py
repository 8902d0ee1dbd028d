"""Deprecated: the sidecar moved to ``ho_annotate.annotations`` (naming, store, schema).

Names imported from here still work and emit a ``DeprecationWarning`` that says where they
live now.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

_NEW = (
    "ho_annotate.annotations.naming",
    "ho_annotate.annotations.store",
    "ho_annotate.annotations.schema",
)


def __getattr__(name: str) -> Any:
    for module_name in _NEW:
        module = importlib.import_module(module_name)
        if name in module.__all__:
            warnings.warn(
                f"ho_annotate.sidecar.{name} moved to {module_name}.{name}; import it from there",
                DeprecationWarning,
                stacklevel=2,
            )
            return getattr(module, name)
    raise AttributeError(f"module 'ho_annotate.sidecar' has no attribute {name!r}")
