"""Grading: from measured annotations to a grade per hip, with the reason and what is missing.

``grade(aset, header_spacing, scheme="brooker")`` is the entry point; ``Grader`` keeps geometry
between calls for live regrading. Schemes are found by name (``schemes()``), built in or added
by other packages through the entry-point group ``ho_annotate.schemes``.
"""

from ho_annotate.grading.common import Finding, SideContext
from ho_annotate.grading.engine import Grader, grade
from ho_annotate.grading.provenance import (
    READER_CLICK_UNCERTAINTY_MM,
    Made,
    Provenance,
    measurement_uncertainty,
)
from ho_annotate.grading.registry import (
    ENTRY_POINT_GROUP,
    SchemeError,
    get_scheme,
    register_scheme,
    schemes,
)
from ho_annotate.grading.results import NEEDS, GradeReport, Need, SideResult
from ho_annotate.grading.rules import THRESHOLD_MM, Decision, decide
from ho_annotate.grading.scheme import Scheme

__all__ = [
    "ENTRY_POINT_GROUP",
    "NEEDS",
    "READER_CLICK_UNCERTAINTY_MM",
    "THRESHOLD_MM",
    "Decision",
    "Finding",
    "GradeReport",
    "Grader",
    "Made",
    "Need",
    "Provenance",
    "Scheme",
    "SchemeError",
    "SideContext",
    "SideResult",
    "decide",
    "get_scheme",
    "grade",
    "measurement_uncertainty",
    "register_scheme",
    "schemes",
]
