"""The reference patients used by the admin's impact preview (and available to any test)."""

from __future__ import annotations

import datetime as dt

import pytest

from ldn_screen.rules import DEFAULT_SETTINGS, RuleSettings, Verdict, screen
from ldn_screen.rules.reference_cases import (
    EARLIER_START,
    HIGHER_FIRST_DOSE,
    LESS_SAFE_VERDICT,
    VERDICT_SAFETY_ORDER,
    Outcome,
    impact,
    less_safe,
    reference_cases,
)

TODAY = dt.date(2026, 3, 2)


def _with(**changes: object) -> RuleSettings:
    return RuleSettings.from_dict({**DEFAULT_SETTINGS.as_dict(), **changes})


def test_about_twenty_five_cases_with_unique_ids_and_descriptions() -> None:
    cases = reference_cases(TODAY)
    assert 18 <= len(cases) <= 30
    assert len({c.id for c in cases}) == len(cases)
    assert all(c.description and c.id == c.id.lower() for c in cases)


def test_the_cases_cover_every_verdict_under_the_cited_defaults() -> None:
    verdicts = {screen(c.answers, DEFAULT_SETTINGS).verdict for c in reference_cases(TODAY)}
    assert verdicts == set(Verdict)


@pytest.mark.parametrize("today", [dt.date(2026, 1, 1), dt.date(2027, 6, 30), dt.date.today()])
def test_dates_are_relative_so_results_do_not_drift(today: dt.date) -> None:
    """The same case gives the same verdict whatever day the preview runs."""
    base = {c.id: screen(c.answers, DEFAULT_SETTINGS).verdict for c in reference_cases(TODAY)}
    now = {c.id: screen(c.answers, DEFAULT_SETTINGS).verdict for c in reference_cases(today)}
    assert now == base
    for case in reference_cases(today):
        assert case.answers.assessed_on == today
        assert case.answers.start_on is not None and case.answers.start_on >= today


def test_no_change_means_no_impact() -> None:
    assert not any(i.changed for i in impact(DEFAULT_SETTINGS, DEFAULT_SETTINGS, TODAY))


@pytest.mark.parametrize(
    ("changes", "case_id", "what"),
    [
        ({"washout_days_short_acting": 7}, "short-acting-8-days", ("verdict", "start date")),
        ({"washout_days_long_acting": 21}, "methadone-20-days", ("verdict", "start date")),
        ({"minimum_age_years": 16}, "age-17", ("verdict",)),
        ({"hepatic_failure_action": "review"}, "acute-hepatitis", ("verdict", "start date")),
        (
            {"surgery_review_days_before_start": 45},
            "surgery-40-days-before-start",
            ("verdict",),
        ),
        ({"surgery_hold_days": 2}, "surgery-in-60-days", ("dose plan",)),
        ({"liquid_mg_per_ml": 5.0}, "standard-liquid", ("dose plan",)),
        ({"gentle_step_interval_days": 7}, "gentle-sensitive", ("dose plan",)),
        ({"review_weeks": 16}, "standard-capsules", ("dose plan",)),
    ],
)
def test_each_threshold_moves_at_least_one_case(
    changes: dict[str, object], case_id: str, what: tuple[str, ...]
) -> None:
    results = {i.case.id: i for i in impact(DEFAULT_SETTINGS, _with(**changes), TODAY)}
    for part in what:
        assert part in results[case_id].changed, (case_id, results[case_id])


@pytest.mark.parametrize(
    ("case_id", "verdict"),
    [
        ("surgery-in-10-days", Verdict.REVIEW),
        ("surgery-day-after-start", Verdict.REVIEW),
        ("surgery-5-days-before-start", Verdict.REVIEW),
        ("surgery-40-days-before-start", Verdict.ELIGIBLE),
        ("surgery-in-60-days", Verdict.ELIGIBLE),
        ("naltrexone-now", Verdict.REVIEW),
        ("diagnosis-unsure", Verdict.REVIEW),
        ("list-long-acting-12-days", Verdict.NOT_YET),
        ("list-methadone", Verdict.DO_NOT_START),
        ("list-opioid-allergy", Verdict.ELIGIBLE),
    ],
)
def test_the_cases_cover_the_plan_based_surgery_diagnosis_and_naltrexone_rules(
    case_id: str, verdict: Verdict
) -> None:
    [case] = [c for c in reference_cases(TODAY) if c.id == case_id]
    assert screen(case.answers, DEFAULT_SETTINGS).verdict is verdict


def test_a_surgery_stop_inside_the_calendar_is_part_of_the_plan_text() -> None:
    results = {i.case.id: i for i in impact(DEFAULT_SETTINGS, DEFAULT_SETTINGS, TODAY)}
    surgery = TODAY + dt.timedelta(days=60)
    last = TODAY + dt.timedelta(days=56)
    plan = results["surgery-in-60-days"].before.plan
    assert f"stop for surgery {surgery:%a} {surgery.day} {surgery:%b %Y}" in plan
    assert f"last dose {last:%a} {last.day} {last:%b %Y}" in plan


