"""``screen(answers, settings)``: run every rule and derive the verdict from the findings."""

from __future__ import annotations

from .counselling import counselling_points, side_effects
from .dosing import build_dose_plan
from .findings import (
    SCHEDULE_REASON_CHOSEN,
    SCHEDULE_REASON_SENSITIVE,
    SCHEDULE_REASON_THYROID,
    make_finding,
    schedule_override_text,
)
from .medications import MedicationReading, read_medication_list
from .model import (
    SEVERITY_RANK,
    Answer,
    DosePlan,
    Finding,
    PatientAnswers,
    Schedule,
    ScreeningResult,
    Severity,
    Verdict,
)
from .opioids import assess_opioids, medication_check
from .safety import assess_safety
from .settings import RuleSettings

_VERDICT_FOR: dict[Severity, Verdict] = {
    Severity.STOP: Verdict.DO_NOT_START,
    Severity.WAIT: Verdict.NOT_YET,
    Severity.REVIEW: Verdict.REVIEW,
}


def verdict_for(findings: tuple[Finding, ...]) -> Verdict:
    """The most severe finding decides; cautions and information do not block a start."""
    worst = min((SEVERITY_RANK[f.severity] for f in findings), default=len(SEVERITY_RANK))
    for severity, verdict in _VERDICT_FOR.items():
        if SEVERITY_RANK[severity] == worst:
            return verdict
    return Verdict.ELIGIBLE


def _schedule(answers: PatientAnswers) -> tuple[Schedule, tuple[str, ...], list[Finding]]:
    reasons: list[str] = []
    findings: list[Finding] = []
    if answers.schedule is Schedule.GENTLE:
        reasons.append(SCHEDULE_REASON_CHOSEN)
    if answers.sensitive_to_medicines is Answer.YES:
        reasons.append(SCHEDULE_REASON_SENSITIVE)
        findings.append(make_finding("sensitive"))
    if answers.thyroid_condition is Answer.YES:
        reasons.append(SCHEDULE_REASON_THYROID)
        findings.append(make_finding("thyroid"))
    schedule = Schedule.GENTLE if reasons else Schedule.STANDARD
    return schedule, tuple(reasons), findings


def overridden_schedule_reasons(answers: PatientAnswers, plan: DosePlan | None) -> tuple[str, ...]:
    """The answers that replaced a chosen standard schedule with the gentle one, if any.

    The clinician's choice is never silently ignored: the summary, the chart note and
    "Answers given" all say so when this is not empty."""
    if plan is None or answers.schedule is not Schedule.STANDARD:
        return ()
    if plan.schedule is not Schedule.GENTLE:
        return ()
    return plan.schedule_reasons


def screen(answers: PatientAnswers, settings: RuleSettings) -> ScreeningResult:
    """Screen one patient. Pure: the same answers and settings always give the same result."""
    reading = (
        read_medication_list(
            answers.medication_list,
            today=answers.assessed_on,
            confirmed_not_opioids=answers.confirmed_not_opioid_lines,
        )
        if answers.medication_list
        else MedicationReading(())
    )
    planned_start = answers.start_on or answers.assessed_on

    opioid = assess_opioids(answers, settings, reading, planned_start)
    schedule, reasons, schedule_findings = _schedule(answers)
    # The plan the patient would follow: from the planned start, or the earliest safe date.
    # Surgery is judged against it, so it is built before the verdict is known.
    plan_start = planned_start
    if opioid.earliest_start_on and opioid.earliest_start_on > plan_start:
        plan_start = opioid.earliest_start_on
    surgery_on = answers.surgery_on if answers.surgery_planned is Answer.YES else None
    tentative = build_dose_plan(
        settings, schedule, answers.formulation, plan_start, reasons, surgery_on
    )
    safety_findings, safety_checks = assess_safety(answers, settings, reading, tentative)

    findings = tuple(
        sorted(
            (*opioid.findings, *safety_findings, *schedule_findings),
            key=lambda f: SEVERITY_RANK[f.severity],
        )
    )
    verdict = verdict_for(findings)

    med_check = medication_check(reading, bool(answers.medication_list.strip()))
    checks = (*opioid.checks, med_check, *safety_checks)

    # Micro-dose protocols are outside what this tool calculates: never a milligram plan.
    ultra_low = opioid.opioid_taken_now and answers.ultra_low_dose_protocol is Answer.YES
    plan = tentative if verdict is not Verdict.DO_NOT_START and not ultra_low else None
    overridden = overridden_schedule_reasons(answers, plan)

    return ScreeningResult(
        verdict=verdict,
        findings=findings,
        checks=checks,
        earliest_start_on=opioid.earliest_start_on,
        dose_plan=plan,
        side_effects=side_effects(),
        counselling=counselling_points(settings),
        medication_reading=reading,
        schedule_override=schedule_override_text(overridden) if overridden else None,
        schedule_override_reasons=overridden,
    )
