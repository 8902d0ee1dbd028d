"""What grading returns: one ``SideResult`` per hip inside a ``GradeReport``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from ho_annotate.annotations.model import ReadingStatus, Side
from ho_annotate.measurement.hips import Gap, reported


@dataclass(frozen=True)
class Need:
    """Something the reader must do before a grade can be given: a code and an action."""

    code: str
    message: str


#: The needs every scheme uses, by code.
NEEDS: Final[dict[str, Need]] = {
    n.code: n
    for n in (
        Need("reading", "Read this hip: outline the HO you see, or confirm that there is none."),
        Need(
            "gap",
            "Draw a gap line across the narrowest space between the spur and the opposing "
            "bone, or outline the opposing bone so the tool can measure it.",
        ),
        Need(
            "calibration",
            "Calibrate on the prosthetic head or a calibration ball (known diameter), so "
            "lengths are in mm at the patient plane.",
        ),
        Need(
            "confirm_ankylosis",
            "Mark a bridge if the hip looks fused, or separate the outlines where there is a "
            "gap: the spur touches the opposing bone on the image.",
        ),
    )
}


def need(code: str) -> Need:
    """The standard ``Need`` for a code."""
    return NEEDS[code]


@dataclass(frozen=True)
class SideResult:
    """The grade of one hip with its reason, or no grade with what is needed."""

    side: Side
    status: ReadingStatus
    grade: str | None
    reason: str
    needs: tuple[Need, ...] = ()
    borderline: bool = False
    warnings: tuple[str, ...] = ()
    #: The measurement the grade rests on (reader line or automatic gap), if any.
    decisive: Gap | None = None
    #: The tool's own minimum gap from the outlines, shown beside a reader line as a check.
    auto_gap: Gap | None = None
    island_count: int = 0
    largest_island_mm: float | None = None
    spacing_kind: str | None = None
    spacing_source: str = ""

    @property
    def gap_mm(self) -> float | None:
        """The decisive gap in mm, reported to 0.1 mm; ``None`` without one or without mm."""
        return self.decisive.reported_mm if self.decisive is not None else None

    def to_json(self) -> dict[str, Any]:
        """The per-side object of ``ho-annotate grade --json`` (and the batch table columns)."""
        dec = self.decisive
        return {
            "status": self.status,
            "grade": self.grade,
            "gap_mm": self.gap_mm,
            "reason": self.reason,
            "needs": [n.code for n in self.needs],
            "borderline": self.borderline,
            "warnings": list(self.warnings),
            "needs_text": [n.message for n in self.needs],
            "gap_source": dec.source if dec is not None else None,
            "gap_items": list(dec.item_ids) if dec is not None else [],
            "gap_points": [list(p) for p in dec.points] if dec is not None else None,
            "auto_gap_mm": self.auto_gap.reported_mm if self.auto_gap is not None else None,
            "island_count": self.island_count,
            "largest_island_mm": (
                reported(self.largest_island_mm) if self.largest_island_mm is not None else None
            ),
            "spacing_kind": self.spacing_kind,
            "spacing_source": self.spacing_source,
        }


@dataclass(frozen=True)
class GradeReport:
    """Both hips of one annotation set, graded with one scheme."""

    scheme: str
    sop_instance_uid: str
    reader: str
    spacing_kind: str | None
    spacing_source: str
    sides: dict[Side, SideResult] = field(default_factory=dict)

    def to_json(self, image: str | None = None) -> dict[str, Any]:
        """The whole ``grade --json`` object."""
        return {
            "image": image,
            "scheme": self.scheme,
            "spacing_kind": self.spacing_kind,
            "sides": {side: res.to_json() for side, res in self.sides.items()},
        }
