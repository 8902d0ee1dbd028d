"""Multi-reader agreement from a results table (one row per image, side, reader and read).

Readers are compared pairwise and, with a standard (a reference reader or a truth table),
each against it; every statistic gets a seeded cluster-bootstrap interval (``bootstrap.py``).
The table preparation is in ``hips.py``; this module computes the statistics.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from ho_annotate.agreement.bland_altman import bland_altman
from ho_annotate.agreement.bootstrap import Bootstrap
from ho_annotate.agreement.boundary import DEFAULT_BOUNDARY_MM, near_threshold
from ho_annotate.agreement.cohen import confusion_kappas, pair_agreement
from ho_annotate.agreement.fleiss import fleiss_from_counts, fleiss_kappa
from ho_annotate.agreement.hips import NOT_READ, TRUTH_READER, Prepared, grade_pivot, prepare
from ho_annotate.agreement.icc import icc_2_1
from ho_annotate.batch.output import read_results as load_results
from ho_annotate.errors import HoAnnotateError

__all__ = ["AgreementResult", "Subgroup", "agreement", "load_results"]

#: Grade statistics, each with a bootstrap interval ``<name>_ci_low`` / ``<name>_ci_high``.
GRADE_STATS = ("percent_agreement", "kappa", "kappa_linear", "kappa_quadratic")
#: Bland-Altman statistics with bootstrap intervals (the ICC has its analytic interval).
GAP_STATS = ("bias", "loa_low", "loa_high")


def _ci_columns(stats: Sequence[str]) -> list[str]:
    return [c for s in stats for c in (s, f"{s}_ci_low", f"{s}_ci_high")]


PAIR_COLUMNS = [
    "scheme",
    "reader_a",
    "reader_b",
    "n",
    "not_read",
    "no_grade",
    *_ci_columns(GRADE_STATS),
]
STANDARD_COLUMNS = [
    "scheme",
    "reader",
    "standard",
    "n",
    "not_read",
    "no_grade",
    *_ci_columns(("accuracy", *GRADE_STATS[1:])),
]
INTRA_COLUMNS = ["scheme", "reader", "read_a", "read_b", "n", "no_grade", *_ci_columns(GRADE_STATS)]
FLEISS_COLUMNS = ["scheme", "readers", "n", "left_out", "kappa", "kappa_ci_low", "kappa_ci_high"]
GAP_COLUMNS = [
    "plane", "reader_a", "reader_b", "n", "left_out", "icc", "icc_low", "icc_high", "sd",
    *_ci_columns(GAP_STATS),
]  # fmt: skip
GAP_ALL_COLUMNS = ["plane", "readers", "n", "left_out", "icc", "icc_low", "icc_high"]


@dataclass
class Subgroup:
    """The agreement on the hips of one subgroup (``column`` = ``value``)."""

    column: str
    value: str
    result: AgreementResult


@dataclass
class AgreementResult:
    """Agreement tables (pandas DataFrames) and the data behind the plots.

    - ``pairs``: per scheme and reader pair: ``n`` hips both graded, ``not_read`` and
      ``no_grade`` hips left out, ``percent_agreement``, ``kappa``, ``kappa_linear``,
      ``kappa_quadratic``, each with ``_ci_low`` and ``_ci_high`` (bootstrap).
    - ``standard``: per scheme, reader and standard (the reference reader, ``truth``): the
      same, with ``accuracy`` (percent of hips graded as the standard) for percent agreement.
    - ``confusion``: ``(scheme, a, b)`` -> DataFrame, rows ``a``'s grades (pairs and
      reader-vs-standard; intra-reader as ``(scheme, "alice read 1", "alice read 2")``).
    - ``fleiss``: per scheme, over hips every reader graded (three readers or more; standards
      left out).
    - ``gap_pairs``: gap mm per plane and pair (reader pairs, then reader vs standard):
      ICC(2,1) with its analytic 95 % interval, Bland-Altman bias and limits with bootstrap
      intervals; ``gap_all``: ICC(2,1) over every reader, per plane.
    - ``intra``: per scheme and reader, one read against another; ``intra_gaps`` the gaps
      per plane and reader (``plane``, ``reader``, ``read_a``, ``read_b``, then as
      ``gap_pairs``).
    - ``subgroups``: the same analysis per ``--by`` value and at the II/III boundary.
    """

    readers: list[str]
    hips: int
    error_rows: int
    pairs: pd.DataFrame
    confusion: dict[tuple[str, str, str], pd.DataFrame]
    fleiss: pd.DataFrame
    gap_pairs: pd.DataFrame
    gap_all: pd.DataFrame
    gap_values: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = field(repr=False)
    standards: list[str] = field(default_factory=list)
    standard: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=STANDARD_COLUMNS))
    intra: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=INTRA_COLUMNS))
    intra_gaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    subgroups: list[Subgroup] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)


def _with_cis(
    row: dict[str, Any],
    names: Sequence[str],
    values: Sequence[float],
    cis: Sequence[tuple[float, float]],
) -> None:
    for name, value, (low, high) in zip(names, values, cis, strict=True):
        row[name] = value
        row[f"{name}_ci_low"] = low
        row[f"{name}_ci_high"] = high


def _compare_grades(
    ga: pd.Series, gb: pd.Series, labels: tuple[str, ...], clusters: pd.Series, boot: Bootstrap
) -> tuple[dict[str, Any], tuple[tuple[int, ...], ...]]:
    both = ga.notna() & gb.notna()
    a, b = list(ga[both]), list(gb[both])
    result = pair_agreement(a, b, labels)
    index = {label: i for i, label in enumerate(labels)}
    n_labels = len(labels)
    codes = np.array([index[x] * n_labels + index[y] for x, y in zip(a, b, strict=True)], dtype=int)

    def statistic(rows: np.ndarray) -> tuple[float, float, float, float]:
        counts = np.bincount(codes[rows], minlength=n_labels * n_labels)
        return confusion_kappas(counts.reshape(n_labels, n_labels))

    cis = boot.intervals(list(clusters.reindex(ga.index[both])), statistic, 4)
    values = (result.percent_agreement, result.kappa, result.kappa_linear, result.kappa_quadratic)
    row: dict[str, Any] = {"n": result.n}
    _with_cis(row, GRADE_STATS, values, cis)
    return row, result.confusion


def _not_read(status: pd.DataFrame, a: str, b: str) -> tuple[pd.Series, pd.Series]:
    sa, sb = status.get(a), status.get(b)
    empty = pd.Series(np.nan, index=status.index, dtype=object)
    sa = empty if sa is None else sa
    sb = empty if sb is None else sb
    seen = sa.notna() | sb.notna()
    unread = seen & (sa.isna() | sb.isna() | (sa == NOT_READ) | (sb == NOT_READ))
    return seen, unread


def _grade_comparisons(
    p: Prepared,
    t: pd.DataFrame,
    pairs: Sequence[tuple[str, str]],
    boot: Bootstrap,
    confusion: dict[tuple[str, str, str], pd.DataFrame],
) -> list[dict[str, Any]]:
    status = t.pivot(index="hip", columns="reader", values="status")
    rows: list[dict[str, Any]] = []
    for scheme in p.schemes:
        grades = grade_pivot(t, scheme).reindex(
            columns=sorted({*status.columns, *(x for ab in pairs for x in ab)})
        )
        labels = p.labels[scheme]
        for a, b in pairs:
            seen, unread = _not_read(status.reindex(columns=grades.columns), a, b)
            stats, matrix = _compare_grades(grades[a], grades[b], labels, p.clusters, boot)
            both = grades[a].notna() & grades[b].notna()
            row = {"scheme": scheme, "reader_a": a, "reader_b": b, **stats}
            row["not_read"] = int(unread.sum())
            row["no_grade"] = int((seen & ~unread & ~both).sum())
            rows.append(row)
            confusion[(scheme, a, b)] = pd.DataFrame(
                matrix, index=pd.Index(labels, name=a), columns=pd.Index(labels, name=b)
            )
    return rows


def _fleiss_stat(counts: np.ndarray, rows: np.ndarray) -> tuple[float]:
    return (fleiss_from_counts(counts[rows]),)


def _limits_stat(xa: np.ndarray, xb: np.ndarray, rows: np.ndarray) -> tuple[float, float, float]:
    return _limits(xa[rows], xb[rows])


def _fleiss(p: Prepared, t: pd.DataFrame, readers: list[str], boot: Bootstrap) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    if len(readers) < 3:
        return pd.DataFrame(rows, columns=FLEISS_COLUMNS)
    for scheme in p.schemes:
        grades = grade_pivot(t, scheme).reindex(columns=readers)
        complete = grades.notna().all(axis=1)
        ratings = [list(r) for r in grades[complete].itertuples(index=False)]
        labels = p.labels[scheme]
        index = {label: i for i, label in enumerate(labels)}
        counts = np.zeros((len(ratings), len(labels)), dtype=int)
        for i, hip in enumerate(ratings):
            for grade in hip:
                counts[i, index[grade]] += 1
        ((low, high),) = boot.intervals(
            list(p.clusters.reindex(grades.index[complete])), partial(_fleiss_stat, counts), 1
        )
        rows.append(
            {
                "scheme": scheme,
                "readers": len(readers),
                "n": len(ratings),
                "left_out": int((~complete).sum()),
                "kappa": fleiss_kappa(ratings, labels),
                "kappa_ci_low": low,
                "kappa_ci_high": high,
            }
        )
    return pd.DataFrame(rows, columns=FLEISS_COLUMNS)


def _icc_fields(x: np.ndarray) -> dict[str, float]:
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        return {"icc": math.nan, "icc_low": math.nan, "icc_high": math.nan}
    r = icc_2_1(x)
    return {"icc": r.icc, "icc_low": r.ci_low, "icc_high": r.ci_high}


def _limits(xa: np.ndarray, xb: np.ndarray) -> tuple[float, float, float]:
    ba = bland_altman(xa, xb)
    return (ba.bias, ba.loa_low, ba.loa_high)


def _gaps(
    p: Prepared,
    t: pd.DataFrame,
    readers: list[str],
    pairs: Sequence[tuple[str, str]],
    boot: Bootstrap,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]]]:
    rows: list[dict[str, Any]] = []
    overall: list[dict[str, Any]] = []
    values: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = {}
    names = sorted({*readers, *(x for ab in pairs for x in ab)})
    for plane in p.planes:
        gaps = t[["hip", "reader"]].copy()
        gaps["gap_mm"] = t["gap_mm"].where((t["plane"] == plane) & (t["status"] != NOT_READ))
        wide = gaps.pivot(index="hip", columns="reader", values="gap_mm").reindex(columns=names)
        for a, b in pairs:
            either = wide[a].notna() | wide[b].notna()
            both = wide[a].notna() & wide[b].notna()
            if not either.any():
                continue
            xa = wide[a][both].to_numpy(dtype=float)
            xb = wide[b][both].to_numpy(dtype=float)
            values[(plane, a, b)] = (xa, xb)
            row: dict[str, Any] = {"plane": plane, "reader_a": a, "reader_b": b}
            row.update(n=int(both.sum()), left_out=int((either & ~both).sum()))
            row.update(_icc_fields(np.column_stack([xa, xb])))
            row["sd"] = bland_altman(xa, xb).sd
            cis = boot.intervals(
                list(p.clusters.reindex(wide.index[both])),
                partial(_limits_stat, xa, xb),
                3,
            )
            _with_cis(row, GAP_STATS, _limits(xa, xb), cis)
            rows.append(row)
        sub = wide.reindex(columns=readers)
        complete = sub.notna().all(axis=1)
        if sub.notna().any(axis=None):
            entry: dict[str, Any] = {"plane": plane, "readers": len(readers)}
            entry.update(
                n=int(complete.sum()), left_out=int((sub.notna().any(axis=1) & ~complete).sum())
            )
            entry.update(_icc_fields(sub[complete].to_numpy(dtype=float)))
            overall.append(entry)
    return (
        pd.DataFrame(rows, columns=GAP_COLUMNS),
        pd.DataFrame(overall, columns=GAP_ALL_COLUMNS),
        values,
    )


def _intra(
    p: Prepared,
    readers: list[str],
    boot: Bootstrap,
    confusion: dict[tuple[str, str, str], pd.DataFrame],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each reader's reads against each other: grades, and gaps per plane."""
    rows: list[dict[str, Any]] = []
    gap_rows: list[pd.DataFrame] = []
    for reader in readers:
        mine = p.reads[p.reads["reader"] == reader]
        reads = sorted(mine["read"].unique().tolist())
        if len(reads) < 2:
            continue
        t = mine.assign(reader=[f"{reader} read {r}" for r in mine["read"]])
        for a, b in combinations(reads, 2):
            name_a, name_b = f"{reader} read {a}", f"{reader} read {b}"
            for found in _grade_comparisons(p, t, [(name_a, name_b)], boot, confusion):
                found.pop("not_read")
                found.update(reader=reader, read_a=int(a), read_b=int(b))
                del found["reader_a"], found["reader_b"]
                rows.append(found)
            gaps, _, _ = _gaps(p, t, [], [(name_a, name_b)], boot)
            gap_rows.append(gaps.assign(reader_a=reader, reader_b=reader, read_a=a, read_b=b))
    gap_table = (
        pd.concat(gap_rows, ignore_index=True)
        if gap_rows
        else pd.DataFrame(columns=[*GAP_COLUMNS, "read_a", "read_b"])
    )
    gap_table = gap_table.rename(columns={"reader_a": "reader"}).drop(columns="reader_b")
    return pd.DataFrame(rows, columns=INTRA_COLUMNS), gap_table


