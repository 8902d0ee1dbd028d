"""What a row's grade rests on: the columns ``measure`` adds for a reading study (issue 16).

Kept apart from ``columns.py`` (the fixed layout) so that these columns can be listed and
filled in one place: per hip the tool's own automatic gap and the plane of ``gap_mm``; per
scheme the reason and where the decisive gap comes from; and how the reader's gap lines were
made (snapped to the bone edges or placed by hand).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from ho_annotate.batch.columns import scheme_field_column

if TYPE_CHECKING:
    from ho_annotate.annotations.model import Item
    from ho_annotate.grading.record import HipRecord

__all__ = [
    "BASIS_COLUMNS",
    "PATIENT_KINDS",
    "basis_columns",
    "basis_row",
    "gap_line_made",
    "gap_plane",
]

#: Per-hip columns: the automatic gap (a check beside the reader's line), the plane of
#: ``gap_mm`` (``patient``, ``detector`` or ``unknown``; empty when there is no spacing) and how
#: the reader's gap lines on the hip were made (``gap_line_made``).
BASIS_COLUMNS: Final[tuple[str, ...]] = ("auto_gap_mm", "gap_plane", "gap_line_made")
#: Per-scheme fields, as ``<scheme>__reason`` and ``<scheme>__gap_source``.
BASIS_SCHEME_FIELDS: Final[tuple[str, ...]] = ("reason", "gap_source")
#: Spacing kinds whose millimetres are at the patient plane.
PATIENT_KINDS: Final = frozenset({"calibrated", "estimated", "manual"})


def gap_plane(spacing_kind: Any) -> str | None:
    """``patient`` (calibrated, estimated, manual), ``detector``, ``unknown``, or ``None``."""
    if spacing_kind is None or spacing_kind != spacing_kind or str(spacing_kind) == "":
        return None
    kind = str(spacing_kind)
    if kind in PATIENT_KINDS:
        return "patient"
    return "detector" if kind == "detector" else "unknown"


def gap_line_made(items: Iterable[Item], side: str) -> str | None:
    """How the reader's gap lines on ``side`` were made: ``snapped``, ``manual``, ``mixed``
    when they differ, ``unrecorded`` for lines saved without it (format version 1), or
    ``None`` when the hip has no gap line."""
    made = {item.made or "unrecorded" for item in items if item.kind == "gap" and item.side == side}
    if not made:
        return None
    return made.pop() if len(made) == 1 else "mixed"


def basis_columns(schemes: Sequence[str]) -> list[str]:
    """These columns, in output order, for the given schemes."""
    per_scheme = [scheme_field_column(s, f) for s in schemes for f in BASIS_SCHEME_FIELDS]
    return [*BASIS_COLUMNS, *per_scheme]


def basis_row(
    record: HipRecord, spacing_kind: str | None, items: Iterable[Item] = ()
) -> dict[str, Any]:
    """The values of these columns for one hip whose millimetres are ``spacing_kind``;
    ``items`` are the reader's annotations of the image."""
    row: dict[str, Any] = {
        "auto_gap_mm": record.auto_gap_mm,
        "gap_plane": gap_plane(spacing_kind),
        "gap_line_made": gap_line_made(items, record.side),
    }
    for scheme, result in record.schemes.items():
        row[scheme_field_column(scheme, "reason")] = result.reason
        row[scheme_field_column(scheme, "gap_source")] = result.gap_source
    return row
