"""One row per hip, a column per reader: the layout R, SPSS and Stata users load.

Columns: ``image``, ``side``, ``cluster``, then per scheme ``<scheme>_<reader>`` (the grade, empty
when none), then ``gap_mm_<reader>`` and ``gap_plane_<reader>``. A reader's later reads add
``_read2``, ``_read3``... Reader names are reduced to letters, digits and ``_``.

Written as CSV, or (with the ``stats`` extra, pyreadstat) as SPSS ``.sav`` or Stata ``.dta``
with each grade coded by its rank (Brooker 0-4, Della Valle 1-3 as A-C: ``0``, ``1``...) and
labelled with its name.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from ho_annotate.agreement.hips import Prepared, grade_pivot
from ho_annotate.errors import HoAnnotateError
from ho_annotate.files.atomic import atomic_path

__all__ = ["grade_codes", "wide_table", "write_wide"]


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


def grade_codes(p: Prepared, table: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """The grade columns of a wide table and each one's grades, mildest first."""
    return {
        column: p.labels[scheme]
        for scheme in p.schemes
        for column in table.columns
        if str(column).startswith(f"{scheme}_")
    }


def _coded(table: pd.DataFrame, codes: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    out = table.copy()
    for column, labels in codes.items():
        index = {label: float(i) for i, label in enumerate(labels)}
        out[column] = [index.get(v, math.nan) if isinstance(v, str) else math.nan
                       for v in out[column]]  # fmt: skip
    return out


def write_wide(
    table: pd.DataFrame, path: str | Path, codes: dict[str, tuple[str, ...]] | None = None
) -> Path:
    """Write the wide table (atomically) as CSV, ``.sav`` or ``.dta`` by the name's ending;
    ``codes`` (``grade_codes``) label the grades in ``.sav`` and ``.dta``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".sav", ".dta"):
        with atomic_path(path) as tmp:
            table.to_csv(tmp, index=False)
        return path
    try:
        import pyreadstat
    except ImportError as exc:
        raise HoAnnotateError(
            f"{path}: SPSS and Stata files need pyreadstat: pip install 'ho-annotate[stats]'"
        ) from exc
    codes = codes or {}
    coded = _coded(table, codes)
    labels = {c: {float(i): g for i, g in enumerate(v)} for c, v in codes.items()}
    write = pyreadstat.write_sav if suffix == ".sav" else pyreadstat.write_dta
    try:
        with atomic_path(path) as tmp:
            write(coded, str(tmp), variable_value_labels=labels)
    except HoAnnotateError:
        raise
    except Exception as exc:  # pyreadstat's own errors: too long a name, a bad value
        raise HoAnnotateError(f"{path}: cannot write it ({exc})") from exc
    return path
