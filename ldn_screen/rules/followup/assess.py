"""The follow-up decisions: response band, timing, safety first, one recommendation."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from fractions import Fraction

from ..model import SEVERITY_RANK, Answer, Check, Finding, Formulation, Schedule, Severity
from ..settings import DOSE_STEP_MG, RuleSettings
from ..units import fmt_count, fmt_date, fmt_days_away, fmt_mg, fmt_score
from .findings import (
    BANDS_TEXT,
    NO_SHEET_TEXT,
    SAFETY_ALSO_TEXT,
    SAFETY_ORDER,
    SAFETY_TITLE,
    SHEET_RESTART_TEXT,
    SURGERY_LATER_NOTE,
    VERDICT_TITLES,
    make_followup_finding,
    make_recommendation,
)
from .model import (
    SIDE_EFFECT_LABELS,
    SLEEP_EFFECTS,
    DoseTiming,
    FollowupAnswers,
    FollowupResult,
    FollowupVerdict,
    OpioidsSinceStart,
    PainMethod,
    PainResponse,
    PainScore,
    PlanChange,
    Recommendation,
    ReportedSideEffect,
    ResponseBand,
    SideEffectSeverity,
    Timing,
)


def pain_response(baseline: PainScore, current: PainScore, settings: RuleSettings) -> PainResponse:
    """Change from baseline, classified with the IMMPACT thresholds from the settings."""
    base, now = baseline.score, current.score
    points = base - now
    edges = band_edges(settings)
    if base == 0:
        return PainResponse(
            baseline.method, base, now, points, None, ResponseBand.NOT_CALCULABLE, edges
        )
    pct = points / base * 100
    return PainResponse(baseline.method, base, now, points, pct, band_for(pct, settings), edges)


def band_edges(settings: RuleSettings) -> tuple[int, ...]:
    """The percentages where one band ends and the next begins."""
    return (
        settings.responder_pct_minimal,
        settings.responder_pct,
        settings.responder_pct_substantial,
    )


def band_for(pct: Fraction, settings: RuleSettings) -> ResponseBand:
    """The IMMPACT band of an exact percentage (less pain is positive); each edge belongs to
    the band above it."""
    if pct >= settings.responder_pct_substantial:
        return ResponseBand.SUBSTANTIAL
    if pct >= settings.responder_pct:
        return ResponseBand.MODERATE
    if pct >= settings.responder_pct_minimal:
        # IMMPACT names 10-20% minimal and leaves 20-30% unnamed; the gap counts as minimal.
        return ResponseBand.MINIMAL
    return ResponseBand.NONE


def timing(answers: FollowupAnswers, settings: RuleSettings) -> Timing:
    weeks = settings.review_weeks
    review = dt.timedelta(weeks=weeks)
    reached = answers.target_reached_on
    if reached is None:
        # Not on the target yet: the earliest possible date is a full review period from now.
        return Timing(None, 0, answers.assessed_on + review, True, weeks)
    judge_on = reached + review
    days = (answers.assessed_on - reached).days
    return Timing(reached, days, judge_on, answers.assessed_on < judge_on, weeks)


def response_title(verdict: FollowupVerdict, response: PainResponse) -> str:
    """'Partial response (minimal improvement)': the title, and the words the advice uses for
    the response, so the two can never disagree."""
    title = VERDICT_TITLES[verdict.value]
    if verdict in (FollowupVerdict.RESPONDING, FollowupVerdict.PARTIAL):
        return f"{title} ({response.band_words})"
    return title


def _verdict(response: PainResponse, timing_: Timing) -> FollowupVerdict:
    if timing_.too_early:
        return FollowupVerdict.TOO_EARLY
    return {
        ResponseBand.SUBSTANTIAL: FollowupVerdict.RESPONDING,
        ResponseBand.MODERATE: FollowupVerdict.RESPONDING,
        ResponseBand.MINIMAL: FollowupVerdict.PARTIAL,
        ResponseBand.NONE: FollowupVerdict.NOT_RESPONDING,
        ResponseBand.NOT_CALCULABLE: FollowupVerdict.CANNOT_JUDGE,
    }[response.band]


def _effect_list(effects: list[ReportedSideEffect]) -> str:
    return ", ".join(SIDE_EFFECT_LABELS[e.kind].lower() for e in effects)


def _safety(
    answers: FollowupAnswers, settings: RuleSettings, checks: list[Check], params: dict[str, object]
) -> list[Finding]:
    """The safety findings; ``params`` collects what the safety advice quotes (the questions
    not known, the surgery dates)."""
    findings: list[Finding] = []
    not_known: list[str] = []

    def unsure(question: str) -> None:
        not_known.append(question)
        findings.append(make_followup_finding("fu_unsure", question=question))

    opioid_q = "Opioid taken since LDN started"
    use = answers.opioids_since_start
    if use is OpioidsSinceStart.CURRENT:
        findings.append(make_followup_finding("fu_opioid_current"))
    elif use is OpioidsSinceStart.STOPPED:
        findings.append(make_followup_finding("fu_opioid_stopped"))
    elif use is OpioidsSinceStart.UNSURE:
        unsure(opioid_q)
    checks.append(
        Check(
            opioid_q,
            {
                OpioidsSinceStart.NONE: "No",
                OpioidsSinceStart.CURRENT: "Yes, taking one now",
                OpioidsSinceStart.STOPPED: "Yes, now stopped",
                OpioidsSinceStart.UNSURE: "Not sure",
            }[use],
        )
    )

    for question, answer, code in (
        ("Pregnant or planning pregnancy", answers.pregnant_or_planning, "fu_pregnancy"),
        ("Symptoms of acute hepatitis", answers.liver_symptoms, "fu_liver_symptoms"),
    ):
        if answer is Answer.YES:
            findings.append(make_followup_finding(code))
        elif answer is Answer.UNSURE:
            unsure(question)
        checks.append(Check(question, {"yes": "Yes", "no": "No", "unsure": "Not sure"}[answer]))

    surgery_q = "Surgery planned"
    if answers.surgery_planned is Answer.UNSURE:
        unsure(surgery_q)
        checks.append(Check(surgery_q, "Not sure"))
    elif answers.surgery_planned is Answer.YES and answers.surgery_on is not None:
        surgery_on = answers.surgery_on
        hold = settings.surgery_hold_days
        stop_by = surgery_on - dt.timedelta(days=hold)
        last_dose = stop_by - dt.timedelta(days=1)
        surgery = {
            "surgery_on": fmt_date(surgery_on),
            "away": fmt_days_away((surgery_on - answers.assessed_on).days),
            "hold_period": fmt_count(hold, "day"),
            "stop_by": fmt_date(stop_by),
            "last_dose": fmt_date(last_dose),
        }
        params.update(surgery)
        code = "fu_surgery_soon" if last_dose < answers.assessed_on else "fu_surgery_later"
        findings.append(make_followup_finding(code, **surgery))
        findings.append(make_followup_finding("fu_surgery_restart"))
        checks.append(Check(surgery_q, f"Yes, on {fmt_date(surgery_on)}"))
    else:
        checks.append(Check(surgery_q, "No"))
    params["questions"] = "; ".join(not_known)
    return findings


def _side_effect_findings(
    answers: FollowupAnswers, checks: list[Check]
) -> tuple[list[Finding], list[ReportedSideEffect]]:
    """Findings for the side effects, and the ones that are not settling (persistent or
    severe), which decide whether the dose or its timing changes."""
    by_severity: dict[SideEffectSeverity, list[ReportedSideEffect]] = {
        s: [] for s in SideEffectSeverity
    }
    for effect in answers.side_effects:
        by_severity[effect.severity].append(effect)
    findings = []
    codes = {
        SideEffectSeverity.SEVERE: "fu_side_effects_severe",
        SideEffectSeverity.PERSISTENT: "fu_side_effects_persistent",
        SideEffectSeverity.MILD: "fu_side_effects_mild",
    }
    for severity, code in codes.items():
        if by_severity[severity]:
            effects = _effect_list(by_severity[severity])
            findings.append(make_followup_finding(code, effects=effects))
    shown = {
        SideEffectSeverity.MILD: "mild or settled",
        SideEffectSeverity.PERSISTENT: "troublesome, not settling",
        SideEffectSeverity.SEVERE: "severe",
    }
    checks.append(
        Check(
            "Side effects",
            "; ".join(
                f"{SIDE_EFFECT_LABELS[e.kind]}: {shown[e.severity]}" for e in answers.side_effects
            )
            or "None",
        )
    )
    not_settling = (
        by_severity[SideEffectSeverity.SEVERE] + by_severity[SideEffectSeverity.PERSISTENT]
    )
    return findings, not_settling


def halved_dose_mg(dose_mg: float) -> float:
    """Half the dose, rounded down to the 0.25 mg grid (4.5 -> 2.25, 2.75 -> 1.25)."""
    return math.floor(dose_mg / 2 / DOSE_STEP_MG + 1e-9) * DOSE_STEP_MG


def assess_followup(answers: FollowupAnswers, settings: RuleSettings) -> FollowupResult:
    """Judge one follow-up. Pure: the same answers and settings always give the same result."""
    checks: list[Check] = []
    response = pain_response(answers.baseline_pain, answers.current_pain, settings)
    when = timing(answers, settings)
    verdict = _verdict(response, when)

    findings: list[Finding] = []
    if when.too_early:
        if when.target_reached_on is None:
            findings.append(
                make_followup_finding(
                    "fu_too_early_below_target",
                    review_period=when.review_text,
                    judge_on=fmt_date(when.judge_on),
                )
            )
        else:
            findings.append(
                make_followup_finding(
                    "fu_too_early",
                    on_target=when.on_target_text,
                    review_period=when.review_text,
                    judge_on=fmt_date(when.judge_on),
                )
            )
    measure = "PEG score" if response.method is PainMethod.PEG else "pain score"
    if response.band is ResponseBand.NOT_CALCULABLE:
        findings.append(
            make_followup_finding(
                "fu_baseline_zero", measure=measure, current=fmt_score(response.current)
            )
        )
    if response.method is PainMethod.PEG:
        findings.append(make_followup_finding("fu_peg_by_analogy"))
    effect_findings, not_settling = _side_effect_findings(answers, checks)
    findings += effect_findings
    safety_params: dict[str, object] = {"dose": fmt_mg(answers.current_dose_mg)}
    safety = _safety(answers, settings, checks, safety_params)
    findings += safety
    findings.sort(key=lambda f: SEVERITY_RANK[f.severity])

    safety_advice = _safety_first(safety, safety_params)
    title = response_title(verdict, response)
    if safety_advice is not None:
        recommendation, advice = safety_advice
        title = SAFETY_TITLE.format(response=title)
    else:
        recommendation, advice = _recommend(answers, settings, response, when, not_settling, title)
    if recommendation in (Recommendation.CONSIDER_STOPPING, Recommendation.STOP_AND_REVIEW):
        findings.append(make_followup_finding("fu_stopping_tolerance"))
    if safety_advice is not None:
        stops = recommendation is Recommendation.STOP_AND_REVIEW
        new_plan, sheet_note = None, NO_SHEET_TEXT["safety_stop" if stops else "safety_review"]
    else:
        new_plan, sheet_note = _plan_change(answers, settings, recommendation)

    return FollowupResult(
        verdict=verdict,
        response=response,
        timing=when,
        recommendation=recommendation,
        advice=advice,
        findings=tuple(findings),
        checks=tuple(checks),
        new_plan=new_plan,
        sheet_note=sheet_note,
        bands_text=bands_text(settings),
        title=title,
        safety_first=safety_advice is not None,
        surgery_note=_surgery_note(safety, safety_params) if safety_advice is None else None,
    )


def _surgery_note(safety: list[Finding], params: dict[str, object]) -> str | None:
    """Advice to continue holds only until the stop before a planned operation."""
    if any(f.code == "fu_surgery_later" for f in safety):
        return SURGERY_LATER_NOTE.format(**params)
    return None


def _safety_first(
    safety: list[Finding], params: dict[str, object]
) -> tuple[Recommendation, Finding] | None:
    """The action of the most urgent stop or review safety finding, or None if there is none.
    The other stop or review safety findings are named in its text, for the prescriber."""
    urgent = [f for f in safety if f.code in SAFETY_ORDER]
    if not urgent:
        return None
    order = list(SAFETY_ORDER)
    urgent.sort(key=lambda f: order.index(f.code))
    advice = make_recommendation(SAFETY_ORDER[urgent[0].code], **params)
    others = [f.summary.rstrip(".") for f in urgent[1:] if f.code != urgent[0].code]
    if others:
        also = SAFETY_ALSO_TEXT.format(others="; ".join(others))
        advice = dataclasses.replace(advice, clinician_text=f"{advice.clinician_text} {also}")
    if advice.severity is Severity.STOP:
        return Recommendation.STOP_AND_REVIEW, advice
    return Recommendation.PRESCRIBER_REVIEW, advice


def bands_text(settings: RuleSettings) -> str:
    """How the bands are drawn under these settings, including the 20-30% gap."""
    return BANDS_TEXT.format(
        substantial=settings.responder_pct_substantial,
        moderate=settings.responder_pct,
        minimal=settings.responder_pct_minimal,
    )


def _side_effect_action(
    answers: FollowupAnswers, not_settling: list[ReportedSideEffect]
) -> Recommendation | None:
    """Sleep effects at night: move the dose to the morning. Anything else not settling, or
    sleep effects already on a morning dose: halve and titrate again (LDN Research Trust)."""
    if not not_settling:
        return None
    only_sleep = all(e.kind in SLEEP_EFFECTS for e in not_settling)
    if only_sleep and answers.timing is DoseTiming.NIGHT:
        return Recommendation.TAKE_IN_MORNING
    return Recommendation.HALVE_AND_RETITRATE


def _recommend(
    answers: FollowupAnswers,
    settings: RuleSettings,
    response: PainResponse,
    when: Timing,
    not_settling: list[ReportedSideEffect],
    title: str,
) -> tuple[Recommendation, Finding]:
    """The advice about the response, once no safety finding has taken its place."""
    dose = answers.current_dose_mg
    effects = _effect_list(not_settling)
    common = {
        "dose": fmt_mg(dose),
        "effects": effects,
        "pct_text": response.pct_text,
        "on_target": when.on_target_text,
        "responder": settings.responder_pct,
        "review_period": when.review_text,
        "judge_on": fmt_date(when.judge_on),
        "response": title,
    }

    side_action = _side_effect_action(answers, not_settling)
    judged = not when.too_early

    if judged and response.band is ResponseBand.NOT_CALCULABLE:
        return Recommendation.PRESCRIBER_REVIEW, make_recommendation("rec_review_baseline_zero")

    if judged and response.band in (ResponseBand.NONE, ResponseBand.MINIMAL):
        # Titrating further is the one way to try for more, and only while it is tolerated.
        tolerated = side_action in (None, Recommendation.TAKE_IN_MORNING)
        if response.band is ResponseBand.MINIMAL and tolerated and dose < settings.max_dose_mg:
            return Recommendation.CONTINUE_AND_TITRATE, make_recommendation(
                "rec_titrate_to_max",
                **common,
                max_dose=fmt_mg(settings.max_dose_mg),
                step=fmt_mg(_step_mg(answers, settings)),
            )
        if response.band is ResponseBand.MINIMAL:
            note = (
                f", although it is a minimal improvement, and the dose is already the "
                f"maximum of {fmt_mg(settings.max_dose_mg)}"
                if dose >= settings.max_dose_mg
                else ", although it is a minimal improvement, and side effects stand in the "
                "way of a higher dose"
            )
        else:
            note = ""
        return Recommendation.CONSIDER_STOPPING, make_recommendation(
            "rec_consider_stopping", **common, dose_note=note
        )

    if side_action is Recommendation.TAKE_IN_MORNING:
        return side_action, make_recommendation("rec_morning", **common)
    if side_action is Recommendation.HALVE_AND_RETITRATE:
        half = halved_dose_mg(dose)
        if half < DOSE_STEP_MG:
            return Recommendation.PRESCRIBER_REVIEW, make_recommendation(
                "rec_review_lowest_dose", **common, dose_step=fmt_mg(DOSE_STEP_MG)
            )
        return side_action, make_recommendation(
            "rec_halve",
            **common,
            half=fmt_mg(half),
            gentle_step=fmt_mg(settings.gentle_step_mg),
            gentle_interval_period=fmt_count(settings.gentle_step_interval_days, "day"),
        )

    if when.target_reached_on is None and dose < settings.max_dose_mg:
        gentle = answers.schedule is Schedule.GENTLE
        target = settings.target_dose_mg if dose < settings.target_dose_mg else settings.max_dose_mg
        _, step, interval = settings.schedule_values(gentle)
        return Recommendation.CONTINUE_AND_TITRATE, make_recommendation(
            "rec_titrate_to_target",
            **common,
            target=fmt_mg(target),
            schedule=answers.schedule.value,
            step=fmt_mg(step),
            interval_period=fmt_count(interval, "day"),
            schedule_source="ldnrt_sensitive" if gentle else "hdrx_dosing",
        )
    if when.too_early:
        return Recommendation.CONTINUE, make_recommendation("rec_continue_wait", **common)
    return Recommendation.CONTINUE, make_recommendation(
        "rec_continue", **common, band=response.band_words
    )


def _step_mg(answers: FollowupAnswers, settings: RuleSettings) -> float:
    return settings.schedule_values(answers.schedule is Schedule.GENTLE)[1]


def _plan_change(
    answers: FollowupAnswers, settings: RuleSettings, recommendation: Recommendation
) -> tuple[PlanChange | None, str]:
    """A new counselling sheet only when the doses change and the sheet can show the plan."""
    if recommendation is Recommendation.HALVE_AND_RETITRATE:
        half = halved_dose_mg(answers.current_dose_mg)
        start = settings.gentle_start_dose_mg
        if start > half:
            return None, NO_SHEET_TEXT["half_below_start"].format(start_dose=fmt_mg(start))
        liquid = answers.formulation is Formulation.LIQUID
        note = SHEET_RESTART_TEXT.format(
            start_dose=fmt_mg(start), starts_on=fmt_date(answers.assessed_on), half=fmt_mg(half)
        )
        return (
            PlanChange(
                Schedule.GENTLE,
                answers.assessed_on,
                answers.formulation,
                settings.liquid_mg_per_ml if liquid else None,
                note,
            ),
            note,
        )
    if (
        recommendation is Recommendation.CONTINUE_AND_TITRATE
        and answers.target_reached_on is not None
    ):
        return None, NO_SHEET_TEXT["above_target"].format(target=fmt_mg(settings.target_dose_mg))
    return None, NO_SHEET_TEXT["unchanged"]
