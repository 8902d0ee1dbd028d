"""Deprecated: the sidecar moved to ``ho_annotate.annotations`` (naming, store, schema).

Names imported from here still work and emit a ``DeprecationWarning`` that says where they
live now.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

_MOVED: dict[str, str] = {
    **dict.fromkeys(
        (
            "SUFFIX",
            "BACKUP_SUFFIX",
            "READER_PATTERN",
            "backup_path",
            "check_reader",
            "find_sidecars",
            "image_stem",
            "reader_from_path",
            "sidecar_path",
        ),
        "ho_annotate.annotations.naming",
    ),
    **dict.fromkeys(
        (
            "STALE_TEMP_SECONDS",
            "HeaderForSidecar",
            "LoadedSidecar",
            "SidecarState",
            "decode_annotations",
            "encode_annotations",
            "load_annotations",
            "load_sidecar",
            "new_annotation_set",
            "save_annotations",
            "sidecar_state",
        ),
        "ho_annotate.annotations.store",
    ),
    **dict.fromkeys(
        ("annotation_schema", "annotation_schema_text", "write_annotation_schema"),
        "ho_annotate.annotations.schema",
    ),
}


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module 'ho_annotate.sidecar' has no attribute {name!r}")
    warnings.warn(
        f"ho_annotate.sidecar.{name} moved to {module}.{name}; import it from there",
        DeprecationWarning,
        stacklevel=2,
    )
    return getattr(importlib.import_module(module), name)
