"""How an item was made and how well it measures: the reader's share of the borderline band.

The band around 10 mm is the calibration's uncertainty plus the measurement's own:

- a hand-placed line (``manual``) carries the reader's click uncertainty,
  ``READER_CLICK_UNCERTAINTY_MM`` (1 mm) unless a value is given;
- a line snapped to the bone edges (``snapped``) or a gap between outlines made from a click
  (``outlined``) carries the snap's or the outline's own uncertainty;
- an item with no provenance (annotation files before format version 2, reference sidecars of
  synthetic images) keeps the allowance of one pixel along the measured direction.

The measurement term is never smaller than one pixel. Grading takes the provenance stored with
each item in the sidecar (``stored_provenance``: ``made``, ``uncertainty_mm`` and the length
of ``snapped_points``); it never looks at pixels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from ho_annotate.annotations.model import MADE, Item, Made, Spacing

__all__ = [
    "READER_CLICK_UNCERTAINTY_MM",
    "Made",
    "Provenance",
    "measurement_uncertainty",
    "stored_provenance",
]

#: Where a reader's click lands relative to where it was meant (mm, one standard uncertainty):
#: the spread of hand-placed gap-line ends seen in reading studies with a mouse.
READER_CLICK_UNCERTAINTY_MM: Final = 1.0


@dataclass(frozen=True)
class Provenance:
    """How one item was made (``made``) and its measurement uncertainty in mm.

    ``snapped_mm`` is, for a hand-placed line, the length its snapped version measured (kept
    to warn when the reader's line and the image disagree).
    """

    made: Made
    uncertainty_mm: float | None = None
    snapped_mm: float | None = None

    def __post_init__(self) -> None:
        if self.made not in MADE:
            raise ValueError(f"made must be manual, snapped or outlined, not {self.made!r}")
        if self.uncertainty_mm is not None and not self.uncertainty_mm >= 0:
            raise ValueError("uncertainty_mm must be zero or more")

    @property
    def effective_mm(self) -> float:
        """The uncertainty used in the band (the click default for hand-placed items)."""
        if self.uncertainty_mm is not None:
            return self.uncertainty_mm
        return READER_CLICK_UNCERTAINTY_MM if self.made == "manual" else 0.0


def measurement_uncertainty(
    item_ids: Iterable[str], provenance: Mapping[str, Provenance]
) -> float | None:
    """The measurement uncertainty (mm) of a measurement made from ``item_ids``.

    Independent items add in quadrature; ``None`` when none of them has a provenance.
    """
    known = [provenance[i].effective_mm for i in item_ids if i in provenance]
    if not known:
        return None
    return float(sum(u * u for u in known) ** 0.5)


def stored_provenance(items: Iterable[Item], spacing: Spacing | None) -> dict[str, Provenance]:
    """The provenance stored with each item (format version 2), by item id.

    Items without ``made`` have none. ``snapped_mm`` is the length of ``snapped_points`` with
    ``spacing`` (the one grading uses, so a later calibration moves both lengths alike).
    """
    out: dict[str, Provenance] = {}
    for item in items:
        if item.made is None:
            continue
        snapped_mm = None
        if item.snapped_points is not None and spacing is not None:
            (r0, c0), (r1, c1) = item.snapped_points
            snapped_mm = math.hypot((r1 - r0) * spacing.row_mm, (c1 - c0) * spacing.col_mm)
        out[item.id] = Provenance(item.made, item.uncertainty_mm, snapped_mm)
    return out
