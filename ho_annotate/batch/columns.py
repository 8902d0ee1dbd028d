"""Column names of the results table that ``ho-annotate measure`` writes.

Kept free of heavy imports so that the agreement statistics can name the same columns.
One row per image, side and reader; the per-side field names match ``grade --json``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

#: Columns before the per-scheme grade columns.
LEAD_COLUMNS: Final[tuple[str, ...]] = ("image", "side", "reader", "status")
#: Columns after the per-scheme grade columns.
TRAIL_COLUMNS: Final[tuple[str, ...]] = (
    "gap_mm",
    "borderline",
    "needs",
    "island_count",
    "largest_island_mm",
    "spacing_kind",
    "sop_instance_uid",
    "study_instance_uid",
    "series_instance_uid",
    "error",
)
FIXED_COLUMNS: Final[frozenset[str]] = frozenset(LEAD_COLUMNS + TRAIL_COLUMNS)
UID_COLUMNS: Final[tuple[str, ...]] = (
    "sop_instance_uid",
    "study_instance_uid",
    "series_instance_uid",
)


def scheme_column(scheme: str) -> str:
    """The column of a grading scheme: ``della-valle`` -> ``della_valle``."""
    return scheme.strip().lower().replace("-", "_").replace(" ", "_")


def columns(schemes: Sequence[str]) -> list[str]:
    """All columns, in output order, for the given grading schemes."""
    return [*LEAD_COLUMNS, *(scheme_column(s) for s in schemes), *TRAIL_COLUMNS]


def scheme_columns(names: Iterable[str]) -> list[str]:
    """The grade columns of a table: those between ``status`` and ``gap_mm``, else every
    column that is not a fixed one."""
    names = [str(n) for n in names]
    if "status" in names and "gap_mm" in names:
        names = names[names.index("status") + 1 : names.index("gap_mm")]
    return [n for n in names if n not in FIXED_COLUMNS]
