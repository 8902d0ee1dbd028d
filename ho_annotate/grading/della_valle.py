"""Della Valle modified Brooker (J Arthroplasty 2002): A, B, C.

A: no HO, or islands under 1 cm long; B: islands of at least 1 cm, or spurs leaving at least
1 cm; C: spurs leaving under 1 cm, or ankylosis. Island length is the maximum Feret diameter.
"""

from __future__ import annotations

from ho_annotate.grading.common import (
    Finding,
    SideContext,
    bony_findings,
    borderline_warning,
    combine,
    reading_result,
    threshold_phrase,
)
from ho_annotate.grading.results import SideResult, need
from ho_annotate.grading.rules import decide
from ho_annotate.grading.scheme import Scheme


def _island_finding(ctx: SideContext) -> Finding:
    m = ctx.measurements
    island = m.largest_island
    assert island is not None
    n = len(m.islands)
    which = "the island" if n == 1 else f"the longest of {n} islands"
    if not island.in_mm or ctx.spacing is None:
        return Finding(
            ("A", "B"),
            f"{which} cannot be measured in mm without a pixel spacing, so grade A cannot be "
            "told from B",
            (need("calibration"),),
        )
    measurement = ctx.measurement_mm((island.item_id,))
    decision = decide(island.length, ctx.spacing, island.step_mm, measurement_mm=measurement)
    why = f"{which} is {decision.measured_mm:.1f} mm long" + threshold_phrase(decision, "length")
    if decision.at_least is None:
        return Finding(("A", "B"), why, (need("calibration"),))
    warnings = (
        (borderline_warning(ctx, "island length", measurement, island.step_mm),)
        if decision.borderline
        else ()
    )
    return Finding(
        ("B" if decision.at_least else "A",),
        why,
        (),
        decision.borderline,
        None,
        warnings,
        decision.band_mm,
    )


class DellaValle(Scheme):
    name = "della-valle"
    title = "Della Valle modified Brooker (2002)"
    short_title = "Della Valle"
    grades = ("A", "B", "C")

    def grade_side(self, ctx: SideContext) -> SideResult:
        early = reading_result(ctx, "A", "Grade")
        if early is not None:
            return early
        findings = bony_findings(ctx, "C", "C", "B", "grade B cannot be told from C")
        if ctx.measurements.islands:
            findings.append(_island_finding(ctx))
        return combine(ctx, findings, self.grades, "Grade")


SCHEME = DellaValle()
