"""The plain-text note a clinician pastes into the chart."""

from __future__ import annotations

import datetime as dt

from .findings import NALTREXONE_NOW_TOPIC, surgery_stop_row
from .medication_wording import describe_line
from .medications import LineKind
from .model import ScreeningResult
from .units import fmt_date, fmt_mg, fmt_ml
from .wording import plan_wording, verdict_title


def chart_note(
    result: ScreeningResult,
    settings_version: int,
    version_date: dt.date,
    screened_on: dt.date,
    baseline_pain_nrs: int | None = None,
) -> str:
    lines = [
        f"LDN screening ({fmt_date(screened_on)}): {verdict_title(result)}.",
        f"Settings version {settings_version} of {fmt_date(version_date)}.",
    ]
    if baseline_pain_nrs is not None:
        # The follow-up visit asks for it to judge the response.
        lines.append(f"Baseline pain (average, past week): {baseline_pain_nrs} out of 10.")
    if result.findings:
        lines.append("Findings:")
        lines += [
            f"- [{f.severity.value.upper()}] {f.summary} (Source: {f.source.label})"
            for f in result.findings
        ]
    else:
        lines.append("Findings: none.")
    # The structured duplicate-therapy answer is recorded even when it raised nothing.
    lines += [f"{c.topic}: {c.outcome}." for c in result.checks if c.topic == NALTREXONE_NOW_TOPIC]
    reading = result.medication_reading
    for heading, kinds in (
        ("Medication list, opioid lines:", (LineKind.OPIOID, LineKind.OPIOID_LIKE)),
        ("Medication list, stopped opioid lines:", (LineKind.STOPPED,)),
        ("Medication list, lines not recognised:", (LineKind.UNRECOGNISED,)),
    ):
        shown = [
            r for r in reading.of_kind(*kinds) if kinds != (LineKind.STOPPED,) or r.names_opioid
        ]
        if shown:
            lines.append(heading)
            lines += [f"- {describe_line(r)}" for r in shown]
    confirmed = [r for r in reading.lines if r.confirmed]
    if confirmed:
        lines.append("Confirmed by the clinician as not opioids:")
        lines += [f"- line {r.line_no}: {r.text}" for r in confirmed]
    plan = result.dose_plan
    wording = plan_wording(result)
    if plan is not None:
        lines.append(wording.chart_text)
        if result.schedule_override:
            lines.append(result.schedule_override)
        if plan.surgery_stop is not None:
            lines.append(surgery_stop_row(plan.surgery_stop))
        for step in plan.steps:
            volume = f" = {fmt_ml(step.volume_ml)}" if step.volume_ml is not None else ""
            lines.append(f"- from {fmt_date(step.starts_on)}: {fmt_mg(step.dose_mg)}{volume}")
        lines.append(
            f"Review on {fmt_date(plan.review_on)} ({plan.review_weeks} weeks on the target dose); "
            f"response = at least {plan.responder_pct}% less pain."
        )
    # Never "counselled on": the note is written before the conversation, and a review or a
    # "do not start" must not read as if LDN had been started.
    lines.append(wording.chart_counselling)
    return "\n".join(lines)
