"""The plain-text follow-up note a clinician pastes into the chart."""

from __future__ import annotations

import datetime as dt

from ..units import fmt_date, fmt_mg, fmt_score
from .findings import METHOD_NAMES
from .model import DoseTiming, FollowupAnswers, FollowupResult


def verdict_title(result: FollowupResult) -> str:
    """The page's and the note's title: built with the advice, so the two agree."""
    return result.title


def followup_note(
    answers: FollowupAnswers,
    result: FollowupResult,
    settings_version: int,
    version_date: dt.date,
) -> str:
    response, timing = result.response, result.timing
    time_of_day = "at night" if answers.timing is DoseTiming.NIGHT else "in the morning"
    lines = [
        f"LDN follow-up ({fmt_date(answers.assessed_on)}): {verdict_title(result)}.",
        f"Recommendation: {result.advice.summary} (Source: {result.advice.source.label})",
    ]
    if result.safety_first:
        lines.append(result.advice.clinician_text)
    lines += result.advice_notes
    lines += [
        f"Settings version {settings_version} of {fmt_date(version_date)}.",
        f"Started {fmt_date(answers.started_on)}, {answers.schedule.value} schedule, "
        f"{answers.formulation.value}; now {fmt_mg(answers.current_dose_mg)} a day "
        f"{time_of_day}.",
    ]
    if timing.target_reached_on is None:
        lines.append(
            f"Target dose not reached yet; the response is judged {timing.review_text} after "
            "reaching it."
        )
    else:
        lines.append(
            f"Target dose reached {fmt_date(timing.target_reached_on)}: "
            f"{timing.on_target_text} on it; response judged from {fmt_date(timing.judge_on)}."
        )
    peg_note = ", IMMPACT thresholds used by analogy" if response.method.value == "peg" else ""
    lines.append(
        f"{METHOD_NAMES[response.method.value]}: baseline {fmt_score(response.baseline)}, "
        f"now {fmt_score(response.current)}; {response.points_text}, {response.pct_text}: "
        f"{response.band_words}{peg_note}."
    )
    if result.findings:
        lines.append("Findings:")
        lines += [
            f"- [{f.severity.value.upper()}] {f.summary} (Source: {f.source.label})"
            for f in result.findings
        ]
    if result.new_plan is not None:
        plan = result.new_plan
        lines.append(
            f"New counselling sheet: {plan.schedule.value} schedule from "
            f"{fmt_date(plan.starts_on)}."
        )
    return "\n".join(lines)
