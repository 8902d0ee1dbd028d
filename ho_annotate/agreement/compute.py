"""Multi-reader agreement from a results table (one row per image, side and reader)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from ho_annotate.agreement.bland_altman import bland_altman
from ho_annotate.agreement.cohen import pair_agreement
from ho_annotate.agreement.fleiss import fleiss_kappa
from ho_annotate.agreement.icc import icc_2_1
from ho_annotate.batch.columns import scheme_columns
from ho_annotate.batch.output import read_results as load_results
from ho_annotate.errors import HoAnnotateError
from ho_annotate.grading.registry import grade_order

NOT_READ = "not read"


@dataclass
class AgreementResult:
    """Agreement tables (pandas DataFrames) and the data behind the plots.

    - ``pairs``: per scheme and reader pair: ``n`` hips both graded, ``not_read`` and
      ``no_grade`` hips left out, ``percent_agreement``, ``kappa``, ``kappa_linear``,
      ``kappa_quadratic``.
    - ``confusion``: ``(scheme, reader_a, reader_b)`` -> DataFrame, rows reader_a's grades.
    - ``fleiss``: per scheme, over hips every reader graded (three readers or more).
    - ``gap_pairs``: gap mm per reader pair: ICC(2,1) with 95 % interval, Bland-Altman bias and
      limits; ``gap_all``: ICC(2,1) over every reader, on hips all of them measured.
    """

    readers: list[str]
    hips: int
    error_rows: int
    pairs: pd.DataFrame
    confusion: dict[tuple[str, str, str], pd.DataFrame]
    fleiss: pd.DataFrame
    gap_pairs: pd.DataFrame
    gap_all: dict[str, Any]
    gap_values: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = field(repr=False)


__all__ = ["AgreementResult", "agreement", "load_results"]


def _present(value: Any) -> bool:
    return (
        value is not None
        and not (isinstance(value, float) and math.isnan(value))
        and (str(value) != "")
    )


def _clean(table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Rows with a reader and no error, one per hip and reader; and the count of error rows."""
    t = table.copy()
    for column in ("reader", "error"):
        if column not in t.columns:
            t[column] = None
    has_error = t["error"].map(_present)
    has_reader = t["reader"].map(_present)
    t = t[has_reader & ~has_error].copy()
    t["reader"] = t["reader"].astype(str)
    t["hip"] = t["image"].astype(str) + "|" + t["side"].astype(str)
    t = t.drop_duplicates(subset=["hip", "reader"], keep="first")
    return t, int(has_error.sum())


def _grade_pivot(t: pd.DataFrame, column: str) -> pd.DataFrame:
    grades = t[["hip", "reader", column]].copy()
    graded = grades[column].map(_present) & (t["status"] != NOT_READ)
    grades[column] = (
        grades[column].where(graded, None).map(lambda v: str(v) if _present(v) else None)
    )
    return grades.pivot(index="hip", columns="reader", values=column)


def _pairs(
    t: pd.DataFrame, readers: list[str], schemes: list[str]
) -> tuple[pd.DataFrame, dict[tuple[str, str, str], pd.DataFrame]]:
    status = t.pivot(index="hip", columns="reader", values="status")
    rows: list[dict[str, Any]] = []
    confusion: dict[tuple[str, str, str], pd.DataFrame] = {}
    for scheme in schemes:
        grades = _grade_pivot(t, scheme)
        labels = grade_order(scheme, [v for v in grades.to_numpy().ravel() if v is not None])
        for a, b in combinations(readers, 2):
            seen = status[a].notna() | status[b].notna()
            not_read = seen & (
                status[a].isna()
                | status[b].isna()
                | (status[a] == NOT_READ)
                | (status[b] == NOT_READ)
            )
            both = grades[a].notna() & grades[b].notna()
            result = pair_agreement(list(grades[a][both]), list(grades[b][both]), labels)
            rows.append(
                {
                    "scheme": scheme,
                    "reader_a": a,
                    "reader_b": b,
                    "n": result.n,
                    "not_read": int(not_read.sum()),
                    "no_grade": int((seen & ~not_read & ~both).sum()),
                    "percent_agreement": result.percent_agreement,
                    "kappa": result.kappa,
                    "kappa_linear": result.kappa_linear,
                    "kappa_quadratic": result.kappa_quadratic,
                }
            )
            confusion[(scheme, a, b)] = pd.DataFrame(
                result.confusion,
                index=pd.Index(labels, name=a),
                columns=pd.Index(labels, name=b),
            )
    return pd.DataFrame(rows, columns=_PAIR_COLUMNS), confusion


