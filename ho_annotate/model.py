"""Deprecated: the annotation model moved to ``ho_annotate.annotations.model``.

Names imported from here still work and emit a ``DeprecationWarning``.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

_NEW = "ho_annotate.annotations.model"


def __getattr__(name: str) -> Any:
    value = getattr(importlib.import_module(_NEW), name)  # AttributeError for unknown names
    warnings.warn(
        f"ho_annotate.model.{name} moved to {_NEW}.{name}; import it from there",
        DeprecationWarning,
        stacklevel=2,
    )
    return value
