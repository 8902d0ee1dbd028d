"""ho-annotate: heterotopic ossification on hip radiographs, headless core.

The public API is importable from here; it is loaded on first use so that the command line
and light imports do not pay for pydicom, shapely and scikit-image up front.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ho_annotate._version import __version__

if TYPE_CHECKING:
    from ho_annotate.annotations.store import load_annotations, save_annotations, sidecar_path
    from ho_annotate.calibration.prosthesis import find_prosthetic_heads
    from ho_annotate.dicom.radiograph import (
        Radiograph,
        RadiographError,
        RadiographHeader,
        load_radiograph,
        read_header,
    )
    from ho_annotate.grading import grade

_EXPORTS: dict[str, str] = {
    "grade": "ho_annotate.grading",
    "find_prosthetic_heads": "ho_annotate.calibration.prosthesis",
    "Radiograph": "ho_annotate.dicom.radiograph",
    "RadiographError": "ho_annotate.dicom.radiograph",
    "RadiographHeader": "ho_annotate.dicom.radiograph",
    "load_radiograph": "ho_annotate.dicom.radiograph",
    "read_header": "ho_annotate.dicom.radiograph",
    "load_annotations": "ho_annotate.annotations.store",
    "save_annotations": "ho_annotate.annotations.store",
    "sidecar_path": "ho_annotate.annotations.store",
}

__all__ = [
    "Radiograph",
    "RadiographError",
    "RadiographHeader",
    "__version__",
    "find_prosthetic_heads",
    "grade",
    "load_annotations",
    "load_radiograph",
    "read_header",
    "save_annotations",
    "sidecar_path",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ho_annotate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
