"""Brooker classification (J Bone Joint Surg Am 1973) with the project's fixed rules."""

from __future__ import annotations

from ho_annotate.grading.common import (
    Finding,
    SideContext,
    bony_findings,
    combine,
    reading_result,
)
from ho_annotate.grading.results import SideResult
from ho_annotate.grading.scheme import Scheme


class Brooker(Scheme):
    """0 no HO (confirmed), I islands, II spurs leaving >= 1 cm, III < 1 cm, IV bridge."""

    name = "brooker"
    title = "Brooker (1973)"
    short_title = "Brooker"
    grades = ("0", "I", "II", "III", "IV")

    def grade_side(self, ctx: SideContext) -> SideResult:
        early = reading_result(ctx, "0", "Class")
        if early is not None:
            return early
        m = ctx.measurements
        findings = bony_findings(ctx, "IV", "III", "II", "class II cannot be told from III")
        if m.islands:
            n = len(m.islands)
            islands = "an island" if n == 1 else f"{n} islands"
            findings.append(
                Finding(("I",), f"{islands} of bone in the soft tissue, no spur or bridge")
            )
        return combine(ctx, findings, self.grades, "Class")


SCHEME = Brooker()
