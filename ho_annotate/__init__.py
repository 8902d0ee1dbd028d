"""ho-annotate: heterotopic ossification on hip radiographs, headless core.

The public API is importable from here; it is loaded on first use so that the command line
and light imports do not pay for pydicom, shapely and scikit-image up front.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ho_annotate._version import __version__

if TYPE_CHECKING:
    from ho_annotate.annotations.naming import sidecar_path
    from ho_annotate.annotations.store import load_annotations, save_annotations
    from ho_annotate.calibration.prosthesis import find_prosthetic_heads
    from ho_annotate.dicom.radiograph import (
        Radiograph,
        RadiographError,
        RadiographHeader,
        load_radiograph,
        read_header,
    )
    from ho_annotate.grading import grade
    from ho_annotate.measurement.outlining import OutlineError, outline_from_click
    from ho_annotate.measurement.snapping import GapSnap, snap_gap_line

_EXPORTS: dict[str, str] = {
    "grade": "ho_annotate.grading",
    "GapSnap": "ho_annotate.measurement.snapping",
    "snap_gap_line": "ho_annotate.measurement.snapping",
    "OutlineError": "ho_annotate.measurement.outlining",
    "outline_from_click": "ho_annotate.measurement.outlining",
    "find_prosthetic_heads": "ho_annotate.calibration.prosthesis",
    "Radiograph": "ho_annotate.dicom.radiograph",
    "RadiographError": "ho_annotate.dicom.radiograph",
    "RadiographHeader": "ho_annotate.dicom.radiograph",
    "load_radiograph": "ho_annotate.dicom.radiograph",
    "read_header": "ho_annotate.dicom.radiograph",
    "load_annotations": "ho_annotate.annotations.store",
    "save_annotations": "ho_annotate.annotations.store",
    "sidecar_path": "ho_annotate.annotations.naming",
}

__all__ = [
    "GapSnap",
    "OutlineError",
    "Radiograph",
    "RadiographError",
    "RadiographHeader",
    "__version__",
    "find_prosthetic_heads",
    "grade",
    "load_annotations",
    "load_radiograph",
    "outline_from_click",
    "read_header",
    "save_annotations",
    "sidecar_path",
    "snap_gap_line",
]


def _lazy(
    package: str, exports: dict[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose public names load on first use."""

    def getattr_(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return getattr_, dir_


__getattr__, __dir__ = _lazy(__name__, _EXPORTS, globals())
