"""Grading: from measured annotations to a grade per hip, with the reason and what is missing.

``grade(aset, header_spacing, scheme="brooker")`` is the entry point; ``Grader`` keeps geometry
between calls for live regrading. Schemes are found by name (``schemes()``), built in or added
by other packages through the entry-point group ``ho_annotate.schemes``. The names below load on
first use, so that light modules (``rounding``, ``rules``) import without the measurement stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ho_annotate import _lazy

if TYPE_CHECKING:
    from ho_annotate.grading.common import Finding, SideContext
    from ho_annotate.grading.engine import Grader, grade
    from ho_annotate.grading.provenance import (
        READER_CLICK_UNCERTAINTY_MM,
        Made,
        Provenance,
        measurement_uncertainty,
        stored_provenance,
    )
    from ho_annotate.grading.record import HipRecord, SchemeGrade
    from ho_annotate.grading.registry import (
        ENTRY_POINT_GROUP,
        SchemeError,
        get_scheme,
        grade_order,
        register_scheme,
        schemes,
    )
    from ho_annotate.grading.results import NEEDS, GradeReport, Need, SideResult
    from ho_annotate.grading.rules import THRESHOLD_MM, Decision, decide
    from ho_annotate.grading.scheme import Scheme

_EXPORTS: dict[str, str] = {
    "Decision": "ho_annotate.grading.rules",
    "ENTRY_POINT_GROUP": "ho_annotate.grading.registry",
    "Finding": "ho_annotate.grading.common",
    "GradeReport": "ho_annotate.grading.results",
    "HipRecord": "ho_annotate.grading.record",
    "SchemeGrade": "ho_annotate.grading.record",
    "Grader": "ho_annotate.grading.engine",
    "NEEDS": "ho_annotate.grading.results",
    "READER_CLICK_UNCERTAINTY_MM": "ho_annotate.grading.provenance",
    "Made": "ho_annotate.grading.provenance",
    "Provenance": "ho_annotate.grading.provenance",
    "measurement_uncertainty": "ho_annotate.grading.provenance",
    "stored_provenance": "ho_annotate.grading.provenance",
    "Need": "ho_annotate.grading.results",
    "Scheme": "ho_annotate.grading.scheme",
    "SchemeError": "ho_annotate.grading.registry",
    "SideContext": "ho_annotate.grading.common",
    "SideResult": "ho_annotate.grading.results",
    "THRESHOLD_MM": "ho_annotate.grading.rules",
    "decide": "ho_annotate.grading.rules",
    "get_scheme": "ho_annotate.grading.registry",
    "grade": "ho_annotate.grading.engine",
    "grade_order": "ho_annotate.grading.registry",
    "register_scheme": "ho_annotate.grading.registry",
    "schemes": "ho_annotate.grading.registry",
}

__all__ = [
    "ENTRY_POINT_GROUP",
    "NEEDS",
    "READER_CLICK_UNCERTAINTY_MM",
    "THRESHOLD_MM",
    "Decision",
    "Finding",
    "GradeReport",
    "Grader",
    "HipRecord",
    "Made",
    "Need",
    "Provenance",
    "Scheme",
    "SchemeError",
    "SchemeGrade",
    "SideContext",
    "SideResult",
    "decide",
    "get_scheme",
    "grade",
    "grade_order",
    "measurement_uncertainty",
    "register_scheme",
    "schemes",
    "stored_provenance",
]


__getattr__, __dir__ = _lazy(__name__, _EXPORTS, globals())
