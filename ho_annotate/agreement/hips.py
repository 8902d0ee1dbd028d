"""A results table made ready for agreement: one row per hip and rater, clusters, planes.

A hip is an image and side. Between readers each reader's first read of a hip counts
(``read``, from ``study export``; 1 when the table has none); the reference reader and the
truth table (reader ``truth``) are standards, not readers. Each hip belongs to a cluster for
the bootstrap: its patient (a ``patient`` column), else its study, else its image. Hips every
rater marked ``not assessable`` (the other side of a single-hip view) are left out and counted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ho_annotate.batch.columns import scheme_columns
from ho_annotate.batch.grade_basis import gap_plane
from ho_annotate.errors import HoAnnotateError
from ho_annotate.grading.registry import grade_order

__all__ = ["NOT_READ", "TRUTH_READER", "Prepared", "grade_pivot", "prepare", "read_truth"]

NOT_READ = "not read"
NOT_ASSESSABLE = "not assessable"
#: The name the truth table's rows take among the readers.
TRUTH_READER = "truth"
#: Columns that group hips for the bootstrap, the first one present winning.
CLUSTER_COLUMNS = ("patient", "study_instance_uid", "image")
PLANE_ORDER = ("patient", "detector", "unknown")


def present(value: Any) -> bool:
    """A cell with a value (not None, NaN, NA or empty text)."""
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return str(value) != ""


def grade_pivot(t: pd.DataFrame, column: str) -> pd.DataFrame:
    """Hips x raters: the grade as text, ``None`` where a rater gave none or did not read."""
    graded = t[column].map(present) & (t["status"] != NOT_READ)
    g = t[["hip", "reader"]].copy()
    g["grade"] = [str(v) if ok else None for v, ok in zip(t[column], graded, strict=True)]
    wide = g.pivot(index="hip", columns="reader", values="grade").astype(object)
    return wide.where(wide.notna(), None)


@dataclass
class Prepared:
    rows: pd.DataFrame
    reads: pd.DataFrame
    readers: list[str]
    standards: list[str]
    schemes: list[str]
    labels: dict[str, tuple[str, ...]]
    clusters: pd.Series
    cluster_column: str
    planes: list[str]
    error_rows: int
    #: Hips every rater marked not assessable (e.g. the other side of a single-hip view).
    not_assessable: int = 0

    def hip_values(self, column: str) -> pd.Series:
        """One value of ``column`` per hip: a standard's, else the first reader's."""
        if column not in self.rows.columns:
            raise HoAnnotateError(
                f"no column {column!r} to form subgroups by; the table has "
                f"{sorted(map(str, self.rows.columns))}"
            )
        t = self.rows.assign(_first=~self.rows["reader"].isin(self.standards))
        t = t[t[column].map(present)].sort_values(["_first", "reader"], kind="stable")
        return t.drop_duplicates("hip").set_index("hip")[column].astype(str)

    def standard_gaps(self, standard: str) -> pd.Series:
        """The standard's gap (mm) per hip, NaN where it has none."""
        t = self.rows[self.rows["reader"] == standard]
        gaps = t.set_index("hip")["gap_mm"].astype(float)
        return gaps.reindex(self.rows["hip"].unique())


def read_truth(path: str | Path) -> pd.DataFrame:
    """A truth table (CSV: ``image``, ``side``, ``gap_mm``, a column per scheme's grade)."""
    path = Path(path)
    if not path.is_file():
        raise HoAnnotateError(f"{path}: no such truth table (ho-annotate synth-study writes one)")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except Exception as exc:
        raise HoAnnotateError(f"{path}: cannot read the truth table ({exc})") from exc
    missing = {"image", "side"} - set(table.columns)
    if missing:
        raise HoAnnotateError(f"{path}: not a truth table (missing columns {sorted(missing)})")
    return table


def _truth_rows(truth: pd.DataFrame, schemes: Sequence[str]) -> pd.DataFrame:
    rows = truth.copy()
    rows["reader"] = TRUTH_READER
    rows["status"] = "annotated"
    rows["gap_plane"] = "patient"
    for scheme in schemes:
        if scheme not in rows.columns:
            rows[scheme] = None
    return rows


