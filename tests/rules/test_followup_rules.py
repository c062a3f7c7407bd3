"""Rule tables for the follow-up: IMMPACT bands, PEG arithmetic, timing and recommendations."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ldn_screen.rules import DEFAULT_SETTINGS, Answer, Formulation, RuleSettings, Schedule
from ldn_screen.rules.followup import (
    DoseTiming,
    FollowupAnswers,
    FollowupResult,
    FollowupVerdict,
    OpioidsSinceStart,
    PainMethod,
    PainScore,
    Recommendation,
    ReportedSideEffect,
    ResponseBand,
    SideEffectKind,
    SideEffectSeverity,
    assess_followup,
    band_edges,
    band_for,
    halved_dose_mg,
    pain_response,
)
from ldn_screen.rules.followup.chart_note import followup_note
from ldn_screen.rules.followup.findings import (
    FOLLOWUP_CATALOGUE,
    RECOMMENDATIONS,
    VERDICT_TITLES,
)
from ldn_screen.rules.model import Severity
from ldn_screen.rules.units import fmt_count, fmt_days, fmt_pct

ROOT = Path(__file__).resolve().parents[2]

D0 = dt.date(2026, 11, 27)
REVIEW_DAYS = 12 * 7
K, SEV = SideEffectKind, SideEffectSeverity


def nrs(score: int) -> PainScore:
    return PainScore(PainMethod.NRS, (score,))


def peg(p: int, e: int, g: int) -> PainScore:
    return PainScore(PainMethod.PEG, (p, e, g))


def followup(**overrides: object) -> FollowupAnswers:
    """On 4.5 mg at night for 100 days: past the 12-week review point, pain 8 -> 4."""
    base = FollowupAnswers(
        assessed_on=D0,
        started_on=D0 - dt.timedelta(days=130),
        schedule=Schedule.STANDARD,
        formulation=Formulation.CAPSULE,
        current_dose_mg=4.5,
        timing=DoseTiming.NIGHT,
        target_reached_on=D0 - dt.timedelta(days=100),
        baseline_pain=nrs(8),
        current_pain=nrs(4),
    )
    return dataclasses.replace(base, **overrides)


def settings(**overrides: object) -> RuleSettings:
    return dataclasses.replace(DEFAULT_SETTINGS, **overrides)


SEEN: set[str] = set()


def run(a: FollowupAnswers, s: RuleSettings = DEFAULT_SETTINGS) -> FollowupResult:
    result = assess_followup(a, s)
    SEEN.update(result.codes | {result.advice.code})
    return result


def effect(kind: SideEffectKind, severity: SideEffectSeverity) -> tuple[ReportedSideEffect]:
    return (ReportedSideEffect(kind, severity),)


# --- IMMPACT bands: every boundary, exactly -----------------------------------------------

BANDS = [
    # (baseline, current, percent less pain, band)
    (nrs(10), nrs(5), Fraction(50), ResponseBand.SUBSTANTIAL),  # exactly 50%
    (nrs(10), nrs(0), Fraction(100), ResponseBand.SUBSTANTIAL),
    (nrs(9), nrs(5), Fraction(400, 9), ResponseBand.MODERATE),  # 44.4%: just under 50
    (nrs(10), nrs(7), Fraction(30), ResponseBand.MODERATE),  # exactly 30%
    (nrs(7), nrs(5), Fraction(200, 7), ResponseBand.MINIMAL),  # 28.6%: just under 30
    (nrs(10), nrs(8), Fraction(20), ResponseBand.MINIMAL),  # IMMPACT's 10-20% ...
    (nrs(8), nrs(6), Fraction(25), ResponseBand.MINIMAL),  # ... and the 20-30% gap
    (nrs(10), nrs(9), Fraction(10), ResponseBand.MINIMAL),  # exactly 10%
    (peg(10, 10, 10), peg(9, 9, 10), Fraction(20, 3), ResponseBand.NONE),  # 6.7%: under 10
    (nrs(6), nrs(6), Fraction(0), ResponseBand.NONE),
    (nrs(5), nrs(7), Fraction(-40), ResponseBand.NONE),  # worse is "none", and says so
    # PEG means are thirds: exact fractions land on the thresholds with no rounding error.
    (peg(7, 7, 6), peg(5, 5, 4), Fraction(30), ResponseBand.MODERATE),  # 20/3 -> 14/3
    (peg(7, 7, 6), peg(4, 3, 3), Fraction(50), ResponseBand.SUBSTANTIAL),  # 20/3 -> 10/3
    (peg(7, 7, 6), peg(5, 5, 5), Fraction(25), ResponseBand.MINIMAL),
    (peg(10, 10, 10), peg(5, 5, 6), Fraction(140, 3), ResponseBand.MODERATE),  # 46.7%
]


@pytest.mark.parametrize(("baseline", "current", "pct", "band"), BANDS)
def test_immpact_bands_at_every_boundary(
    baseline: PainScore, current: PainScore, pct: Fraction, band: ResponseBand
) -> None:
    response = pain_response(baseline, current, DEFAULT_SETTINGS)
    assert response.change_pct == pct
    assert response.band is band
    assert response.change_points == baseline.score - current.score


def test_peg_score_is_the_exact_mean_of_three_items() -> None:
    assert peg(7, 7, 6).score == Fraction(20, 3)
    assert peg(0, 0, 0).score == 0
    assert peg(10, 10, 10).score == 10
    response = pain_response(peg(7, 7, 6), peg(5, 5, 4), DEFAULT_SETTINGS)
    assert (response.baseline_text, response.current_text) == ("6.7", "4.7")
    assert response.points_text == "2 points lower"
    assert response.pct_text == "30% less pain"
    assert [s.key for s in response.sources] == ["immpact_2008", "krebs_2009", "peg_by_analogy"]


def test_pain_scores_are_checked() -> None:
    with pytest.raises(ValueError):
        PainScore(PainMethod.PEG, (5, 5))
    with pytest.raises(ValueError):
        PainScore(PainMethod.NRS, (11,))
    with pytest.raises(ValueError):
        followup(baseline_pain=nrs(5), current_pain=peg(5, 5, 5))


def test_worse_pain_reads_as_more_pain() -> None:
    response = pain_response(nrs(5), nrs(7), DEFAULT_SETTINGS)
    assert response.pct_text == "40% more pain"
    assert response.points_text == "2 points higher"


def test_the_bands_follow_the_settings() -> None:
    s = settings(responder_pct_minimal=15, responder_pct=40, responder_pct_substantial=60)
    assert pain_response(nrs(10), nrs(7), s).band is ResponseBand.MINIMAL  # 30% < 40
    assert pain_response(nrs(10), nrs(6), s).band is ResponseBand.MODERATE
    assert pain_response(nrs(10), nrs(5), s).band is ResponseBand.MODERATE  # 50% < 60
    assert pain_response(nrs(10), nrs(9), s).band is ResponseBand.NONE  # 10% < 15


EDGES = (10, 30, 50)


@pytest.mark.parametrize(
    ("value", "edges", "shown"),
    [
        (Fraction(30), EDGES, "30%"),
        (Fraction(300, 7), EDGES, "42.9%"),  # 42.857...: rounded, not cut to 42.8
        (Fraction(400, 9), EDGES, "44.4%"),
        (Fraction(140, 3), EDGES, "46.7%"),
        (Fraction(2996, 100), (), "30%"),  # with no edge to respect, plain rounding
        (Fraction(2996, 100), EDGES, "29.9%"),  # rounding would reach the 30% edge
        (Fraction(2997, 100), EDGES, "29.9%"),
        (Fraction(4999, 100), EDGES, "49.9%"),
        (Fraction(5004, 100), EDGES, "50%"),
        (Fraction(1, 25), EDGES, "under 0.1%"),  # a change is never shown as none
        (Fraction(0), EDGES, "0%"),
        (Fraction(100), EDGES, "100%"),
    ],
)
def test_percentages_are_rounded_to_one_decimal_within_their_band(
    value: Fraction, edges: tuple[int, ...], shown: str
) -> None:
    assert fmt_pct(value, edges) == shown


@pytest.mark.parametrize("method", [PainMethod.NRS, PainMethod.PEG])
def test_baseline_zero_has_a_clear_message_and_no_division(method: PainMethod) -> None:
    zero = nrs(0) if method is PainMethod.NRS else peg(0, 0, 0)
    now = nrs(3) if method is PainMethod.NRS else peg(3, 2, 1)
    result = run(followup(baseline_pain=zero, current_pain=now))
    assert result.response.change_pct is None
    assert result.response.band is ResponseBand.NOT_CALCULABLE
    assert result.verdict is FollowupVerdict.CANNOT_JUDGE
    assert result.recommendation is Recommendation.PRESCRIBER_REVIEW
    assert result.advice.code == "rec_review_baseline_zero"
    finding = next(f for f in result.findings if f.code == "fu_baseline_zero")
    assert finding.severity is Severity.REVIEW
    assert "cannot be worked out" in finding.summary
    assert result.response.pct_text == "No percentage (baseline 0)"


def test_baseline_zero_while_too_early_still_says_so() -> None:
    result = run(followup(baseline_pain=nrs(0), current_pain=nrs(0), target_reached_on=None))
    assert result.verdict is FollowupVerdict.TOO_EARLY
    assert "fu_baseline_zero" in result.codes


# --- Time on the target dose --------------------------------------------------------------

TIMING = [
    # (days on target, review weeks, too early)
    (REVIEW_DAYS - 1, 12, True),
    (REVIEW_DAYS, 12, False),  # exactly 12 weeks: judge now
    (REVIEW_DAYS + 30, 12, False),
    (0, 12, True),
    (8 * 7 - 1, 8, True),
    (8 * 7, 8, False),
]


@pytest.mark.parametrize(("days", "weeks", "too_early"), TIMING)
def test_too_early_until_the_review_point_on_the_target_dose(
    days: int, weeks: int, too_early: bool
) -> None:
    reached = D0 - dt.timedelta(days=days)
    result = run(followup(target_reached_on=reached), settings(review_weeks=weeks))
    assert result.timing.too_early is too_early
    assert result.timing.days_on_target == days
    assert result.timing.judge_on == reached + dt.timedelta(weeks=weeks)
    assert (result.verdict is FollowupVerdict.TOO_EARLY) is too_early
    if too_early:
        finding = next(f for f in result.findings if f.code == "fu_too_early")
        judge_on = reached + dt.timedelta(weeks=weeks)
        assert f"{judge_on.day} {judge_on:%b %Y}" in finding.summary


def test_target_not_reached_is_too_early_with_the_earliest_date() -> None:
    result = run(followup(target_reached_on=None, current_dose_mg=3.0))
    assert result.verdict is FollowupVerdict.TOO_EARLY
    assert result.timing.judge_on == D0 + dt.timedelta(weeks=12)
    assert "fu_too_early_below_target" in result.codes


def test_durations_read_in_weeks_and_days() -> None:
    assert fmt_days(83) == "11 weeks and 6 days"
    assert fmt_days(84) == "12 weeks"
    assert fmt_days(1) == "1 day"
    assert fmt_days(0) == "0 days"
    assert fmt_days(8) == "1 week and 1 day"


# --- Recommendations ------------------------------------------------------------------------

SIX_MG = {"max_dose_mg": 6.0}
RECOMMENDATION_TABLE = [
    # (answers overrides, settings overrides, recommendation, advice code)
    ({}, {}, Recommendation.CONTINUE, "rec_continue"),  # 50%, judged
    ({"current_pain": nrs(5)}, {}, Recommendation.CONTINUE, "rec_continue"),  # 37.5%
    (
        {"side_effects": effect(K.VIVID_DREAMS, SEV.PERSISTENT)},
        {},
        Recommendation.TAKE_IN_MORNING,
        "rec_morning",
    ),
    (
        {"side_effects": effect(K.TROUBLE_SLEEPING, SEV.PERSISTENT)},
        {},
        Recommendation.TAKE_IN_MORNING,
        "rec_morning",
    ),
    (  # already in the morning: halve instead
        {"side_effects": effect(K.VIVID_DREAMS, SEV.PERSISTENT), "timing": DoseTiming.MORNING},
        {},
        Recommendation.HALVE_AND_RETITRATE,
        "rec_halve",
    ),
    (
        {"side_effects": effect(K.HEADACHE, SEV.PERSISTENT)},
        {},
        Recommendation.HALVE_AND_RETITRATE,
        "rec_halve",
    ),
    (
        {"side_effects": effect(K.NAUSEA, SEV.SEVERE)},
        {},
        Recommendation.HALVE_AND_RETITRATE,
        "rec_halve",
    ),
    ({"side_effects": effect(K.HEADACHE, SEV.MILD)}, {}, Recommendation.CONTINUE, "rec_continue"),
    # Partial (minimal) response at or after the review point:
    ({"current_pain": nrs(6)}, SIX_MG, Recommendation.CONTINUE_AND_TITRATE, "rec_titrate_to_max"),
    (
        {"current_pain": nrs(6), "side_effects": effect(K.VIVID_DREAMS, SEV.PERSISTENT)},
        SIX_MG,
        Recommendation.CONTINUE_AND_TITRATE,
        "rec_titrate_to_max",
    ),
    ({"current_pain": nrs(6)}, {}, Recommendation.CONSIDER_STOPPING, "rec_consider_stopping"),
    (
        {"current_pain": nrs(6), "side_effects": effect(K.HEADACHE, SEV.PERSISTENT)},
        SIX_MG,
        Recommendation.CONSIDER_STOPPING,
        "rec_consider_stopping",
    ),
    # No meaningful response:
    ({"current_pain": nrs(8)}, {}, Recommendation.CONSIDER_STOPPING, "rec_consider_stopping"),
    ({"current_pain": nrs(8)}, SIX_MG, Recommendation.CONSIDER_STOPPING, "rec_consider_stopping"),
    (
        {"current_pain": nrs(8), "side_effects": effect(K.VIVID_DREAMS, SEV.PERSISTENT)},
        {},
        Recommendation.CONSIDER_STOPPING,
        "rec_consider_stopping",
    ),
    # Too early:
    (
        {"target_reached_on": None, "current_dose_mg": 3.0, "current_pain": nrs(8)},
        {},
        Recommendation.CONTINUE_AND_TITRATE,
        "rec_titrate_to_target",
    ),
    (
        {"target_reached_on": D0 - dt.timedelta(days=20), "current_pain": nrs(8)},
        {},
        Recommendation.CONTINUE,
        "rec_continue_wait",
    ),
    (
        {"target_reached_on": None, "side_effects": effect(K.NAUSEA, SEV.PERSISTENT)},
        {},
        Recommendation.HALVE_AND_RETITRATE,
        "rec_halve",
    ),
    # Safety first, and doses that cannot be halved:
    (
        {"opioids_since_start": OpioidsSinceStart.CURRENT},
        {},
        Recommendation.STOP_AND_REVIEW,
        "rec_safety_opioid_now",
    ),
    (
        {"current_dose_mg": 0.25, "side_effects": effect(K.HEADACHE, SEV.PERSISTENT)},
        {},
        Recommendation.PRESCRIBER_REVIEW,
        "rec_review_lowest_dose",
    ),
]


@pytest.mark.parametrize(("changes", "overrides", "rec", "code"), RECOMMENDATION_TABLE)
def test_one_recommendation_per_situation(
    changes: dict[str, object],
    overrides: dict[str, object],
    rec: Recommendation,
    code: str,
) -> None:
    result = run(followup(**changes), settings(**overrides))
    assert result.recommendation is rec
    assert result.advice.code == code
    assert result.advice.source.reference


def test_consider_stopping_is_honest_about_the_trials_and_the_tolerance_warning() -> None:
    result = run(followup(current_pain=nrs(7)))  # 12.5%: minimal, at the maximum dose
    assert result.verdict is FollowupVerdict.PARTIAL
    assert result.advice.source.key == "negative_trials"
    assert "no clear benefit over placebo" in result.advice.clinician_text
    assert "already the maximum of 4.5 mg" in result.advice.clinician_text
    assert "fu_stopping_tolerance" in result.codes
    assert result.new_plan is None


def test_titrating_to_target_follows_the_patients_schedule() -> None:
    gentle = run(followup(target_reached_on=None, current_dose_mg=2.0, schedule=Schedule.GENTLE))
    assert gentle.advice.source.key == "ldnrt_sensitive"
    assert "0.5 mg more every 14 days" in gentle.advice.clinician_text
    standard = run(followup(target_reached_on=None, current_dose_mg=3.0))
    assert standard.advice.source.key == "hdrx_dosing"
    assert "up to 4.5 mg a day" in standard.advice.clinician_text
    assert standard.sheet_note.startswith("The doses do not change")


def test_halving_gives_a_gentle_restart_sheet_from_the_followup_date() -> None:
    result = run(
        followup(side_effects=effect(K.HEADACHE, SEV.PERSISTENT), formulation=Formulation.LIQUID)
    )
    assert "2.25 mg" in result.advice.summary
    plan = result.new_plan
    assert plan is not None
    assert (plan.schedule, plan.starts_on, plan.formulation) == (
        Schedule.GENTLE,
        D0,
        Formulation.LIQUID,
    )
    assert plan.liquid_mg_per_ml == 1.0
    assert "gentle schedule from 0.5 mg" in result.sheet_note


def test_no_sheet_when_half_the_dose_is_below_the_gentle_start() -> None:
    result = run(followup(current_dose_mg=0.75, side_effects=effect(K.NAUSEA, SEV.PERSISTENT)))
    assert result.recommendation is Recommendation.HALVE_AND_RETITRATE
    assert result.new_plan is None
    assert "write the plan on it by hand" in result.sheet_note


def test_titrating_above_the_target_has_no_sheet() -> None:
    result = run(followup(current_pain=nrs(6)), settings(max_dose_mg=6.0))
    assert result.new_plan is None
    assert "up to the target dose only" in result.sheet_note


@pytest.mark.parametrize(
    ("dose", "half"), [(4.5, 2.25), (3.0, 1.5), (1.5, 0.75), (2.75, 1.25), (0.5, 0.25), (0.25, 0)]
)
def test_halved_doses_stay_on_the_quarter_milligram_grid(dose: float, half: float) -> None:
    assert halved_dose_mg(dose) == half


# --- Safety findings ------------------------------------------------------------------------

SAFETY = [
    # (answers overrides, code, severity)
    ({"opioids_since_start": OpioidsSinceStart.CURRENT}, "fu_opioid_current", Severity.STOP),
    ({"opioids_since_start": OpioidsSinceStart.STOPPED}, "fu_opioid_stopped", Severity.REVIEW),
    ({"opioids_since_start": OpioidsSinceStart.UNSURE}, "fu_unsure", Severity.REVIEW),
    ({"pregnant_or_planning": Answer.YES}, "fu_pregnancy", Severity.REVIEW),
    ({"pregnant_or_planning": Answer.UNSURE}, "fu_unsure", Severity.REVIEW),
    ({"liver_symptoms": Answer.YES}, "fu_liver_symptoms", Severity.STOP),
    ({"liver_symptoms": Answer.UNSURE}, "fu_unsure", Severity.REVIEW),
    ({"surgery_planned": Answer.UNSURE}, "fu_unsure", Severity.REVIEW),
    (
        {"surgery_planned": Answer.YES, "surgery_on": D0 + dt.timedelta(days=3)},
        "fu_surgery_soon",
        Severity.REVIEW,
    ),
    (
        {"surgery_planned": Answer.YES, "surgery_on": D0 + dt.timedelta(days=4)},
        "fu_surgery_later",
        Severity.CAUTION,
    ),
    ({"side_effects": effect(K.ANXIETY, SEV.SEVERE)}, "fu_side_effects_severe", Severity.REVIEW),
    (
        {"side_effects": effect(K.DIARRHOEA, SEV.PERSISTENT)},
        "fu_side_effects_persistent",
        Severity.CAUTION,
    ),
    ({"side_effects": effect(K.OTHER, SEV.MILD)}, "fu_side_effects_mild", Severity.INFO),
    (
        {"baseline_pain": peg(8, 7, 7), "current_pain": peg(4, 4, 4)},
        "fu_peg_by_analogy",
        Severity.INFO,
    ),
]


@pytest.mark.parametrize(("changes", "code", "severity"), SAFETY)
def test_each_answer_raises_its_finding(
    changes: dict[str, object], code: str, severity: Severity
) -> None:
    result = run(followup(**changes))
    finding = next(f for f in result.findings if f.code == code)
    assert finding.severity is severity
    assert finding.source.reference
    stop_or_review = severity in (Severity.STOP, Severity.REVIEW)
    assert result.needs_prescriber is stop_or_review


def test_surgery_gives_the_stop_date_and_the_restart_rule() -> None:
    surgery = D0 + dt.timedelta(days=20)
    result = run(followup(surgery_planned=Answer.YES, surgery_on=surgery))
    later = next(f for f in result.findings if f.code == "fu_surgery_later")
    # Held 3 days before: stop by Monday 14 December, so the last dose is on the 13th.
    assert later.summary == (
        "Surgery on Thu 17 Dec 2026: stop LDN by Mon 14 Dec 2026 and tell the surgical team."
    )
    assert "last dose on Sun 13 Dec 2026" in later.clinician_text
    assert "fu_surgery_restart" in result.codes
    assert result.recommendation is Recommendation.CONTINUE  # a caution does not change it


def test_a_clean_followup_has_no_findings_and_asks_no_prescriber() -> None:
    result = run(followup())
    assert result.findings == ()
    assert not result.needs_prescriber
    assert result.verdict is FollowupVerdict.RESPONDING


# --- Safety first: a stop or review safety finding replaces the advice -----------------------

IN_2_DAYS = D0 + dt.timedelta(days=2)
SAFETY_FIRST = [
    # (answers overrides, recommendation, advice code)
    ({"liver_symptoms": Answer.YES}, Recommendation.STOP_AND_REVIEW, "rec_safety_liver"),
    (
        {"pregnant_or_planning": Answer.YES},
        Recommendation.PRESCRIBER_REVIEW,
        "rec_safety_pregnancy",
    ),
    (
        {"opioids_since_start": OpioidsSinceStart.CURRENT},
        Recommendation.STOP_AND_REVIEW,
        "rec_safety_opioid_now",
    ),
    (
        {"opioids_since_start": OpioidsSinceStart.STOPPED},
        Recommendation.PRESCRIBER_REVIEW,
        "rec_safety_opioid_stopped",
    ),
    (
        {"surgery_planned": Answer.YES, "surgery_on": IN_2_DAYS},
        Recommendation.STOP_AND_REVIEW,
        "rec_safety_surgery_soon",
    ),
    ({"liver_symptoms": Answer.UNSURE}, Recommendation.PRESCRIBER_REVIEW, "rec_safety_unsure"),
    ({"surgery_planned": Answer.UNSURE}, Recommendation.PRESCRIBER_REVIEW, "rec_safety_unsure"),
]
# Responding, partial at the maximum, no response, and too early: none may say "continue".
PAIN_SITUATIONS = [
    {},
    {"baseline_pain": nrs(7), "current_pain": nrs(6)},
    {"current_pain": nrs(8)},
    {"target_reached_on": D0 - dt.timedelta(days=20)},
    {"target_reached_on": None, "current_dose_mg": 3.0},
]


@pytest.mark.parametrize(
    "pain", PAIN_SITUATIONS, ids=["responding", "partial", "none", "too_early", "below_target"]
)
@pytest.mark.parametrize(
    ("changes", "rec", "code"),
    SAFETY_FIRST,
    ids=[
        "hepatitis",
        "pregnancy",
        "opioid_now",
        "opioid_stopped",
        "surgery_soon",
        "unsure_hepatitis",
        "unsure_surgery",
    ],
)
def test_a_stop_or_review_safety_finding_is_the_recommendation(
    pain: dict[str, object], changes: dict[str, object], rec: Recommendation, code: str
) -> None:
    a = followup(**pain, **changes)
    result = run(a)
    assert result.safety_first
    assert result.recommendation is rec
    assert result.advice.code == code
    assert not result.advice.summary.lower().startswith("continue")
    assert result.title.startswith("Safety finding first; response: ")
    assert result.new_plan is None
    assert result.condition is None  # the advice is the review itself, not conditional on it
    stops = rec is Recommendation.STOP_AND_REVIEW
    assert result.advice.severity is (Severity.STOP if stops else Severity.REVIEW)
    assert ("fu_stopping_tolerance" in result.codes) is stops
    # The chart note says the same.
    note = followup_note(a, result, 1, D0)
    assert f"Recommendation: {result.advice.summary}" in note
    assert result.advice.clinician_text in note
    assert "Continue LDN" not in note


def test_hepatitis_symptoms_stop_ldn_and_ask_for_review_now() -> None:
    result = run(followup(liver_symptoms=Answer.YES))
    assert result.advice.summary.startswith("Stop LDN and review with the prescriber now")
    assert result.advice.patient_text is not None
    assert result.advice.patient_text.startswith("Stop taking LDN")
    liver = next(f for f in result.findings if f.code == "fu_liver_symptoms")
    assert liver.severity is Severity.STOP
    assert result.sheet_note.startswith("LDN stops for now")


@pytest.mark.parametrize("hold", [1, 3, 5])
def test_surgery_soon_says_stop_now_with_the_dates_and_the_restart(hold: int) -> None:
    surgery = D0 + dt.timedelta(days=hold - 1)  # less time left than the hold
    s = settings(surgery_hold_days=hold)
    result = run(followup(surgery_planned=Answer.YES, surgery_on=surgery), s)
    assert result.recommendation is Recommendation.STOP_AND_REVIEW
    advice = result.advice
    surgery_text = f"{surgery:%a} {surgery.day} {surgery:%b %Y}"
    stop_by = surgery - dt.timedelta(days=hold)
    days_left = hold - 1
    away = "today" if days_left == 0 else f"in {days_left} day{'s' if days_left != 1 else ''}"
    assert advice.summary == (
        f"Stop LDN now for surgery on {surgery_text} ({away}); restart only once off opioid "
        "painkillers."
    )
    hold_text = f"{hold} day{'s' if hold != 1 else ''}"
    assert f"LDN should stop {hold_text} before surgery, from " in advice.clinician_text
    assert f"{stop_by:%a} {stop_by.day} {stop_by:%b %Y}" in advice.clinician_text
    assert "restart at the previous dose of 4.5 mg a day once off opioid painkillers" in (
        advice.clinician_text
    )
    assert advice.patient_text is not None and "Stop taking LDN now" in advice.patient_text
    assert "1 days" not in advice.clinician_text + advice.summary


@pytest.mark.parametrize("pain", [nrs(4), nrs(8)])  # continue, or consider stopping
def test_surgery_with_time_left_keeps_the_advice_and_adds_the_stop_date(pain: PainScore) -> None:
    hold = DEFAULT_SETTINGS.surgery_hold_days
    surgery = D0 + dt.timedelta(days=hold + 1)  # the last dose is today
    a = followup(surgery_planned=Answer.YES, surgery_on=surgery, current_pain=pain)
    result = run(a)
    assert not result.safety_first
    assert result.recommendation in (Recommendation.CONTINUE, Recommendation.CONSIDER_STOPPING)
    assert "fu_surgery_later" in result.codes
    stop_by = D0 + dt.timedelta(days=1)
    note = (
        f"Before surgery on {surgery:%a} {surgery.day} {surgery:%b %Y}: last dose on "
        f"{D0:%a} {D0.day} {D0:%b %Y}, then stop from {stop_by:%a} {stop_by.day} "
        f"{stop_by:%b %Y} ({hold} days before); restart once off opioid painkillers."
    )
    assert note in result.advice_notes
    assert note in followup_note(a, result, 1, D0)


def test_no_surgery_note_without_surgery_or_when_it_is_too_close() -> None:
    assert run(followup()).advice_notes == ()
    soon = run(followup(surgery_planned=Answer.YES, surgery_on=IN_2_DAYS))
    assert soon.surgery_note is None  # the safety advice says stop now instead


def test_the_most_urgent_safety_finding_leads_and_names_the_others() -> None:
    result = run(
        followup(
            pregnant_or_planning=Answer.YES,
            liver_symptoms=Answer.YES,
            surgery_planned=Answer.YES,
            surgery_on=IN_2_DAYS,
        )
    )
    assert result.advice.code == "rec_safety_liver"
    pregnancy = next(f for f in result.findings if f.code == "fu_pregnancy")
    surgery = next(f for f in result.findings if f.code == "fu_surgery_soon")
    assert pregnancy.summary.rstrip(".") in result.advice.clinician_text
    assert surgery.summary.rstrip(".") in result.advice.clinician_text


def test_unknown_answers_are_named_in_the_safety_advice() -> None:
    result = run(followup(liver_symptoms=Answer.UNSURE, pregnant_or_planning=Answer.UNSURE))
    assert result.advice.code == "rec_safety_unsure"
    assert "Not known: Pregnant or planning pregnancy; Symptoms of acute hepatitis." in (
        result.advice.clinician_text
    )


def test_a_severe_side_effect_keeps_its_advice_but_only_if_the_prescriber_agrees() -> None:
    result = run(followup(side_effects=effect(K.NAUSEA, SEV.SEVERE)))
    assert not result.safety_first
    assert result.recommendation is Recommendation.HALVE_AND_RETITRATE
    assert result.condition == "Only if the prescriber agrees after reviewing the findings below."


# --- The title and the box agree --------------------------------------------------------------

ALL_TITLES = set(VERDICT_TITLES.values())


def test_a_small_change_at_the_maximum_is_titled_as_the_box_says() -> None:
    result = run(followup(baseline_pain=nrs(7), current_pain=nrs(6)))  # 14.3%: minimal
    assert result.title == "Partial response (minimal improvement)"
    assert result.recommendation is Recommendation.CONSIDER_STOPPING
    assert result.advice.summary == (
        "Partial response (minimal improvement) on the target dose: consider stopping LDN."
    )
    assert "No meaningful response" not in result.advice.summary


@pytest.mark.parametrize("max_dose", [4.5, 6.0])
@pytest.mark.parametrize("side_effects", [(), effect(K.HEADACHE, SEV.PERSISTENT)])
def test_title_and_advice_name_the_same_response_for_every_pain_change(
    max_dose: float, side_effects: tuple[ReportedSideEffect, ...]
) -> None:
    s = settings(max_dose_mg=max_dose)
    for baseline in range(1, 11):
        for current in range(11):
            result = run(
                followup(
                    baseline_pain=nrs(baseline),
                    current_pain=nrs(current),
                    side_effects=side_effects,
                ),
                s,
            )
            summary = result.advice.summary
            # No other verdict's title may appear in the advice.
            for other in ALL_TITLES:
                if not result.title.startswith(other):
                    assert other not in summary, (baseline, current, summary)
            if result.recommendation is Recommendation.CONSIDER_STOPPING or (
                result.advice.code == "rec_titrate_to_max"
            ):
                assert summary.startswith(result.title), (baseline, current, summary)


# --- Rounding never moves a percentage across a band edge -------------------------------------


def shown_value(text: str) -> Fraction:
    """'29.9% less pain' -> 29.9; the number a reader takes from the page."""
    return Fraction(text.split("%")[0])


@st.composite
def thresholds(draw: st.DrawFn) -> RuleSettings:
    """Any thresholds the admin form accepts: minimal < moderate < substantial."""
    moderate = draw(st.integers(10, 89))
    minimal = draw(st.integers(1, moderate - 1))
    substantial = draw(st.integers(moderate + 1, 100))
    return settings(
        responder_pct_minimal=minimal,
        responder_pct=moderate,
        responder_pct_substantial=substantial,
    )


@given(value=st.fractions(min_value=0, max_value=100, max_denominator=10_000), s=thresholds())
def test_a_shown_percentage_is_in_the_band_of_the_exact_value(
    value: Fraction, s: RuleSettings
) -> None:
    shown = fmt_pct(value, band_edges(s))
    if shown == "under 0.1%":
        assert 0 < value < Fraction(1, 10)
        return
    number = shown_value(shown)
    assert band_for(number, s) is band_for(value, s)
    assert abs(number - value) <= Fraction(1, 10)
    # Away from an edge it is plain rounding, half up.
    if not any(abs(edge - value) <= Fraction(1, 10) for edge in band_edges(s)):
        assert number == Fraction(math.floor(value * 10 + Fraction(1, 2)), 10)


@given(s=thresholds(), which=st.integers(0, 2), below=st.integers(1, 1000))
def test_a_value_just_below_an_edge_is_never_shown_on_it(
    s: RuleSettings, which: int, below: int
) -> None:
    edge = band_edges(s)[which]
    value = edge - Fraction(below, 10_000)  # within 0.1 below the edge
    shown = fmt_pct(value, band_edges(s))
    assert shown_value(shown) < edge
    assert band_for(shown_value(shown), s) is band_for(value, s)


def peg_with_sum(total: int) -> PainScore:
    """A PEG whose 3 items add up to ``total`` (0 to 30)."""
    p = min(total, 10)
    e = min(total - p, 10)
    return peg(p, e, total - p - e)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"responder_pct_substantial": 63},  # 17/27 = 62.96%: would round onto 63
        {"responder_pct": 69},  # 20/29 = 68.97%
        {"responder_pct_minimal": 20, "responder_pct": 81, "responder_pct_substantial": 87},
    ],
)
def test_every_reachable_pain_change_is_shown_in_its_own_band(
    overrides: dict[str, object],
) -> None:
    s = settings(**overrides)
    pairs = [(nrs(b), nrs(c)) for b in range(1, 11) for c in range(11)]
    pairs += [(peg_with_sum(b), peg_with_sum(c)) for b in range(1, 31) for c in range(31)]
    for baseline, current in pairs:
        response = pain_response(baseline, current, s)
        if response.pct_text.endswith("less pain"):
            assert band_for(shown_value(response.pct_text), s) is response.band


def test_a_peg_change_just_under_an_edge_shows_the_tenth_below_it() -> None:
    s = settings(responder_pct_substantial=63)
    response = pain_response(peg(9, 9, 9), peg(4, 3, 3), s)  # 17/27 = 62.96%
    assert response.band is ResponseBand.MODERATE
    assert response.pct_text == "62.9% less pain"


# --- Plurals ------------------------------------------------------------------------------------


def test_counts_are_singular_only_for_one() -> None:
    assert fmt_count(1, "day") == "1 day"
    assert fmt_count(2, "day") == "2 days"
    assert fmt_count(0, "point") == "0 points"
    assert fmt_count(Fraction(1), "point", "1") == "1 point"
    assert fmt_count(Fraction(2, 3), "point", "0.7") == "0.7 points"
    assert pain_response(nrs(8), nrs(7), DEFAULT_SETTINGS).points_text == "1 point lower"
    assert pain_response(nrs(7), nrs(8), DEFAULT_SETTINGS).points_text == "1 point higher"
    assert pain_response(nrs(7), nrs(7), DEFAULT_SETTINGS).points_text == "0 points"
    assert pain_response(nrs(8), nrs(6), DEFAULT_SETTINGS).points_text == "2 points lower"


def test_one_day_reads_as_one_day_in_every_followup_text() -> None:
    s = settings(surgery_hold_days=1, gentle_step_interval_days=1)
    answers = [
        followup(surgery_planned=Answer.YES, surgery_on=D0 + dt.timedelta(days=1)),  # soon
        followup(surgery_planned=Answer.YES, surgery_on=D0 + dt.timedelta(days=5)),  # later
        followup(target_reached_on=None, current_dose_mg=2.0, schedule=Schedule.GENTLE),
        followup(side_effects=effect(K.HEADACHE, SEV.PERSISTENT)),
        followup(current_pain=nrs(7)),
    ]
    texts = []
    for a in answers:
        result = run(a, s)
        texts.append(followup_note(a, result, 1, D0))
        for f in (result.advice, *result.findings):
            texts += [f.summary, f.clinician_text, f.patient_text or ""]
    joined = "\n".join(texts)
    assert re.search(r"\b1 (days|weeks|points)\b", joined) is None
    assert "every 1 day" in joined and "1 day before" in joined and "1 point lower" in joined


PLURAL_AFTER_PLACEHOLDER = re.compile(r"\{[a-z_]+\} (days|weeks|points)\b")
PLURAL_IN_TEMPLATE = re.compile(r"\}\} (days|weeks|points)\b")


def test_no_followup_text_puts_a_plural_unit_after_a_number_it_does_not_know() -> None:
    for code, spec in {**FOLLOWUP_CATALOGUE, **RECOMMENDATIONS}.items():
        for text in (spec.summary, spec.clinician_text, spec.patient_text or ""):
            assert not PLURAL_AFTER_PLACEHOLDER.search(text), (code, text)
    for path in sorted((ROOT / "templates" / "followup").glob("*.html")):
        assert not PLURAL_IN_TEMPLATE.search(path.read_text()), path.name


# --- The chart note and the catalogue ---------------------------------------------------------


def test_chart_note_carries_version_method_and_findings() -> None:
    a = followup(
        baseline_pain=peg(7, 7, 6),
        current_pain=peg(5, 5, 4),
        side_effects=effect(K.VIVID_DREAMS, SEV.PERSISTENT),
    )
    result = run(a)
    note = followup_note(a, result, 3, dt.date(2026, 10, 1))
    assert note.startswith("LDN follow-up (Fri 27 Nov 2026): Responding (moderate improvement).")
    assert "Settings version 3 of Thu 1 Oct 2026." in note
    assert "baseline 6.7, now 4.7; 2 points lower, 30% less pain: moderate improvement" in note
    assert "IMMPACT thresholds used by analogy" in note
    assert "Recommendation: Take LDN in the morning" in note
    assert "[CAUTION] Troublesome and not settling: vivid dreams or nightmares." in note


def test_every_static_summary_fits_in_140_characters() -> None:
    for code, spec in {**FOLLOWUP_CATALOGUE, **RECOMMENDATIONS}.items():
        if "{" not in spec.summary:
            assert len(spec.summary) <= 140, code


def test_every_followup_code_is_reachable_by_some_table_row() -> None:
    # Runs last in this module (pytest keeps file order).
    missing = set(FOLLOWUP_CATALOGUE) | set(RECOMMENDATIONS)
    missing -= SEEN
    assert not missing, f"no table row raises: {sorted(missing)}"
