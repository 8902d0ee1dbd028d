"""One row per hip, a column per reader: the layout R, SPSS and Stata users load.

Columns: ``image``, ``side``, ``cluster``, then per scheme ``<scheme>_<reader>`` (the grade, empty
when none), then ``gap_mm_<reader>`` and ``gap_plane_<reader>``. A reader's later reads add
``_read2``, ``_read3``... Reader names are reduced to letters, digits and ``_``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ho_annotate.agreement.hips import Prepared, grade_pivot
from ho_annotate.files.atomic import atomic_path

__all__ = ["wide_table", "write_wide"]


def _name(text: str) -> str:
    return re.sub(r"\W+", "_", text).strip("_") or "reader"


def _rater(reader: str, read: int) -> str:
    return _name(reader) + ("" if read == 1 else f"_read{read}")


def wide_table(p: Prepared) -> pd.DataFrame:
    """The wide table of a prepared results table (``agreement.hips.prepare``)."""
    rows = pd.concat([p.rows[p.rows["reader"].isin(p.standards)], p.reads], ignore_index=True)
    rows = rows.assign(
        reader=[_rater(r, int(n)) for r, n in zip(rows["reader"], rows["read"], strict=True)]
    )
    raters = sorted(rows["reader"].unique().tolist())
    hips = rows.drop_duplicates("hip").set_index("hip")[["image", "side"]]
    out = hips.assign(cluster=p.clusters.reindex(hips.index).to_numpy())
    parts = [out]
    for scheme in p.schemes:
        grades = grade_pivot(rows, scheme).reindex(index=hips.index, columns=raters)
        parts.append(grades.add_prefix(f"{scheme}_"))
    gaps = rows.pivot(index="hip", columns="reader", values="gap_mm")
    parts.append(gaps.reindex(index=hips.index, columns=raters).add_prefix("gap_mm_"))
    planes = rows.pivot(index="hip", columns="reader", values="plane")
    measured = gaps.reindex(index=planes.index, columns=planes.columns).notna()
    planes = planes.where(measured, None)
    parts.append(planes.reindex(index=hips.index, columns=raters).add_prefix("gap_plane_"))
    wide = pd.concat(parts, axis=1).sort_values(["image", "side"], kind="stable")
    wide.columns.name = None
    return wide.reset_index(drop=True)


def write_wide(table: pd.DataFrame, path: str | Path) -> Path:
    """Write the wide table as CSV (atomically); return its path."""
    path = Path(path)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)
    return path
