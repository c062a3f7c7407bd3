"""Rule tables for the follow-up: IMMPACT bands, PEG arithmetic, timing and recommendations."""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction

import pytest

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
    fmt_days,
    fmt_pct,
    halved_dose_mg,
    pain_response,
)
from ldn_screen.rules.followup_findings import FOLLOWUP_CATALOGUE, RECOMMENDATIONS
from ldn_screen.rules.followup_note import followup_note
from ldn_screen.rules.model import Severity

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


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Fraction(30), "30%"),
        (Fraction(2997, 100), "29.9%"),  # cut, never rounded up across a threshold
        (Fraction(400, 9), "44.4%"),
        (Fraction(140, 3), "46.6%"),
        (Fraction(100), "100%"),
    ],
)
def test_percentages_are_cut_to_one_decimal(value: Fraction, shown: str) -> None:
    assert fmt_pct(value) == shown


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
        Recommendation.PRESCRIBER_REVIEW,
        "rec_review_safety",
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
    ({"liver_symptoms": Answer.YES}, "fu_liver_symptoms", Severity.REVIEW),
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
