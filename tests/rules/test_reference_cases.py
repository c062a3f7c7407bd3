"""The reference patients used by the admin's impact preview (and available to any test)."""

from __future__ import annotations

import datetime as dt

import pytest

from ldn_screen.rules import DEFAULT_SETTINGS, RuleSettings, Verdict, screen
from ldn_screen.rules.reference_cases import impact, reference_cases

TODAY = dt.date(2026, 3, 2)


def _with(**changes: object) -> RuleSettings:
    return RuleSettings.from_dict({**DEFAULT_SETTINGS.as_dict(), **changes})


def test_about_twenty_cases_with_unique_ids_and_descriptions() -> None:
    cases = reference_cases(TODAY)
    assert 18 <= len(cases) <= 25
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
        ({"surgery_window_days": 90}, "surgery-in-60-days", ("verdict",)),
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
