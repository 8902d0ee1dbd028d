"""Which hip is which: from the DICOM header, in the order GUIDE section 2 gives.

1. ImageLaterality / Laterality ``L`` or ``R``: a single-hip view, every item is on that side;
2. PatientOrientation's row direction (the first value): ``L`` means columns run toward the
   patient's left (standard AP display, patient's right on the image's left); ``R`` mirrored;
3. otherwise the radiological convention is assumed, with a visible warning.

The reader can flip the sides of an image (``flip_sides``) or set an item's side by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

import msgspec

from ho_annotate.annotations.model import AnnotationSet, Hips, Side, SideBasis

SIDE_ASSUMED_WARNING: Final = (
    "Sides assumed: the header does not say which way the image faces, so the patient's right "
    "is taken to be on the image's left (radiological convention). Flip the sides if wrong."
)


class HeaderLike(Protocol):
    """What side assignment needs from a header (``RadiographHeader`` has both)."""

    @property
    def laterality(self) -> str | None: ...

    @property
    def patient_orientation(self) -> Sequence[str] | None: ...


@dataclass(frozen=True)
class SideAssignment:
    """How the sides of one image are decided."""

    basis: SideBasis
    #: For a single-hip view, the hip shown.
    single: Side | None = None
    #: True when the patient's right is on the image's right.
    mirrored: bool = False

    @property
    def warning(self) -> str | None:
        return side_basis_warning(self.basis)


def side_basis_warning(basis: SideBasis) -> str | None:
    """The warning to show with every result when sides were assumed."""
    return SIDE_ASSUMED_WARNING if basis == "assumed" else None


def assign_sides(header: HeaderLike) -> SideAssignment:
    """Decide how the sides of an image are assigned from its header."""
    lat = (header.laterality or "").strip().upper()
    if lat in ("L", "R"):
        return SideAssignment("laterality", single="left" if lat == "L" else "right")
    orientation = header.patient_orientation
    if orientation:
        row_direction = (orientation[0] or "").strip().upper()[:1]
        if row_direction == "L":
            return SideAssignment("orientation", mirrored=False)
        if row_direction == "R":
            return SideAssignment("orientation", mirrored=True)
    return SideAssignment("assumed")


def side_for_point(
    header_like: HeaderLike, col: float, width: int, *, flipped: bool = False
) -> Side:
    """The hip an item at column ``col`` of an image ``width`` columns wide belongs to.

    ``flipped`` is the reader's per-image correction: it swaps the two sides of a two-hip view.
    """
    assignment = assign_sides(header_like)
    if assignment.single is not None:
        return assignment.single
    on_image_left = col < width / 2
    # Standard display: the image's left shows the patient's right.
    patient_right = on_image_left != (assignment.mirrored != flipped)
    return "right" if patient_right else "left"


def flip_sides(aset: AnnotationSet) -> AnnotationSet:
    """A copy with left and right swapped: items (except those the reader placed) and hips."""
    items = [
        item
        if item.side_by_reader
        else msgspec.structs.replace(item, side="left" if item.side == "right" else "right")
        for item in aset.items
    ]
    hips = Hips(left=aset.hips.right, right=aset.hips.left)
    return msgspec.structs.replace(aset, items=items, hips=hips, side_basis="reader")
