"""Practice mode: students grade radiographs, the tool compares with a reference and explains.

- :mod:`ho_annotate.practice.compare`: one case, student against reference, per hip.
- :mod:`ho_annotate.practice.score`: a summary over many cases (accuracy, kappa, confusion).
- :mod:`ho_annotate.practice.sets`: practice sets, neutral presentation and the practice-run file.
"""

from ho_annotate.grading.registry import grade_order
from ho_annotate.practice.compare import (
    CaseComparison,
    ShapeMatch,
    ShapeRef,
    SideComparison,
    compare_case,
    match_shapes,
)
from ho_annotate.practice.score import ScoreSummary, summarize

__all__ = [
    "CaseComparison",
    "ScoreSummary",
    "ShapeMatch",
    "ShapeRef",
    "SideComparison",
    "compare_case",
    "grade_order",
    "match_shapes",
    "summarize",
]
