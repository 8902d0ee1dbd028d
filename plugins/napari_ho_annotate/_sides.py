"""Side of a new shape by the core rules (laterality, orientation, or the assumed convention)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ho_annotate.annotations.model import AnnotationSet, Point, Side
from ho_annotate.dicom.sides import assign_sides, side_for_point


def is_flipped(aset: AnnotationSet) -> bool:
    """The reader flipped this image's sides (stored as ``side_basis == "reader"``)."""
    return aset.side_basis == "reader"


def auto_side(session: Any, points: Sequence[Point]) -> Side:
    """The hip a shape belongs to, from the mean column of its points."""
    col = sum(p[1] for p in points) / max(len(points), 1)
    header = session.header
    return side_for_point(header, col, int(header.columns), flipped=is_flipped(session.aset))


def basis_after_flip(session: Any) -> str:
    """Flipping twice goes back to what the header says."""
    if is_flipped(session.aset):
        return assign_sides(session.header).basis
    return "reader"
