"""The decision in brief: what the top of the summary says before any detail.

A busy clinician reads three lines without scrolling: the verdict, the one-line reason for
it, and what happens first (the earliest start, the plan's first step, or the review). The
findings, the plan and the reference material follow below on the page; this module only
picks and words what goes on top, from the same result the details come from.
"""

from __future__ import annotations

from dataclasses import dataclass

from .findings import surgery_stop_row
from .medications import LineKind, MedicationReading
from .model import SEVERITY_RANK, DosePlan, Finding, ScreeningResult, Severity, Verdict
from .units import fmt_date, fmt_mg, fmt_ml
from .wording import ELIGIBLE_REASON, NO_PLAN_STEP, STEP_LABELS  # per-verdict words

# The severities that decide a verdict (engine.verdict_for): a finding of one of these is
# never folded away on the summary.
DECIDING_SEVERITIES: frozenset[Severity] = frozenset(
    {Severity.STOP, Severity.WAIT, Severity.REVIEW}
)


@dataclass(frozen=True, slots=True)
class Decision:
    """The top of the summary: why this verdict, and what happens first."""

    reason: str  # one line
    step_label: str  # "First step", "Earliest start" or "Next step"
    step: str
    deciding: tuple[Finding, ...]  # the findings that set the verdict (never folded away)


def deciding_findings(result: ScreeningResult) -> tuple[Finding, ...]:
    """The findings of the most severe rank, which alone set the verdict (none if eligible)."""
    ranks = [
        SEVERITY_RANK[f.severity] for f in result.findings if f.severity in DECIDING_SEVERITIES
    ]
    if not ranks:
        return ()
    worst = min(ranks)
    return tuple(f for f in result.findings if SEVERITY_RANK[f.severity] == worst)


def _more(count: int, noun: str) -> str:
    return f"{count} more {noun}{'' if count == 1 else 's'}"


def _reason(result: ScreeningResult, deciding: tuple[Finding, ...]) -> str:
    if not deciding:
        others = len(result.findings)
        if others:
            return f"{ELIGIBLE_REASON} {others} finding{'' if others == 1 else 's'} to note below."
        return ELIGIBLE_REASON
    first = deciding[0].summary
    rest = len(deciding) - 1
    if not rest:
        return first
    # Summaries end with a full stop, or an ellipsis when a quoted chart line was clipped.
    stop = "" if first.endswith((".", "…")) else "."
    return f"{first}{stop} {_more(rest, 'reason').capitalize()} below."


def _first_dose(plan: DosePlan, *, dated: bool = True) -> str:
    step = plan.steps[0]
    volume = (
        f" ({fmt_ml(step.volume_ml)} of the {plan.liquid_mg_per_ml:g} mg/mL liquid)"
        if step.volume_ml is not None and plan.liquid_mg_per_ml
        else ""
    )
    when = f" from {fmt_date(step.starts_on)}" if dated else ""
    return f"{fmt_mg(step.dose_mg)}{volume} once a day{when}"


def _step(result: ScreeningResult, deciding: tuple[Finding, ...]) -> str:
    plan = result.dose_plan
    verdict = result.verdict
    if plan is None or verdict is Verdict.DO_NOT_START:
        return NO_PLAN_STEP[verdict]
    stop = plan.surgery_stop
    if stop is not None and stop.last_dose_on is None:
        # The operation comes before the first dose: there is no first step to take yet.
        return surgery_stop_row(stop)
    if verdict is Verdict.NOT_YET:
        return (
            f"{fmt_date(plan.steps[0].starts_on)}, if the patient takes no opioids before then; "
            f"first step {_first_dose(plan, dated=False)}."
        )
    dose = _first_dose(plan)
    if verdict is Verdict.REVIEW:
        count = len(deciding)
        which = "the finding" if count == 1 else f"the {count} findings"
        return f"A prescriber reviews {which} below. Only if they approve: {dose}."
    return f"{dose}; review on {fmt_date(plan.review_on)}."


# Lines the clinician must look at: opioids in any context, naltrexone itself, a medicine
# usually prescribed with an opioid, and anything the reader could not recognise.
_ATTENTION_KINDS = frozenset({LineKind.OPIOID, LineKind.OPIOID_LIKE, LineKind.NALTREXONE})


def medication_reading_needs_attention(reading: MedicationReading) -> bool:
    """Whether the summary must show the medication reading open rather than folded.

    Only a list of plainly recognised, non-opioid lines is reference material; anything that
    raised, or could raise, a finding stays in view."""
    return any(
        line.kind in _ATTENTION_KINDS
        or (line.kind is LineKind.UNRECOGNISED and not line.confirmed)
        or line.names_opioid
        or line.opioid_indicator
        or line.peripheral_opioid
        or line.naloxone
        for line in reading.lines
    )


def decision(result: ScreeningResult) -> Decision:
    """What the summary shows first, worded from ``result`` alone."""
    deciding = deciding_findings(result)
    return Decision(
        reason=_reason(result, deciding),
        step_label=STEP_LABELS[result.verdict],
        step=_step(result, deciding),
        deciding=deciding,
    )