_PAIR_COLUMNS = [
    "scheme", "reader_a", "reader_b", "n", "not_read", "no_grade",
    "percent_agreement", "kappa", "kappa_linear", "kappa_quadratic",
]  # fmt: skip


_FLEISS_COLUMNS = ["scheme", "readers", "n", "left_out", "kappa"]


def _fleiss(t: pd.DataFrame, readers: list[str], schemes: list[str]) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    if len(readers) < 3:
        return pd.DataFrame(rows, columns=_FLEISS_COLUMNS)
    for scheme in schemes:
        grades = _grade_pivot(t, scheme).reindex(columns=readers)
        complete = grades.notna().all(axis=1)
        ratings = [list(r) for r in grades[complete].itertuples(index=False)]
        labels = grade_order(scheme, [g for r in ratings for g in r])
        rows.append(
            {
                "scheme": scheme,
                "readers": len(readers),
                "n": len(ratings),
                "left_out": int((~complete).sum()),
                "kappa": fleiss_kappa(ratings, labels),
            }
        )
    return pd.DataFrame(rows, columns=_FLEISS_COLUMNS)


def _gaps(
    t: pd.DataFrame, readers: list[str]
) -> tuple[pd.DataFrame, dict[str, Any], dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]]:
    gaps = t[["hip", "reader"]].copy()
    gaps["gap_mm"] = pd.to_numeric(t.get("gap_mm"), errors="coerce")
    gaps.loc[t["status"] == NOT_READ, "gap_mm"] = np.nan
    wide = gaps.pivot(index="hip", columns="reader", values="gap_mm").reindex(columns=readers)
    rows: list[dict[str, Any]] = []
    values: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    for a, b in combinations(readers, 2):
        either = wide[a].notna() | wide[b].notna()
        both = wide[a].notna() & wide[b].notna()
        xa = wide[a][both].to_numpy(dtype=float)
        xb = wide[b][both].to_numpy(dtype=float)
        values[(a, b)] = (xa, xb)
        row: dict[str, Any] = {"reader_a": a, "reader_b": b, "n": int(both.sum())}
        row["left_out"] = int((either & ~both).sum())
        row.update(_icc_fields(np.column_stack([xa, xb])))
        ba = bland_altman(xa, xb)
        row.update(bias=ba.bias, sd=ba.sd, loa_low=ba.loa_low, loa_high=ba.loa_high)
        rows.append(row)
    complete = wide.notna().all(axis=1)
    overall: dict[str, Any] = {"readers": len(readers), "n": int(complete.sum())}
    overall["left_out"] = int((wide.notna().any(axis=1) & ~complete).sum())
    overall.update(_icc_fields(wide[complete].to_numpy(dtype=float)))
    columns = [
        "reader_a", "reader_b", "n", "left_out", "icc", "icc_low", "icc_high",
        "bias", "sd", "loa_low", "loa_high",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns), overall, values


def _icc_fields(x: np.ndarray) -> dict[str, float]:
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        return {"icc": math.nan, "icc_low": math.nan, "icc_high": math.nan}
    r = icc_2_1(x)
    return {"icc": r.icc, "icc_low": r.ci_low, "icc_high": r.ci_high}


def agreement(table: pd.DataFrame, schemes: list[str] | None = None) -> AgreementResult:
    """Agreement between the readers of a results table (see :class:`AgreementResult`).

    Hips are identified by image and side. Rows with an ``error`` are left out and counted;
    hips ``not read`` or without a grade are left out pairwise and counted.
    """
    t, error_rows = _clean(table)
    readers = sorted(t["reader"].unique().tolist())
    if len(readers) < 2:
        raise HoAnnotateError(
            f"agreement needs at least two readers; the table has {readers or 'none'} "
            "(measure images that two or more readers annotated)"
        )
    available = scheme_columns(table.columns)
    chosen = available if schemes is None else [s.replace("-", "_") for s in schemes]
    unknown = sorted(set(chosen) - set(available))
    if unknown:
        raise HoAnnotateError(f"no grade column for schemes {unknown}; the table has {available}")
    pairs, confusion = _pairs(t, readers, chosen)
    gap_pairs, gap_all, gap_values = _gaps(t, readers)
    return AgreementResult(
        readers=readers,
        hips=int(t["hip"].nunique()),
        error_rows=error_rows,
        pairs=pairs,
        confusion=confusion,
        fleiss=_fleiss(t, readers, chosen),
        gap_pairs=gap_pairs,
        gap_all=gap_all,
        gap_values=gap_values,
    )
