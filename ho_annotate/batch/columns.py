"""Column names of the results table that ``ho-annotate measure`` writes.

Kept free of heavy imports so that the agreement statistics can name the same columns.
One row per image, side and reader, made from a ``grading.HipRecord``; the per-side field names
match ``grade --json``.

Which columns belong to a scheme is a naming rule, not a position: a scheme's grade is the
column named after the scheme (``brooker``, ``della_valle``); any other field of one scheme is
``<scheme column>__<field>`` (e.g. ``brooker__borderline``); every other column is one of the
fixed per-hip columns below. New per-hip fields go into ``TRAIL_COLUMNS``, new per-scheme fields
into ``SCHEME_FIELDS``; a field's type follows its name (``field_name``), with or without the
scheme.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from ho_annotate.grading.record import HipRecord

#: Columns before the per-scheme grade columns.
LEAD_COLUMNS: Final[tuple[str, ...]] = ("image", "side", "reader", "status")
#: Columns after the per-scheme grade columns.
TRAIL_COLUMNS: Final[tuple[str, ...]] = (
    "gap_mm",
    "borderline",
    "needs",
    "warnings",
    "island_count",
    "largest_island_mm",
    "spacing_kind",
    "sop_instance_uid",
    "study_instance_uid",
    "series_instance_uid",
    "error",
)
#: Columns added after the layout above by ``grade_basis`` (what a grade rests on) and by
#: ``study export`` (the reading), and a ``patient`` key a user may add: never grades.
ADDED_COLUMNS: Final[tuple[str, ...]] = (
    "auto_gap_mm",
    "gap_plane",
    "gap_line_made",
    "case",
    "read",
    "reading_seconds",
    "submitted_at",
    "amended",
    "patient",
)
FIXED_COLUMNS: Final[frozenset[str]] = frozenset(LEAD_COLUMNS + TRAIL_COLUMNS + ADDED_COLUMNS)
UID_COLUMNS: Final[tuple[str, ...]] = (
    "sop_instance_uid",
    "study_instance_uid",
    "series_instance_uid",
)


@functools.lru_cache(maxsize=256)  # two calls per scheme and row: look each name up once
def scheme_column(scheme: str) -> str:
    """The column of a grading scheme: ``della-valle`` -> ``della_valle``."""
    return scheme.strip().lower().replace("-", "_").replace(" ", "_")


#: Joins a scheme column and a per-scheme field: ``brooker__borderline``.
SCHEME_FIELD_SEPARATOR: Final = "__"
#: Fields of each scheme after the grade columns, named as in ``grade --json``.
SCHEME_FIELDS: Final[tuple[str, ...]] = ("borderline", "borderline_band_mm")
#: Joins the warnings of a hip in the ``warnings`` column (a warning is a sentence that may
#: hold ``;``).
WARNING_SEPARATOR: Final = " | "


def columns(schemes: Sequence[str]) -> list[str]:
    """All columns, in output order, for the given grading schemes."""
    from ho_annotate.batch.grade_basis import basis_columns

    return [
        *LEAD_COLUMNS,
        *(scheme_column(s) for s in schemes),
        *(scheme_field_column(s, f) for s in schemes for f in SCHEME_FIELDS),
        *TRAIL_COLUMNS,
        *basis_columns(schemes),
    ]


def field_name(column: str) -> str:
    """The field a column holds: ``brooker__borderline`` -> ``borderline``."""
    return column.rpartition(SCHEME_FIELD_SEPARATOR)[2]


@functools.lru_cache(maxsize=1024)
def scheme_field_column(scheme: str, field: str) -> str:
    """The column of one scheme's field other than its grade."""
    return f"{scheme_column(scheme)}{SCHEME_FIELD_SEPARATOR}{field}"


def scheme_columns(names: Iterable[str]) -> list[str]:
    """The grade columns of a table: every column that is neither a fixed per-hip column nor
    a per-scheme field (``<scheme>__<field>``)."""
    return [
        n for n in map(str, names) if n not in FIXED_COLUMNS and SCHEME_FIELD_SEPARATOR not in n
    ]


def record_row(record: HipRecord) -> dict[str, Any]:
    """The columns of one hip's row that come from its record (one grade column per scheme)."""
    row: dict[str, Any] = {
        "side": record.side,
        "status": record.status,
        "gap_mm": record.gap_mm,
        "borderline": record.borderline,
        "needs": ";".join(record.needs),
        "warnings": WARNING_SEPARATOR.join(record.warnings),
        "island_count": record.island_count,
        "largest_island_mm": record.largest_island_mm,
        "spacing_kind": record.spacing_kind,
    }
    for scheme, result in record.schemes.items():
        row[scheme_column(scheme)] = result.grade
        row[scheme_field_column(scheme, "borderline")] = result.borderline
        row[scheme_field_column(scheme, "borderline_band_mm")] = result.borderline_band_mm
    return row
