"""The JSON Schema of a sidecar, generated from the model (docs/annotation-format.schema.json)."""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
from typing import Any

import msgspec

from ho_annotate.annotations.model import AnnotationSet

__all__ = ["annotation_schema", "annotation_schema_text", "write_annotation_schema"]


def annotation_schema() -> dict[str, Any]:
    """The JSON Schema of a sidecar, generated from the model."""
    cleaned: dict[str, Any] = _clean_descriptions(msgspec.json.schema(AnnotationSet))
    return cleaned


def _clean_descriptions(node: Any) -> Any:
    """Dedent every description the same way, whatever msgspec release made the schema.

    msgspec before 0.19 kept a docstring's indentation; later releases clean it. Cleaning
    here makes the published schema independent of the installed release.
    """
    if isinstance(node, dict):
        return {
            key: inspect.cleandoc(value)
            if key == "description" and isinstance(value, str)
            else _clean_descriptions(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_clean_descriptions(item) for item in node]
    return node


def annotation_schema_text() -> str:
    """``annotation_schema`` as the text of docs/annotation-format.schema.json."""
    return json.dumps(annotation_schema(), indent=2, sort_keys=True) + "\n"


def write_annotation_schema(path: str | os.PathLike[str]) -> Path:
    """Write the JSON Schema (run after changing the model; a test checks it is current)."""
    target = Path(path)
    target.write_text(annotation_schema_text(), encoding="utf-8")
    return target
