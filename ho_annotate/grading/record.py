"""One typed record per hip, the source of every per-hip output.

``grade --json`` (one scheme), the rows of ``ho-annotate measure`` (every scheme asked for) and
the demo table are all made from a ``HipRecord``. What one scheme decides (grade, reason,
needs, borderline, warnings, the gap it rests on) is a ``SchemeGrade`` under
``HipRecord.schemes``, keyed by scheme name; what belongs to the hip whatever the scheme
(reading status, islands, the automatic gap, spacing) is on the ``HipRecord`` itself. A new
per-scheme field goes on ``SchemeGrade``; how tables name it is ``batch.columns``'s rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from ho_annotate.annotations.model import Point, ReadingStatus, Side
from ho_annotate.grading.results import SideResult
from ho_annotate.grading.rounding import reported

__all__ = ["HipRecord", "JsonValue", "SchemeGrade"]

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


class SchemeGrade(msgspec.Struct, frozen=True, kw_only=True):
    """What one scheme says about one hip."""

    grade: str | None
    reason: str
    #: Codes of what the reader must do first (``NEEDS``), with their messages.
    needs: tuple[str, ...] = ()
    needs_text: tuple[str, ...] = ()
    borderline: bool = False
    #: Half-width of the borderline band around the threshold, in mm (calibration plus the
    #: item's measurement uncertainty); ``None`` where no gap decides.
    borderline_band_mm: float | None = None
    warnings: tuple[str, ...] = ()
    #: The decisive gap, reported to 0.1 mm, and where it comes from (``reader`` or ``auto``).
    gap_mm: float | None = None
    gap_source: str | None = None
    gap_items: tuple[str, ...] = ()
    gap_points: tuple[Point, ...] | None = None

    @classmethod
    def from_result(cls, res: SideResult) -> SchemeGrade:
        dec = res.decisive
        return cls(
            grade=res.grade,
            reason=res.reason,
            needs=tuple(n.code for n in res.needs),
            needs_text=tuple(n.message for n in res.needs),
            borderline=res.borderline,
            borderline_band_mm=round(res.band_mm, 2) if res.band_mm is not None else None,
            warnings=res.warnings,
            gap_mm=res.gap_mm,
            gap_source=dec.source if dec is not None else None,
            gap_items=tuple(dec.item_ids) if dec is not None else (),
            gap_points=tuple(dec.points) if dec is not None else None,
        )


class HipRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One hip of one reading, graded by one or more schemes (in the order asked for)."""

    side: Side
    status: ReadingStatus
    schemes: dict[str, SchemeGrade]
    #: The tool's own minimum gap from the outlines (a check beside a reader's line).
    auto_gap_mm: float | None = None
    island_count: int = 0
    largest_island_mm: float | None = None
    spacing_kind: str | None = None
    spacing_source: str = ""

    @classmethod
    def from_results(cls, side: Side, results: Sequence[tuple[str, SideResult]]) -> HipRecord:
        """The record of ``side`` from each scheme's ``SideResult`` (one measurement)."""
        if not results:
            raise ValueError("a hip record needs the result of at least one scheme")
        first = results[0][1]
        largest = first.largest_island_mm
        return cls(
            side=side,
            status=first.status,
            schemes={name: SchemeGrade.from_result(res) for name, res in results},
            auto_gap_mm=first.auto_gap.reported_mm if first.auto_gap is not None else None,
            island_count=first.island_count,
            largest_island_mm=reported(largest) if largest is not None else None,
            spacing_kind=first.spacing_kind,
            spacing_source=first.spacing_source,
        )

    @property
    def first(self) -> SchemeGrade:
        """The first scheme's result (hip-level gap and reason in tables)."""
        return next(iter(self.schemes.values()))

    @property
    def gap_mm(self) -> float | None:
        return self.first.gap_mm

    @property
    def borderline(self) -> bool:
        """Borderline for any of the schemes."""
        return any(s.borderline for s in self.schemes.values())

    @property
    def warnings(self) -> tuple[str, ...]:
        """Every scheme's warnings, each once, in the order they first appear."""
        return tuple(dict.fromkeys(w for s in self.schemes.values() for w in s.warnings))

    @property
    def needs(self) -> tuple[str, ...]:
        """Every scheme's needs, each once, in the order they first appear."""
        return tuple(dict.fromkeys(code for s in self.schemes.values() for code in s.needs))

    def scheme_json(self, scheme: str) -> dict[str, JsonValue]:
        """The per-side object of ``ho-annotate grade --json`` for one scheme."""
        s = self.schemes[scheme]
        return {
            "status": self.status,
            "grade": s.grade,
            "gap_mm": s.gap_mm,
            "reason": s.reason,
            "needs": list(s.needs),
            "borderline": s.borderline,
            "borderline_band_mm": s.borderline_band_mm,
            "warnings": list(s.warnings),
            "needs_text": list(s.needs_text),
            "gap_source": s.gap_source,
            "gap_items": list(s.gap_items),
            "gap_points": [list(p) for p in s.gap_points] if s.gap_points is not None else None,
            "auto_gap_mm": self.auto_gap_mm,
            "island_count": self.island_count,
            "largest_island_mm": self.largest_island_mm,
            "spacing_kind": self.spacing_kind,
            "spacing_source": self.spacing_source,
        }
