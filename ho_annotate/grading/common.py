"""Building blocks the schemes share: the reading status, the spur gap, combining findings."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ho_annotate.annotations.model import ReadingStatus, Side, Spacing
from ho_annotate.grading.provenance import Provenance, measurement_uncertainty
from ho_annotate.grading.results import Need, SideResult, need
from ho_annotate.grading.rules import (
    MAGNIFICATION,
    UNCORRECTED_KINDS,
    Decision,
    decide,
    uncertainty,
)
from ho_annotate.measurement.hips import Gap, SideMeasurements


@dataclass(frozen=True)
class SideContext:
    """Everything a scheme may look at for one hip."""

    side: Side
    status: ReadingStatus
    not_assessable_reason: str | None
    measurements: SideMeasurements
    spacing: Spacing | None
    warnings: tuple[str, ...] = ()
    #: How items were made and how well they measure, by item id (see ``provenance``).
    provenance: Mapping[str, Provenance] = field(default_factory=dict)

    def measurement_mm(self, item_ids: Sequence[str]) -> float | None:
        """The measurement uncertainty (mm) of something measured from ``item_ids``."""
        return measurement_uncertainty(item_ids, self.provenance)


@dataclass(frozen=True)
class Finding:
    """What one kind of evidence allows: the grades still possible and why."""

    possible: tuple[str, ...]
    why: str
    needs: tuple[Need, ...] = ()
    borderline: bool = False
    gap: Gap | None = None
    warnings: tuple[str, ...] = ()
    band_mm: float | None = None


def make_result(
    ctx: SideContext,
    grade: str | None,
    reason: str,
    *,
    needs: Sequence[Need] = (),
    borderline: bool = False,
    decisive: Gap | None = None,
    warnings: Sequence[str] = (),
    band_mm: float | None = None,
) -> SideResult:
    m = ctx.measurements
    largest = m.largest_island
    return SideResult(
        side=ctx.side,
        status=ctx.status,
        grade=grade,
        reason=reason,
        needs=tuple(needs),
        borderline=borderline,
        warnings=(*ctx.warnings, *warnings),
        decisive=decisive,
        band_mm=band_mm,
        auto_gap=m.auto_gap,
        island_count=len(m.islands),
        largest_island_mm=largest.length if largest is not None and largest.in_mm else None,
        spacing_kind=ctx.spacing.kind if ctx.spacing is not None else None,
        spacing_source=ctx.spacing.source if ctx.spacing is not None else "",
    )


def reading_result(ctx: SideContext, zero: str, word: str) -> SideResult | None:
    """The result for a hip that is not annotated (not read, no HO, not assessable)."""
    if ctx.status == "not assessable":
        return make_result(
            ctx, None, f"No grade: the hip is not assessable ({ctx.not_assessable_reason})."
        )
    if ctx.status == "not read":
        return make_result(
            ctx,
            None,
            "No grade: nobody has read this hip yet (no HO needs the reader's confirmation).",
            needs=[need("reading")],
        )
    if ctx.status == "no HO":
        return make_result(ctx, zero, f"{word} {zero}: the reader confirmed no HO on this hip.")
    return None


def _gap_phrase(gap: Gap, value: float, at_least: bool | None) -> str:
    if gap.source == "reader":
        return f"the reader's gap line measures {value:.1f} mm"
    a, b = gap.between
    if at_least:
        return f"the {a} stays {value:.1f} mm clear of the {b}"
    return f"the {a} comes within {value:.1f} mm of the {b}"


def threshold_phrase(decision: Decision, noun: str) -> str:
    """The tail of a sentence: the true range for uncorrected spacing, then the verdict."""
    text = ""
    if decision.true_range_mm is not None:
        lo, hi = decision.true_range_mm
        mag = f"{round((MAGNIFICATION[0] - 1) * 100)}-{round((MAGNIFICATION[1] - 1) * 100)} %"
        text = (
            f" at the detector (spacing not corrected for magnification); allowing {mag} "
            f"magnification the true {noun} is {lo:.1f}-{hi:.1f} mm"
        )
    if decision.at_least is None:
        return text + ", which may be on either side of 1 cm"
    return text + (", at least 1 cm" if decision.at_least else ", under 1 cm")


def _measurement_phrase(measurement_mm: float | None, step_mm: float | None) -> str:
    if measurement_mm is None or measurement_mm <= (step_mm or 0.0):
        return "one pixel"
    return f"{measurement_mm:.1f} mm of measurement uncertainty"


def borderline_warning(
    ctx: SideContext,
    what: str,
    measurement_mm: float | None = None,
    step_mm: float | None = None,
) -> str:
    """The warning for a borderline value; ``measurement_mm`` is the item's own uncertainty."""
    spacing = ctx.spacing
    measured = _measurement_phrase(measurement_mm, step_mm)
    if spacing is not None and spacing.kind not in UNCORRECTED_KINDS:
        spread = f"±{uncertainty(spacing) * 100:.2g} % ({spacing.kind}) and {measured}"
        return f"Borderline: the {what} is within {spread} of 1 cm; check it."
    return (
        f"Borderline: the range of the true {what} comes within {measured} of 1 cm; "
        "calibrate to be sure."
    )


