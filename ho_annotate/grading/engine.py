"""Grade an annotation set: measure each hip once, then apply one or more schemes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ho_annotate.annotations.model import SIDES, AnnotationSet, Side, Spacing
from ho_annotate.dicom.sides import side_basis_warning
from ho_annotate.grading.common import SideContext
from ho_annotate.grading.provenance import Provenance, stored_provenance
from ho_annotate.grading.registry import get_scheme
from ho_annotate.grading.results import GradeReport
from ho_annotate.measurement.hips import Measurer


class Grader:
    """Grades one image again and again, reusing geometry of shapes that did not change.

    The live widget keeps one per open image; ``grade`` is the one-shot form.
    """

    def __init__(self) -> None:
        self.measurer = Measurer()

    def grade(
        self,
        aset: AnnotationSet,
        header_spacing: Spacing | None,
        scheme: str = "brooker",
        *,
        provenance: Mapping[str, Provenance] | None = None,
    ) -> GradeReport:
        """Grade both hips; a manual calibration in ``aset`` overrides ``header_spacing``.

        How items were made and how well they measure comes from the items themselves (format
        version 2 fields); ``provenance`` (by item id) overrides it. It widens the borderline
        band by the reader's share (see ``grading.provenance``).
        """
        return self.grade_many(aset, header_spacing, (scheme,), provenance=provenance)[0]

    def grade_many(
        self,
        aset: AnnotationSet,
        header_spacing: Spacing | None,
        schemes: Sequence[str],
        *,
        provenance: Mapping[str, Provenance] | None = None,
    ) -> list[GradeReport]:
        """One report per scheme, in order, from a single measurement of each hip."""
        rules = [get_scheme(name) for name in schemes]
        spacing = aset.effective_spacing(header_spacing)
        measured = self.measurer.measure_all(aset, spacing)
        side_warning = side_basis_warning(aset.side_basis)
        known = {**stored_provenance(aset.items, spacing), **(provenance or {})}
        contexts: dict[Side, SideContext] = {}
        for side in SIDES:
            m = measured[side]
            contexts[side] = SideContext(
                side=side,
                status=aset.status(side),
                not_assessable_reason=aset.hips[side].not_assessable_reason,
                measurements=m,
                spacing=spacing,
                warnings=(*((side_warning,) if side_warning else ()), *m.warnings),
                provenance=known,
            )
        return [
            GradeReport(
                scheme=r.name,
                sop_instance_uid=aset.sop_instance_uid,
                reader=aset.reader,
                spacing_kind=spacing.kind if spacing is not None else None,
                spacing_source=spacing.source if spacing is not None else "",
                sides={side: r.grade_side(ctx) for side, ctx in contexts.items()},
            )
            for r in rules
        ]


def grade(
    aset: AnnotationSet,
    header_spacing: Spacing | None,
    scheme: str = "brooker",
    *,
    provenance: Mapping[str, Provenance] | None = None,
) -> GradeReport:
    """Grade both hips of ``aset`` with ``scheme`` (see ``ho_annotate.grading.schemes()``)."""
    return Grader().grade(aset, header_spacing, scheme, provenance=provenance)