def test_outcome_text_shows_what_a_clinician_acts_on() -> None:
    [standard] = [
        i
        for i in impact(DEFAULT_SETTINGS, _with(target_dose_mg=3.0), TODAY)
        if i.case.id == "standard-capsules"
    ]
    assert standard.before.verdict == standard.after.verdict == "Eligible to start"
    assert standard.before.start == "Mon 2 Mar 2026"
    assert "1.5 mg → 3 mg → 4.5 mg" in standard.before.plan
    assert "1.5 mg → 3 mg," in standard.after.plan
    assert standard.changed == ("dose plan",)


# --- Less safe ------------------------------------------------------------------------------


def _outcome(verdict: Verdict, start: dt.date | None = None, dose: float | None = None) -> Outcome:
    return Outcome(verdict.value, str(start), str(dose), verdict, start, dose)


SAFER_FIRST = [Verdict.DO_NOT_START, Verdict.NOT_YET, Verdict.REVIEW, Verdict.ELIGIBLE]


@pytest.mark.parametrize("old", SAFER_FIRST)
@pytest.mark.parametrize("new", SAFER_FIRST)
def test_a_move_down_the_verdict_order_is_less_safe(old: Verdict, new: Verdict) -> None:
    assert tuple(SAFER_FIRST) == VERDICT_SAFETY_ORDER
    found = less_safe(_outcome(old, TODAY, 1.5), _outcome(new, TODAY, 1.5))
    assert (LESS_SAFE_VERDICT in found) is (SAFER_FIRST.index(new) > SAFER_FIRST.index(old))


def test_an_earlier_start_or_a_higher_first_dose_is_less_safe() -> None:
    later = TODAY + dt.timedelta(days=3)
    same = Verdict.ELIGIBLE
    assert less_safe(_outcome(same, later, 1.5), _outcome(same, TODAY, 1.5)) == (EARLIER_START,)
    assert less_safe(_outcome(same, TODAY, 1.5), _outcome(same, later, 1.5)) == ()
    assert less_safe(_outcome(same, TODAY, 1.5), _outcome(same, TODAY, 2.0)) == (HIGHER_FIRST_DOSE,)
    assert less_safe(_outcome(same, TODAY, 1.5), _outcome(same, TODAY, 1.0)) == ()
    # A start date or a dose plan where there was none counts too.
    assert less_safe(_outcome(Verdict.DO_NOT_START), _outcome(same, TODAY, 1.5)) == (
        LESS_SAFE_VERDICT,
        EARLIER_START,
        HIGHER_FIRST_DOSE,
    )


@pytest.mark.parametrize(
    ("changes", "case_id", "how"),
    [
        # Below the label's 7 days: "not yet" becomes "eligible", and sooner.
        (
            {"washout_days_short_acting": 4},
            "short-acting-8-days",
            (LESS_SAFE_VERDICT, EARLIER_START),
        ),
        # A long-acting line in the list holds the longer interval; lowering it frees the case.
        (
            {"washout_days_long_acting": 10},
            "list-long-acting-12-days",
            (LESS_SAFE_VERDICT, EARLIER_START),
        ),
        ({"minimum_age_years": 16}, "age-17", (LESS_SAFE_VERDICT,)),
        (
            {"surgery_review_days_before_start": 3},
            "surgery-5-days-before-start",
            (LESS_SAFE_VERDICT,),
        ),
        ({"standard_start_dose_mg": 3.0}, "standard-capsules", (HIGHER_FIRST_DOSE,)),
    ],
)
def test_less_safe_reference_cases(
    changes: dict[str, object], case_id: str, how: tuple[str, ...]
) -> None:
    results = {i.case.id: i for i in impact(DEFAULT_SETTINGS, _with(**changes), TODAY)}
    assert results[case_id].less_safe == how
    # The same change undone is never less safe for that case.
    undone = {i.case.id: i for i in impact(_with(**changes), DEFAULT_SETTINGS, TODAY)}
    assert undone[case_id].less_safe == ()


def test_stricter_settings_move_no_case_to_a_less_safe_outcome() -> None:
    stricter = _with(
        washout_days_short_acting=14,
        washout_days_long_acting=28,
        minimum_age_years=21,
        surgery_review_days_before_start=90,
        standard_start_dose_mg=1.0,
        standard_step_mg=1.0,
    )
    moved = impact(DEFAULT_SETTINGS, stricter, TODAY)
    assert any(i.changed for i in moved)
    assert [i.case.id for i in moved if i.less_safe] == []
