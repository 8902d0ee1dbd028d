"""ho-annotate: heterotopic ossification on hip radiographs, headless core."""

from ho_annotate._version import __version__
from ho_annotate.grading import grade
from ho_annotate.prosthesis import find_prosthetic_heads
from ho_annotate.radiograph import (
    Radiograph,
    RadiographError,
    RadiographHeader,
    load_radiograph,
    read_header,
)
from ho_annotate.sidecar import load_annotations, save_annotations, sidecar_path

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