def disagreement_warnings(ctx: SideContext, gap: Gap, band_mm: float | None) -> list[str]:
    """A reader's line that differs from the automatic gap, or from its own snapped version,
    by more than the borderline band: the reader and the image disagree."""
    if gap.source != "reader" or gap.mm is None or band_mm is None:
        return []
    out = []
    auto = ctx.measurements.auto_gap
    if auto is not None and auto.mm is not None and abs(gap.mm - auto.mm) > band_mm:
        a, b = auto.between
        out.append(
            f"The reader's gap line ({gap.mm:.1f} mm) differs from the automatic gap between "
            f"the {a} and the {b} ({auto.mm:.1f} mm) by more than the borderline band "
            f"(±{band_mm:.1f} mm); check the line and the outlines."
        )
    for item_id in gap.item_ids:
        p = ctx.provenance.get(item_id)
        if p is not None and p.snapped_mm is not None and abs(gap.mm - p.snapped_mm) > band_mm:
            out.append(
                f"The reader's gap line ({gap.mm:.1f} mm) differs from its version snapped to "
                f"the bone edges ({p.snapped_mm:.1f} mm) by more than the borderline band "
                f"(±{band_mm:.1f} mm); check where its ends lie."
            )
    return out


def spur_finding(ctx: SideContext, under: str, at_least: str, tell_apart: str) -> Finding:
    """Spurs: the decisive gap against 1 cm (``under`` / ``at_least`` are the grades)."""
    m = ctx.measurements
    both = (at_least, under)
    if m.contacts:
        c = m.contacts[0]
        return Finding(
            both,
            f"the {c.between[0]} touches the {c.between[1]} on the image, which can be "
            "overlap in projection rather than fusion",
            (need("confirm_ankylosis"),),
        )
    gap = m.decisive_gap
    if gap is None:
        return Finding(
            both,
            "spurs are present but no gap was measured: there is no gap line and no opposing "
            "spur or bone outline to measure from",
            (need("gap"),),
        )
    if gap.mm is None or ctx.spacing is None:
        return Finding(
            both,
            "spurs are present but the image has no pixel spacing, so the gap cannot be "
            f"measured in mm and {tell_apart}",
            (need("calibration"),),
            gap=gap,
        )
    measurement = ctx.measurement_mm(gap.item_ids)
    decision = decide(gap.mm, ctx.spacing, gap.step_mm, measurement_mm=measurement)
    assert decision.measured_mm is not None
    why = _gap_phrase(gap, decision.measured_mm, decision.at_least) + threshold_phrase(
        decision, "gap"
    )
    disagree = tuple(disagreement_warnings(ctx, gap, decision.band_mm))
    if decision.at_least is None:
        return Finding(
            both, why, (need("calibration"),), gap=gap, warnings=disagree, band_mm=decision.band_mm
        )
    border = (
        (borderline_warning(ctx, "gap", measurement, gap.step_mm),) if decision.borderline else ()
    )
    grade = at_least if decision.at_least else under
    return Finding(
        (grade,), why, (), decision.borderline, gap, (*border, *disagree), decision.band_mm
    )


def bony_findings(
    ctx: SideContext, bridge: str, under: str, at_least: str, tell_apart: str
) -> list[Finding]:
    """The bridge and spur findings every Brooker-like scheme starts from."""
    m = ctx.measurements
    findings: list[Finding] = []
    if m.bridge_ids:
        findings.append(
            Finding((bridge,), "the reader marked a bony bridge across the hip (ankylosis)")
        )
    if m.spur_ids or m.reader_gap is not None:
        findings.append(spur_finding(ctx, under, at_least, tell_apart))
    return findings


def combine(
    ctx: SideContext, findings: Sequence[Finding], grades: Sequence[str], word: str
) -> SideResult:
    """The highest grade the findings allow, or no grade when it depends on what is missing."""
    if not findings:
        return make_result(
            ctx,
            None,
            "No grade: nothing drawn on this hip can be graded (see the warnings).",
            needs=[need("reading")],
        )
    rank = {g: i for i, g in enumerate(grades)}
    outcomes = {
        max(combo, key=rank.__getitem__)
        for combo in itertools.product(*(f.possible for f in findings))
    }
    gap = next((f.gap for f in findings if f.gap is not None), None)
    if len(outcomes) == 1:
        grade = outcomes.pop()
        decider = next(f for f in findings if f.possible == (grade,))
        return make_result(
            ctx,
            grade,
            f"{word} {grade}: {decider.why}.",
            borderline=decider.borderline,
            decisive=decider.gap if decider.gap is not None else gap,
            warnings=decider.warnings,
            band_mm=decider.band_mm,
        )
    open_findings = [f for f in findings if len(f.possible) > 1]
    needs: list[Need] = []
    for f in open_findings:
        needs.extend(n for n in f.needs if n not in needs)
    why = "; ".join(f.why for f in open_findings)
    notes = [w for f in findings for w in f.warnings if w.startswith("The reader's gap line")]
    return make_result(ctx, None, f"No grade: {why}.", needs=needs, decisive=gap, warnings=notes)
