"""Compare a student's reading of one radiograph with the reference reading.

Per hip: the grade right or wrong, the gap difference in mm, which islands, spurs and bridges
the student missed or drew extra (matched one to one by polygon overlap), and the sentence the
grading engine gives for the reference grade.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final, Literal

import msgspec
import numpy as np
import shapely
from scipy.optimize import linear_sum_assignment
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from ho_annotate.annotations.model import SIDES, AnnotationSet, Item, ReadingStatus, Side, Spacing
from ho_annotate.errors import HoAnnotateError, SidecarError
from ho_annotate.grading import THRESHOLD_MM, get_scheme, grade
from ho_annotate.grading.results import SideResult

#: Kinds matched between student and reference (closed polygons that are HO findings).
MATCHED_KINDS: Final[tuple[str, ...]] = ("island", "spur", "bridge")
DEFAULT_IOU: Final = 0.3
#: Half-width (mm) of the teaching band around 10 mm: a reference gap within it is called out as
#: borderline, a value on which experienced readers' own measurements disagree.
TEACHING_BAND_MM: Final = 1.0

#: ``right``/``wrong``: the student gave a grade; ``no grade``: the student's annotations give
#: none (a measurement is missing); ``not read``: the student said nothing about the hip;
#: ``no reference``: the reference itself has no grade here, so the hip is not scored.
Outcome = Literal["right", "wrong", "no grade", "not read", "no reference"]
GradeSource = Literal["picked", "annotations"]


class ShapeRef(msgspec.Struct, frozen=True):
    """One drawn shape, by kind and item id."""

    kind: str
    id: str


class ShapeMatch(msgspec.Struct, frozen=True):
    """A student shape paired with a reference shape, and their overlap."""

    kind: str
    reference_id: str
    student_id: str
    iou: float


class SideComparison(msgspec.Struct, frozen=True, kw_only=True):
    """The comparison of one hip."""

    side: Side
    outcome: Outcome
    reference_grade: str | None
    student_grade: str | None
    #: Where the student's grade came from: picked by hand, or derived from their annotations.
    student_grade_source: GradeSource | None
    reference_status: ReadingStatus
    student_status: ReadingStatus
    reference_gap_mm: float | None
    student_gap_mm: float | None
    #: Student minus reference, in mm, when both have a gap.
    gap_diff_mm: float | None
    matched: list[ShapeMatch]
    missed: list[ShapeRef]
    extra: list[ShapeRef]
    #: Why the reference grade is what it is (the grading engine's sentence).
    reason: str
    #: One line for the student: their answer against the reference.
    feedback: str
    #: The reference gap is within ``TEACHING_BAND_MM`` of 10 mm (or the engine flags it).
    borderline: bool = False

    @property
    def scored(self) -> bool:
        """True when the hip counts in the score (the reference has a grade)."""
        return self.outcome != "no reference"


class CaseComparison(msgspec.Struct, frozen=True, kw_only=True):
    """The comparison of one radiograph, both hips."""

    case: str
    sop_instance_uid: str
    scheme: str
    sides: dict[str, SideComparison]


def _polygon(item: Item) -> BaseGeometry:
    """The item's outline (valid, possibly empty).

    Pixel coordinates are fine: IoU is a ratio of areas, unchanged by any scaling of the axes.
    """
    if len(item.points) < 3:
        return Polygon()
    poly = Polygon(item.points)
    return poly if poly.is_valid else shapely.make_valid(poly)


def _iou(a: BaseGeometry, b: BaseGeometry) -> float:
    if a.is_empty or b.is_empty:
        return 0.0
    union = a.union(b).area
    return float(a.intersection(b).area / union) if union > 0 else 0.0


def match_shapes(
    student: Sequence[Item],
    reference: Sequence[Item],
    *,
    iou_threshold: float = DEFAULT_IOU,
) -> tuple[list[ShapeMatch], list[ShapeRef], list[ShapeRef]]:
    """Pair shapes of the same kind one to one, maximising total overlap.

    Returns ``(matched, missed, extra)``: pairs with IoU >= ``iou_threshold``, reference shapes
    left without a partner, and student shapes left without one.
    """
    matched: list[ShapeMatch] = []
    missed: list[ShapeRef] = []
    extra: list[ShapeRef] = []
    for kind in MATCHED_KINDS:
        ref = [i for i in reference if i.kind == kind]
        stu = [i for i in student if i.kind == kind]
        paired_ref: set[int] = set()
        paired_stu: set[int] = set()
        if ref and stu:
            ref_geo = [_polygon(i) for i in ref]
            stu_geo = [_polygon(i) for i in stu]
            iou = np.array([[_iou(r, s) for s in stu_geo] for r in ref_geo])
            # Pairs under the threshold weigh nothing, so they never displace a valid pair.
            weight = np.where(iou >= iou_threshold, iou, 0.0)
            rows, cols = linear_sum_assignment(weight, maximize=True)
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                if iou[r, c] >= iou_threshold:
                    matched.append(
                        ShapeMatch(kind, ref[r].id, stu[c].id, round(float(iou[r, c]), 3))
                    )
                    paired_ref.add(r)
                    paired_stu.add(c)
        missed += [ShapeRef(kind, i.id) for n, i in enumerate(ref) if n not in paired_ref]
        extra += [ShapeRef(kind, i.id) for n, i in enumerate(stu) if n not in paired_stu]
    return matched, missed, extra


def _count_phrase(refs: Sequence[ShapeRef]) -> str:
    parts = []
    for kind in MATCHED_KINDS:
        n = sum(r.kind == kind for r in refs)
        if n:
            parts.append(f"{n} {kind}{'s' if n > 1 else ''}")
    return ", ".join(parts)


def _feedback(
    outcome: Outcome,
    student_grade: str | None,
    reference_grade: str | None,
    gap_diff: float | None,
    missed: Sequence[ShapeRef],
    extra: Sequence[ShapeRef],
    student_needs: str,
    borderline_gap: float | None = None,
) -> str:
    if outcome == "no reference":
        head = "The reference gives no grade for this hip, so it is not scored"
    elif outcome == "right":
        head = f"Correct: you and the reference both say {student_grade}"
    elif outcome == "wrong":
        head = f"Wrong: you said {student_grade}, the reference says {reference_grade}"
    elif outcome == "not read":
        head = f"Not answered: the reference is {reference_grade}"
    else:
        need = f" ({student_needs})" if student_needs else ""
        head = f"Your annotations give no grade{need}; the reference is {reference_grade}"
    bits = [head]
    if gap_diff is not None:
        bits.append(_gap_phrase(gap_diff))
    if borderline_gap is not None:
        bits.append(
            f"the reference gap of {borderline_gap:.1f} mm is borderline: experts disagree "
            f"within this band ({THRESHOLD_MM:g} \u00b1 {TEACHING_BAND_MM:g} mm)"
        )
    if missed:
        bits.append(f"missed {_count_phrase(missed)}")
    if extra:
        bits.append(f"extra {_count_phrase(extra)}")
    return "; ".join(bits) + "."


def _gap_phrase(gap_diff: float) -> str:
    if abs(gap_diff) < 0.05:
        return "your gap equals the reference's"
    longer = "longer" if gap_diff > 0 else "shorter"
    return f"your gap is {abs(gap_diff):.1f} mm {longer} than the reference's"


def _borderline(result: SideResult) -> bool:
    gap = result.gap_mm
    near = gap is not None and abs(gap - THRESHOLD_MM) <= TEACHING_BAND_MM
    return near or (gap is not None and result.borderline)


def _outcome(
    reference_grade: str | None, student_grade: str | None, student_status: ReadingStatus
) -> Outcome:
    if reference_grade is None:
        return "no reference"
    if student_grade is not None:
        return "right" if student_grade == reference_grade else "wrong"
    return "not read" if student_status == "not read" else "no grade"


def compare_case(
    student: AnnotationSet | None,
    reference: AnnotationSet,
    header_spacing: Spacing | None,
    *,
    picked: Mapping[Side, str | None] | None = None,
    scheme: str = "brooker",
    iou_threshold: float = DEFAULT_IOU,
    case: str = "",
) -> CaseComparison:
    """Compare a student's reading with the reference reading of the same radiograph.

    ``student`` may be ``None`` (nothing drawn). A grade in ``picked`` is the student's stated
    answer for that hip and wins over the grade their annotations give. Both readings are
    graded with ``header_spacing`` and their own manual calibration, if any.
    """
    if student is not None and student.sop_instance_uid != reference.sop_instance_uid:
        raise SidecarError(
            f"the student reading of {case or 'this case'} belongs to image "
            f"{student.sop_instance_uid}, the reference to {reference.sop_instance_uid}: "
            "compare readings of the same radiograph"
        )
    picked = picked or {}
    grades = get_scheme(scheme).grades
    for side, answer in picked.items():
        if answer is not None and answer not in grades:
            raise HoAnnotateError(
                f"{side} hip: {answer!r} is not a {scheme} grade; pick one of {', '.join(grades)}"
            )
    ref_report = grade(reference, header_spacing, scheme=scheme)
    stu_report = grade(student, header_spacing, scheme=scheme) if student is not None else None
    sides: dict[str, SideComparison] = {}
    for side in SIDES:
        ref = ref_report.sides[side]
        stu = stu_report.sides[side] if stu_report is not None else None
        stu_status: ReadingStatus = student.status(side) if student is not None else "not read"
        source: GradeSource | None = None
        stu_grade = picked.get(side)
        if stu_grade is not None:
            source = "picked"
        elif stu is not None and stu.grade is not None:
            stu_grade, source = stu.grade, "annotations"
        stu_gap = stu.gap_mm if stu is not None else None
        gap_diff = (
            round(stu_gap - ref.gap_mm, 1)
            if stu_gap is not None and ref.gap_mm is not None
            else None
        )
        matched, missed, extra = match_shapes(
            student.items_on(side) if student is not None else [],
            reference.items_on(side),
            iou_threshold=iou_threshold,
        )
        outcome = _outcome(ref.grade, stu_grade, stu_status)
        needs = "; ".join(n.message for n in stu.needs) if stu is not None else ""
        borderline = _borderline(ref)
        sides[side] = SideComparison(
            side=side,
            outcome=outcome,
            reference_grade=ref.grade,
            student_grade=stu_grade,
            student_grade_source=source,
            reference_status=reference.status(side),
            student_status=stu_status,
            reference_gap_mm=ref.gap_mm,
            student_gap_mm=stu_gap,
            gap_diff_mm=gap_diff,
            matched=matched,
            missed=missed,
            extra=extra,
            reason=ref.reason,
            feedback=_feedback(
                outcome,
                stu_grade,
                ref.grade,
                gap_diff,
                missed,
                extra,
                needs,
                ref.gap_mm if borderline else None,
            ),
            borderline=borderline,
        )
    return CaseComparison(
        case=case or reference.image_file or reference.sop_instance_uid,
        sop_instance_uid=reference.sop_instance_uid,
        scheme=scheme,
        sides=sides,
    )
