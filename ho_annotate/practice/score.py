"""Score many compared cases: accuracy, quadratic-weighted kappa and a confusion table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

import msgspec

from ho_annotate.agreement.cohen import pair_agreement
from ho_annotate.grading.registry import grade_order
from ho_annotate.practice.compare import CaseComparison, SideComparison

#: Confusion-table column for hips the student left without a grade.
NO_ANSWER: Final = "none"


class ScoreSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A summary over the scored hips of many cases."""

    scheme: str
    cases: int
    #: Hips the reference grades (the denominator of ``accuracy``).
    hips: int
    right: int
    wrong: int
    no_grade: int
    not_read: int
    #: ``right / hips``: an unanswered hip counts as not right. ``None`` with no hips.
    accuracy: float | None
    #: Quadratic-weighted Cohen's kappa over hips where both gave a grade; ``None`` when it is
    #: undefined (fewer than two such hips, or a single grade on both sides).
    kappa_quadratic: float | None
    #: Hips where both gave a grade (the kappa's sample).
    kappa_hips: int
    mean_abs_gap_diff_mm: float | None
    matched: int
    missed: int
    extra: int
    grades: list[str]
    #: ``confusion[reference grade][student grade or "none"] = count``.
    confusion: dict[str, dict[str, int]]


def _kappa(pairs: Sequence[tuple[str, str]], labels: Sequence[str]) -> float | None:
    if len(pairs) < 2:
        return None
    ref, stu = zip(*pairs, strict=True)
    value = pair_agreement(ref, stu, labels).kappa_quadratic
    return None if math.isnan(value) else round(value, 4)


def summarize(comparisons: Sequence[CaseComparison], scheme: str = "brooker") -> ScoreSummary:
    """Accuracy, kappa, gap error and a per-grade confusion table over ``comparisons``."""
    hips: list[SideComparison] = [
        s for c in comparisons for s in c.sides.values() if s.scored and c.scheme == scheme
    ]
    seen = {s.reference_grade for s in hips if s.reference_grade is not None}
    seen |= {s.student_grade for s in hips if s.student_grade is not None}
    order = grade_order(scheme, seen)
    confusion = {g: dict.fromkeys((*order, NO_ANSWER), 0) for g in order}
    pairs: list[tuple[str, str]] = []
    for s in hips:
        assert s.reference_grade is not None  # scored hips have a reference grade
        confusion[s.reference_grade][s.student_grade or NO_ANSWER] += 1
        if s.student_grade is not None:
            pairs.append((s.reference_grade, s.student_grade))
    count = {o: sum(s.outcome == o for s in hips) for o in ("right", "wrong", "no grade")}
    gap_diffs = [abs(s.gap_diff_mm) for s in hips if s.gap_diff_mm is not None]
    return ScoreSummary(
        scheme=scheme,
        cases=len(comparisons),
        hips=len(hips),
        right=count["right"],
        wrong=count["wrong"],
        no_grade=count["no grade"],
        not_read=sum(s.outcome == "not read" for s in hips),
        accuracy=round(count["right"] / len(hips), 4) if hips else None,
        kappa_quadratic=_kappa(pairs, order),
        kappa_hips=len(pairs),
        mean_abs_gap_diff_mm=round(sum(gap_diffs) / len(gap_diffs), 2) if gap_diffs else None,
        matched=sum(len(s.matched) for s in hips),
        missed=sum(len(s.missed) for s in hips),
        extra=sum(len(s.extra) for s in hips),
        grades=list(order),
        confusion=confusion,
    )


def format_confusion(summary: ScoreSummary) -> str:
    """The confusion table as fixed-width text (rows: reference, columns: student)."""
    cols = [*summary.grades, NO_ANSWER]
    width = max(5, *(len(c) for c in cols))
    head = "ref \\ you".ljust(10) + "".join(c.rjust(width + 1) for c in cols)
    lines = [head]
    for g in summary.grades:
        row = summary.confusion[g]
        lines.append(g.ljust(10) + "".join(str(row[c]).rjust(width + 1) for c in cols))
    return "\n".join(lines)


def format_summary(summary: ScoreSummary) -> str:
    """Two short lines: the score, then kappa and gap error."""
    acc = f"{summary.accuracy:.0%}" if summary.accuracy is not None else "n/a"
    kappa = f"{summary.kappa_quadratic:.2f}" if summary.kappa_quadratic is not None else "n/a"
    gap = (
        f"{summary.mean_abs_gap_diff_mm:.1f} mm"
        if summary.mean_abs_gap_diff_mm is not None
        else "n/a"
    )
    return (
        f"{summary.right} of {summary.hips} hips right ({acc}); {summary.wrong} wrong, "
        f"{summary.no_grade} without a grade, {summary.not_read} not read.\n"
        f"Quadratic-weighted kappa {kappa} over {summary.kappa_hips} hips; "
        f"mean gap difference {gap}; shapes matched {summary.matched}, "
        f"missed {summary.missed}, extra {summary.extra}."
    )
