"""The interface a grading scheme implements."""

from __future__ import annotations

from abc import ABC, abstractmethod

from ho_annotate.grading.common import SideContext
from ho_annotate.grading.results import SideResult


class Scheme(ABC):
    """A grading scheme: grades one hip from its measurements.

    Other packages add schemes through the entry-point group ``ho_annotate.schemes``; the
    entry point names a ``Scheme`` instance or a class that takes no arguments.
    """

    #: The name used on the command line, e.g. ``"brooker"``.
    name: str
    #: A title for people, e.g. ``"Brooker (1973)"``.
    title: str
    #: The grades from lowest to highest.
    grades: tuple[str, ...]
    #: A short name for captions, e.g. ``"Della Valle"`` (empty: the title).
    short_title: str = ""

    @property
    def label(self) -> str:
        """The name for captions: ``short_title``, else ``title``."""
        return self.short_title or self.title

    @abstractmethod
    def grade_side(self, ctx: SideContext) -> SideResult:
        """Grade one hip."""
