"""The decision in brief: the reason and first step the summary shows before any detail."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from ldn_screen.rules import (
    DEFAULT_SETTINGS,
    Answer,
    Formulation,
    OpioidType,
    OpioidUse,
    PatientAnswers,
    Severity,
    Verdict,
    screen,
)
from ldn_screen.rules.decision import (
    DECIDING_SEVERITIES,
    ELIGIBLE_REASON,
    NO_PLAN_STEP,
    STEP_LABELS,
    decision,
    medication_reading_needs_attention,
)
from ldn_screen.rules.diagnosis import Acr2016Answers
from ldn_screen.rules.diagnosis import WpiArea as A
from ldn_screen.rules.findings import surgery_stop_row
from ldn_screen.rules.units import fmt_date, fmt_mg, fmt_ml

D0 = dt.date(2026, 11, 27)
Y, N, U = Answer.YES, Answer.NO, Answer.UNSURE
# The 2016 criteria met: without them the summary always notes "diagnosis not checked".
CRITERIA_MET = Acr2016Answers(
    painful_areas=frozenset(
        {A.SHOULDER_LEFT, A.SHOULDER_RIGHT, A.HIP_LEFT, A.HIP_RIGHT, A.NECK, A.UPPER_BACK, A.CHEST}
    ),
    fatigue=2,
    waking_unrefreshed=2,
    cognitive_symptoms=1,
    headaches=False,
    lower_abdominal_pain_or_cramps=False,
    depression=False,
    symptoms_at_least_3_months=True,
)


def answers(**overrides: object) -> PatientAnswers:
    base = PatientAnswers(
        assessed_on=D0,
        age_years=45,
        pregnant_or_planning=N,
        breastfeeding=N,
        fibromyalgia_diagnosed=Y,
        opioid_use=OpioidUse.NONE,
        naltrexone_now=N,
        start_on=D0,
    )
    return dataclasses.replace(base, **overrides)


def test_eligible_without_findings_gives_the_reason_and_the_first_dose() -> None:
    # A real screening always notes the diagnosis (checked or not); without that note:
    screened = screen(answers(acr_2016=CRITERIA_MET), DEFAULT_SETTINGS)
    assert screened.verdict is Verdict.ELIGIBLE
    assert {f.severity for f in screened.findings} <= {Severity.INFO}
    result = dataclasses.replace(screened, findings=())
    d = decision(result)
    assert d.reason == ELIGIBLE_REASON
    assert d.deciding == ()
    assert d.step_label == STEP_LABELS[Verdict.ELIGIBLE]
    plan = result.dose_plan
    assert plan is not None
    first = plan.steps[0]
    assert d.step.startswith(f"{fmt_mg(first.dose_mg)} once a day from {fmt_date(first.starts_on)}")
    assert fmt_date(plan.review_on) in d.step


def test_eligible_with_cautions_points_to_them() -> None:
    result = screen(answers(thyroid_condition=Y), DEFAULT_SETTINGS)
    assert result.verdict is Verdict.ELIGIBLE and result.findings
    d = decision(result)
    assert d.reason.startswith(ELIGIBLE_REASON)
    assert f"{len(result.findings)} finding" in d.reason
    assert d.deciding == ()  # a caution never decides


def test_liquid_first_step_gives_the_volume() -> None:
    result = screen(answers(formulation=Formulation.LIQUID), DEFAULT_SETTINGS)
    plan = result.dose_plan
    assert plan is not None and plan.steps[0].volume_ml is not None
    assert fmt_ml(plan.steps[0].volume_ml) in decision(result).step


def test_do_not_start_names_the_stop_finding_and_makes_no_plan() -> None:
    # A review finding too (surgery unsure): the stop alone decides, so it is the reason.
    result = screen(answers(naltrexone_allergy=Y, surgery_planned=U), DEFAULT_SETTINGS)
    assert result.verdict is Verdict.DO_NOT_START
    d = decision(result)
    stops = [f for f in result.findings if f.severity is Severity.STOP]
    assert d.deciding == tuple(stops)
    assert d.reason == stops[0].summary
    assert d.step == NO_PLAN_STEP[Verdict.DO_NOT_START]
    assert d.step_label == STEP_LABELS[Verdict.DO_NOT_START]


def test_several_deciding_findings_are_counted_in_the_reason() -> None:
    both = answers(naltrexone_allergy=Y, acute_hepatitis_or_liver_failure=Y)
    result = screen(both, DEFAULT_SETTINGS)
    d = decision(result)
    assert len(d.deciding) == 2
    assert d.deciding[0].summary.endswith(".")
    assert d.reason == f"{d.deciding[0].summary} 1 more reason below."


def test_not_yet_gives_the_earliest_start_first() -> None:
    last_dose = D0 - dt.timedelta(days=1)
    result = screen(
        answers(
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.SHORT_ACTING,
            last_opioid_dose_on=last_dose,
        ),
        DEFAULT_SETTINGS,
    )
    assert result.verdict is Verdict.NOT_YET and result.earliest_start_on is not None
    d = decision(result)
    assert d.step_label == "Earliest start"
    assert d.step.startswith(fmt_date(result.earliest_start_on))
    assert d.step.count(fmt_date(result.earliest_start_on)) == 1  # said once, not repeated
    plan = result.dose_plan
    assert plan is not None and plan.steps[0].starts_on == result.earliest_start_on
    assert f"first step {fmt_mg(plan.steps[0].dose_mg)} once a day." in d.step
    assert all(f.severity is Severity.WAIT for f in d.deciding) and d.deciding
    assert d.reason == d.deciding[0].summary


def test_review_makes_the_first_dose_conditional_on_the_prescriber() -> None:
    result = screen(answers(surgery_planned=U), DEFAULT_SETTINGS)
    assert result.verdict is Verdict.REVIEW and result.dose_plan is not None
    d = decision(result)
    assert d.step.startswith("A prescriber reviews the finding below. Only if they approve: ")
    assert fmt_mg(result.dose_plan.steps[0].dose_mg) in d.step
    assert all(f.severity is Severity.REVIEW for f in d.deciding)


def test_review_without_a_plan_says_no_plan_is_made() -> None:
    result = screen(
        answers(
            opioid_use=OpioidUse.CURRENT,
            opioid_type=OpioidType.SHORT_ACTING,
            ultra_low_dose_protocol=Y,
        ),
        DEFAULT_SETTINGS,
    )
    assert result.dose_plan is None and result.verdict is not Verdict.DO_NOT_START
    assert decision(result).step == NO_PLAN_STEP[result.verdict]


def test_an_operation_before_the_first_dose_is_the_first_step() -> None:
    start = D0 + dt.timedelta(days=15)
    result = screen(
        answers(start_on=start, surgery_planned=Y, surgery_on=start + dt.timedelta(days=1)),
        DEFAULT_SETTINGS,
    )
    plan = result.dose_plan
    assert plan is not None and plan.surgery_stop is not None
    assert plan.surgery_stop.last_dose_on is None
    assert decision(result).step == surgery_stop_row(plan.surgery_stop)


@pytest.mark.parametrize("severity", list(Severity))
def test_only_verdict_setting_severities_decide(severity: Severity) -> None:
    # The summary never folds a deciding finding away: the set must match the engine's.
    from ldn_screen.rules.engine import _VERDICT_FOR

    assert (severity in DECIDING_SEVERITIES) == (severity in _VERDICT_FOR)


@pytest.mark.parametrize(
    ("medication_list", "needs_attention"),
    [
        ("duloxetine 60 mg daily\npregabalin 75 mg twice daily", False),
        ("", False),
        ("tramadol 50 mg q6h prn\nduloxetine 60 mg", True),  # a current opioid
        ("codeine: stopped 2019", True),  # a stopped opioid is still named
        ("allergy: morphine (rash)", True),
        ("zz-unknown pill 3 mg", True),  # unread: could be an opioid
        ("naltrexone 4.5 mg", True),
        ("naloxone 0.4 mg", True),  # usually prescribed with an opioid
        ("loperamide 2 mg", True),
    ],
)
def test_the_medication_reading_folds_only_when_nothing_needs_a_look(
    medication_list: str, needs_attention: bool
) -> None:
    result = screen(answers(medication_list=medication_list), DEFAULT_SETTINGS)
    assert medication_reading_needs_attention(result.medication_reading) is needs_attention


def test_a_confirmed_unread_line_no_longer_needs_attention() -> None:
    text = "zz-unknown pill 3 mg"
    unconfirmed = screen(answers(medication_list=text), DEFAULT_SETTINGS).medication_reading
    confirmed = screen(
        answers(medication_list=text, confirmed_not_opioid_lines=(text,)), DEFAULT_SETTINGS
    ).medication_reading
    assert medication_reading_needs_attention(unconfirmed)
    assert any(line.confirmed for line in confirmed.lines)
    assert not medication_reading_needs_attention(confirmed)