def _analyse(p: Prepared, hips: pd.Index | None, boot: Bootstrap) -> AgreementResult:
    t = p.rows if hips is None else p.rows[p.rows["hip"].isin(hips)]
    readers, standards = p.readers, p.standards
    confusion: dict[tuple[str, str, str], pd.DataFrame] = {}
    pairs = _grade_comparisons(p, t, list(combinations(readers, 2)), boot, confusion)
    versus = [(r, s) for s in standards for r in readers]
    vs_rows = _grade_comparisons(p, t, versus, boot, confusion)
    for row in vs_rows:
        row["reader"], row["standard"] = row.pop("reader_a"), row.pop("reader_b")
        for suffix in ("", "_ci_low", "_ci_high"):
            row[f"accuracy{suffix}"] = row.pop(f"percent_agreement{suffix}")
    gap_pairs, gap_all, gap_values = _gaps(
        p, t, readers, [*combinations(readers, 2), *versus], boot
    )
    return AgreementResult(
        readers=readers,
        hips=int(t["hip"].nunique()),
        error_rows=p.error_rows,
        pairs=pd.DataFrame(pairs, columns=PAIR_COLUMNS),
        confusion=confusion,
        fleiss=_fleiss(p, t, readers, boot),
        gap_pairs=gap_pairs,
        gap_all=gap_all,
        gap_values=gap_values,
        standards=list(standards),
        standard=pd.DataFrame(vs_rows, columns=STANDARD_COLUMNS),
    )


