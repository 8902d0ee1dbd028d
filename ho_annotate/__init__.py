"""ho-annotate: heterotopic ossification on hip radiographs, headless core."""

from ho_annotate._version import __version__
from ho_annotate.radiograph import (
    Radiograph,
    RadiographError,
    RadiographHeader,
    load_radiograph,
    read_header,
)

__all__ = [
    "Radiograph",
    "RadiographError",
    "RadiographHeader",
    "__version__",
    "load_radiograph",
    "read_header",
]
