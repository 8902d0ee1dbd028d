"""``study adjudicate``: the cases readers disagree on, for a consensus read as the reference.

A case is disputed when the readers' first reads grade one of its hips differently, or any
reader's hip is borderline. The consensus is the reference reader's read 1
(``STUDY/reads/<reference>/1/``), submitted and amended like any read; a study without a
reference reader gets the adjudicator as its reference.
"""

from __future__ import annotations

from pathlib import Path

from ho_annotate.errors import HoAnnotateError
from ho_annotate.study.create import reader_order
from ho_annotate.study.model import Study
from ho_annotate.study.store import load_study, update_study

__all__ = ["disputed_cases", "make_reference"]


def disputed_cases(study_dir: str | Path, scheme: str = "brooker") -> list[str]:
    """The disputed case labels, in label order (see the module's docstring)."""
    from ho_annotate.batch.columns import scheme_column, scheme_field_column
    from ho_annotate.study.export import study_table

    study = load_study(study_dir)
    table = study_table(study_dir, [scheme])
    rows = table[(table["read"] == 1) & table["reader"].isin(study.readers)]
    grade, border = scheme_column(scheme), scheme_field_column(scheme, "borderline")
    disputed: set[str] = set()
    for (case, _side), group in rows.groupby(["case", "side"]):
        grades = {g for g in group[grade] if isinstance(g, str) and g}
        if len(grades) > 1 or bool(group[border].fillna(False).astype(bool).any()):
            disputed.add(str(case))
    return sorted(disputed)


def make_reference(study_dir: str | Path, reader: str) -> Study:
    """Make ``reader`` the study's reference (reading once) unless it has another one."""
    from ho_annotate.study.create import _check_names

    _check_names([reader], None)

    def change(study: Study) -> Study:
        if study.reference not in (None, reader):
            raise HoAnnotateError(
                f"this study's reference reader is {study.reference}; adjudicate as "
                f"{study.reference}"
            )
        if reader in study.readers:
            raise HoAnnotateError(f"{reader} is a reader of this study; adjudicate as another")
        if study.reference is None:
            labels = sorted(c.case for c in study.cases)
            study.reference = reader
            study.orders[reader] = [reader_order(study.seed, reader, 1, labels)]
        return study

    return update_study(study_dir, change)