def _boundary_standard(p: Prepared) -> str | None:
    if TRUTH_READER in p.standards:
        return TRUTH_READER
    return p.standards[0] if p.standards else None


def agreement(
    table: pd.DataFrame,
    schemes: list[str] | None = None,
    *,
    reference: str | None = None,
    truth: pd.DataFrame | None = None,
    by: Sequence[str] = (),
    boundary_mm: float = DEFAULT_BOUNDARY_MM,
    bootstrap: Bootstrap | None = None,
    cluster: str | None = None,
) -> AgreementResult:
    """Agreement between the readers of a results table (see :class:`AgreementResult`).

    Hips are identified by image and side. Rows with an ``error`` are left out and counted;
    hips ``not read`` or without a grade are left out pairwise and counted. ``reference``
    names a reader who is a standard, not a reader; ``truth`` (``image``, ``side``, ``gap_mm``
    and grade columns) is another standard. ``by`` lists columns to form subgroups by; the
    II/III boundary subgroup (standard gap within ``boundary_mm`` of 10 mm) is added whenever
    there is a standard. Between readers, each reader's first read counts; later reads give
    the intra-reader agreement.
    """
    boot = bootstrap if bootstrap is not None else Bootstrap()
    p = prepare(table, schemes=schemes, reference=reference, truth=truth, cluster=cluster)
    if len(p.readers) < 2 and not p.standards:
        raise HoAnnotateError(
            f"agreement needs at least two readers, or a reader and a reference or truth; "
            f"the table has {p.readers or 'none'} (measure images that two or more readers "
            "annotated)"
        )
    result = _analyse(p, None, boot)
    result.intra, result.intra_gaps = _intra(p, p.readers, boot, result.confusion)
    for column in by:
        values = p.hip_values(column)
        for value in sorted(values.dropna().unique().tolist(), key=str):
            hips = values.index[values == value]
            result.subgroups.append(Subgroup(column, str(value), _analyse(p, hips, boot)))
    standard = _boundary_standard(p)
    if standard is not None:
        gaps = p.standard_gaps(standard)
        hips = gaps.index[near_threshold(gaps.to_numpy(), boundary_mm)]
        label = f"{standard} gap within {boundary_mm:g} mm of 10 mm"
        result.subgroups.append(Subgroup("boundary", label, _analyse(p, hips, boot)))
    result.parameters = {
        "resamples": boot.resamples,
        "seed": boot.seed,
        "confidence": boot.confidence,
        "cluster": p.cluster_column,
        "clusters": int(p.clusters.nunique()),
        "hips_not_assessable": p.not_assessable,
        "boundary_mm": boundary_mm,
        "boundary_standard": standard,
        "reference": reference,
        "truth": truth is not None,
        "schemes": list(p.schemes),
    }
    return result
