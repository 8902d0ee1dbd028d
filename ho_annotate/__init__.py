"""ho-annotate: heterotopic ossification on hip radiographs, headless core."""

from ho_annotate._version import __version__

__all__ = ["__version__"]