def _clean(table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    t = table.copy()
    for column in ("reader", "error", "status", "gap_mm"):
        if column not in t.columns:
            t[column] = None
    has_error = t["error"].map(present)
    t = t[t["reader"].map(present) & ~has_error].copy()
    t["reader"] = t["reader"].astype(str)
    t["hip"] = t["image"].astype(str) + "|" + t["side"].astype(str)
    t["gap_mm"] = pd.to_numeric(t["gap_mm"], errors="coerce").astype(float)
    reads = pd.to_numeric(t["read"], errors="coerce") if "read" in t.columns else None
    t["read"] = 1 if reads is None else reads.fillna(1).astype(int)
    planes = t["gap_plane"] if "gap_plane" in t.columns else pd.Series(None, index=t.index)
    kinds = t["spacing_kind"] if "spacing_kind" in t.columns else pd.Series(None, index=t.index)
    t["plane"] = [
        str(pl) if present(pl) else (gap_plane(k) or "unknown")
        for pl, k in zip(planes, kinds, strict=True)
    ]
    return t, int(has_error.sum())


def _clusters(t: pd.DataFrame, column: str | None) -> tuple[pd.Series, str]:
    if column is not None and column not in t.columns:
        raise HoAnnotateError(f"no column {column!r} to group hips by for the bootstrap")
    chosen = column or next(
        c for c in CLUSTER_COLUMNS if c in t.columns and t[c].map(present).any()
    )
    values = t[["hip"]].copy()
    values["cluster"] = [
        f"{chosen}:{v}" if present(v) else f"image:{i}"
        for v, i in zip(t[chosen], t["image"], strict=True)
    ]
    values["missing"] = [not present(v) for v in t[chosen]]  # a hip takes a row's with one
    values = values.sort_values(["missing", "cluster"]).drop_duplicates("hip")
    return values.set_index("hip")["cluster"], chosen


def prepare(
    table: pd.DataFrame,
    *,
    schemes: list[str] | None = None,
    reference: str | None = None,
    truth: pd.DataFrame | None = None,
    cluster: str | None = None,
) -> Prepared:
    """The table made ready for the statistics (see the module docstring)."""
    available = scheme_columns(table.columns)
    chosen = available if schemes is None else [s.replace("-", "_") for s in schemes]
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise HoAnnotateError(f"no grade column for schemes {unknown}; the table has {available}")
    t, error_rows = _clean(table)
    if truth is not None:
        if TRUTH_READER in set(t["reader"]):
            raise HoAnnotateError(f"the table has a reader named {TRUTH_READER!r}; rename it")
        t, _ = _clean(pd.concat([t, _truth_rows(truth, chosen)], ignore_index=True))
    names = sorted(t["reader"].unique().tolist())
    if reference is not None and reference not in names:
        raise HoAnnotateError(f"no reader {reference!r} to take as the reference; readers: {names}")
    standards = [s for s in (reference, TRUTH_READER if truth is not None else None) if s]
    readers = [r for r in names if r not in standards]
    unassessable = t.groupby("hip")["status"].agg(lambda s: bool((s == NOT_ASSESSABLE).all()))
    t = t[~t["hip"].isin(unassessable.index[unassessable])]
    t = t.sort_values(["read"], kind="stable")
    reads = t[~t["reader"].isin(standards)].drop_duplicates(["hip", "reader", "read"])
    rows = t.drop_duplicates(subset=["hip", "reader"], keep="first")
    labels = {s: grade_order(s, sorted({str(v) for v in t[s] if present(v)})) for s in chosen}
    clusters, cluster_column = _clusters(rows, cluster)
    seen = set(rows.loc[rows["gap_mm"].notna(), "plane"])
    planes = [p for p in PLANE_ORDER if p in seen] + sorted(seen - set(PLANE_ORDER))
    return Prepared(
        rows,
        reads,
        readers,
        standards,
        chosen,
        labels,
        clusters,
        cluster_column,
        planes,
        error_rows,
        int(unassessable.sum()),
    )
