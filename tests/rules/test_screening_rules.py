"""Rule tables: every finding, every boundary, and how findings combine into the verdict."""

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
    RuleSettings,
    Schedule,
    Severity,
    Verdict,
    screen,
)
from ldn_screen.rules.chart_note import chart_note
from ldn_screen.rules.diagnosis import Acr2016Answers
from ldn_screen.rules.diagnosis import WpiArea as A
from ldn_screen.rules.findings import CATALOGUE
from ldn_screen.rules.settings import SPECS_BY_NAME, validate_values
from ldn_screen.rules.units import fmt_date
from ldn_screen.rules.wording import plan_wording

D0 = dt.date(2026, 11, 27)
Y, N, U = Answer.YES, Answer.NO, Answer.UNSURE


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


def settings(**overrides: object) -> RuleSettings:
    return dataclasses.replace(DEFAULT_SETTINGS, **overrides)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


SEEN_CODES: set[str] = set()


def run(a: PatientAnswers, s: RuleSettings = DEFAULT_SETTINGS):  # type: ignore[no-untyped-def]
    result = screen(a, s)
    SEEN_CODES.update(result.codes)
    return result


# --- One answer, one finding ------------------------------------------------------------

SINGLE_FINDINGS = [
    # (overrides, verdict, code)
    (
        {"opioid_use": OpioidUse.CURRENT, "opioid_type": OpioidType.SHORT_ACTING},
        Verdict.DO_NOT_START,
        "opioid_current",
    ),
    (
        {"opioid_use": OpioidUse.CURRENT, "ultra_low_dose_protocol": Y},
        Verdict.REVIEW,
        "ultra_low_dose_protocol",
    ),
    ({"opioid_dependence": Y}, Verdict.DO_NOT_START, "opioid_dependence"),
    ({"opioid_withdrawal": Y}, Verdict.DO_NOT_START, "opioid_withdrawal"),
    ({"naltrexone_allergy": Y}, Verdict.DO_NOT_START, "naltrexone_allergy"),
    ({"acute_hepatitis_or_liver_failure": Y}, Verdict.DO_NOT_START, "hepatic_failure_stop"),
    ({"opioid_use": OpioidUse.UNSURE}, Verdict.REVIEW, "opioid_use_unsure"),
    (
        {
            "opioid_use": OpioidUse.RECENT,
            "opioid_type": OpioidType.DEPOT_BUPRENORPHINE,
            "last_opioid_dose_on": D0 - days(90),
        },
        Verdict.REVIEW,
        "opioid_depot_buprenorphine",
    ),
    ({"pregnant_or_planning": Y}, Verdict.REVIEW, "pregnancy"),
    ({"breastfeeding": Y}, Verdict.REVIEW, "breastfeeding"),
    ({"other_liver_disease": Y}, Verdict.REVIEW, "liver_disease"),
    ({"kidney_impairment": Y}, Verdict.REVIEW, "kidney_impairment"),
    ({"transplant_or_immunosuppressant": Y}, Verdict.REVIEW, "transplant"),
    ({"naloxone_allergy": Y}, Verdict.REVIEW, "naloxone_allergy"),
    ({"kratom_or_similar": Y}, Verdict.REVIEW, "kratom"),
    ({"age_years": 17}, Verdict.REVIEW, "under_age"),
    ({"fibromyalgia_diagnosed": N}, Verdict.REVIEW, "diagnosis_not_confirmed"),
    ({"fibromyalgia_diagnosed": U}, Verdict.REVIEW, "diagnosis_not_confirmed"),
    ({"thyroid_condition": Y}, Verdict.ELIGIBLE, "thyroid"),
    ({"sensitive_to_medicines": Y}, Verdict.ELIGIBLE, "sensitive"),
    (
        {"surgery_planned": Y, "surgery_on": D0 + days(10)},
        Verdict.REVIEW,
        "surgery_during_titration",
    ),
    ({"surgery_planned": Y, "surgery_on": D0 + days(40)}, Verdict.ELIGIBLE, "surgery_later"),
    # The issue's examples: surgery the day after a start in 15 days, and 5 days before a
    # start in 60 days (post-operative opioids just before the first dose).
    (
        {"surgery_planned": Y, "surgery_on": D0 + days(16), "start_on": D0 + days(15)},
        Verdict.REVIEW,
        "surgery_at_start",
    ),
    (
        {"surgery_planned": Y, "surgery_on": D0 + days(55), "start_on": D0 + days(60)},
        Verdict.REVIEW,
        "surgery_near_start",
    ),
    (
        {"surgery_planned": Y, "surgery_on": D0 + days(20), "start_on": D0 + days(60)},
        Verdict.ELIGIBLE,
        "surgery_before_start",
    ),
]


@pytest.mark.parametrize(("overrides", "verdict", "code"), SINGLE_FINDINGS)
def test_single_answer_raises_its_finding(overrides, verdict, code) -> None:  # type: ignore[no-untyped-def]
    result = run(answers(**overrides))
    assert result.verdict is verdict
    assert code in result.codes
    finding = next(f for f in result.findings if f.code == code)
    assert finding.source.title and finding.source.reference
    assert len(finding.summary) <= 140


UNSURE_QUESTIONS = [
    "naltrexone_now",
    "opioid_dependence",
    "opioid_withdrawal",
    "kratom_or_similar",
    "naltrexone_allergy",
    "naloxone_allergy",
    "pregnant_or_planning",
    "breastfeeding",
    "acute_hepatitis_or_liver_failure",
    "other_liver_disease",
    "kidney_impairment",
    "transplant_or_immunosuppressant",
    "surgery_planned",
]


@pytest.mark.parametrize("question", UNSURE_QUESTIONS)
def test_not_sure_to_a_safety_question_is_review_never_eligible(question: str) -> None:
    result = run(answers(**{question: U}))
    assert result.verdict is Verdict.REVIEW
    assert "unsure_answer" in result.codes


def test_clean_answers_are_eligible_with_only_the_criteria_note() -> None:
    # The optional 2016 criteria section was left blank: an information note, nothing more.
    result = run(answers())
    assert result.verdict is Verdict.ELIGIBLE
    assert result.codes == {"diagnosis_not_checked"}
    assert result.findings[0].severity is Severity.INFO
    assert result.dose_plan is not None


def test_hepatic_action_setting_turns_the_stop_into_review() -> None:
    result = run(
        answers(acute_hepatitis_or_liver_failure=Y), settings(hepatic_failure_action="review")
    )
    assert result.verdict is Verdict.REVIEW
    assert "hepatic_failure_review" in result.codes


@pytest.mark.parametrize(
    ("age", "verdict"),
    [(17, Verdict.REVIEW), (18, Verdict.ELIGIBLE), (0, Verdict.REVIEW), (120, Verdict.ELIGIBLE)],
)
def test_age_boundary(age: int, verdict: Verdict) -> None:
    assert run(answers(age_years=age)).verdict is verdict


# --- The opioid-free interval ---------------------------------------------------------------

WASHOUT = [
    # (type, days since last dose at the planned start, expected verdict, expected interval)
    (OpioidType.SHORT_ACTING, 10, Verdict.ELIGIBLE, 10),
    (OpioidType.SHORT_ACTING, 9, Verdict.NOT_YET, 10),
    (OpioidType.LONG_ACTING, 14, Verdict.ELIGIBLE, 14),
    (OpioidType.LONG_ACTING, 13, Verdict.NOT_YET, 14),
    (OpioidType.METHADONE, 13, Verdict.NOT_YET, 14),
    (OpioidType.BUPRENORPHINE, 14, Verdict.ELIGIBLE, 14),
    (OpioidType.UNKNOWN, 13, Verdict.NOT_YET, 14),
    (OpioidType.UNKNOWN, 14, Verdict.ELIGIBLE, 14),
]


@pytest.mark.parametrize(("kind", "since", "verdict", "interval"), WASHOUT)
def test_washout_boundaries(kind: OpioidType, since: int, verdict: Verdict, interval: int) -> None:
    last = D0 - days(since)
    result = run(answers(opioid_use=OpioidUse.RECENT, opioid_type=kind, last_opioid_dose_on=last))
    assert result.verdict is verdict
    assert result.earliest_start_on == last + days(interval)
    code = "opioid_washout" if verdict is Verdict.NOT_YET else "opioid_washout_complete"
    finding = next(f for f in result.findings if f.code == code)
    assert (
        f"{interval} days" in finding.clinician_text or f"{interval}-day" in finding.clinician_text
    )
    if kind is OpioidType.UNKNOWN:
        assert "not known, so the longer interval is used" in finding.clinician_text


def test_washout_uses_the_planned_start_date_not_today() -> None:
    last = D0 - days(5)
    later_start = answers(
        opioid_use=OpioidUse.RECENT,
        opioid_type=OpioidType.SHORT_ACTING,
        last_opioid_dose_on=last,
        start_on=D0 + days(5),
    )
    assert run(later_start).verdict is Verdict.ELIGIBLE


def test_not_yet_plan_starts_on_the_earliest_date_and_tells_the_patient() -> None:
    last = D0 - days(3)
    result = run(
        answers(
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.SHORT_ACTING,
            last_opioid_dose_on=last,
        )
    )
    assert result.verdict is Verdict.NOT_YET
    assert result.dose_plan is not None
    assert result.dose_plan.starts_on == last + days(10)
    wait = result.by_severity(Severity.WAIT)[0]
    assert wait.patient_text and "Do not take any opioid" in wait.patient_text


@pytest.mark.parametrize(
    ("short", "long_", "since", "verdict"),
    [
        (7, 14, 7, Verdict.ELIGIBLE),
        (7, 14, 6, Verdict.NOT_YET),
        (28, 28, 27, Verdict.NOT_YET),
    ],
)
def test_washout_follows_the_settings(short: int, long_: int, since: int, verdict: Verdict) -> None:
    result = run(
        answers(
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.SHORT_ACTING,
            last_opioid_dose_on=D0 - days(since),
        ),
        settings(washout_days_short_acting=short, washout_days_long_acting=long_),
    )
    assert result.verdict is verdict


def test_depot_buprenorphine_never_gets_a_date() -> None:
    result = run(
        answers(
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.DEPOT_BUPRENORPHINE,
            last_opioid_dose_on=D0 - days(365),
        )
    )
    assert result.earliest_start_on is None
    assert result.verdict is Verdict.REVIEW


# --- Surgery --------------------------------------------------------------------------------


START = D0 + days(100)


@pytest.mark.parametrize(
    ("days_before_start", "window", "code"),
    [
        (28, 28, "surgery_near_start"),
        (29, 28, "surgery_before_start"),
        (1, 28, "surgery_near_start"),
        (1, 0, "surgery_before_start"),
        (45, 45, "surgery_near_start"),
        (46, 45, "surgery_before_start"),
    ],
)
def test_surgery_before_the_start_is_judged_against_the_planned_start(
    days_before_start: int, window: int, code: str
) -> None:
    result = run(
        answers(start_on=START, surgery_planned=Y, surgery_on=START - days(days_before_start)),
        settings(surgery_review_days_before_start=window),
    )
    assert code in result.codes
    expected = Verdict.REVIEW if code == "surgery_near_start" else Verdict.ELIGIBLE
    assert result.verdict is expected
    finding = next(f for f in result.findings if f.code == code)
    assert finding.patient_text is None  # nothing to stop: LDN has not started
    assert result.dose_plan is not None and result.dose_plan.surgery_stop is None


@pytest.mark.parametrize(
    ("days_after_start", "code"),
    [
        (0, "surgery_at_start"),
        (3, "surgery_at_start"),  # the stop (3 days before) would begin on the first day
        (4, "surgery_during_titration"),  # one dose, on the first day, then the stop
        (14, "surgery_during_titration"),  # the day the target dose is reached
        (15, "surgery_later"),
    ],
)
def test_surgery_after_the_start_is_judged_against_the_titration(
    days_after_start: int, code: str
) -> None:
    result = run(answers(surgery_planned=Y, surgery_on=D0 + days(days_after_start)))
    assert code in result.codes
    assert result.verdict is (Verdict.ELIGIBLE if code == "surgery_later" else Verdict.REVIEW)


def test_surgery_during_the_titration_dates_the_stop_from_the_plan() -> None:
    result = run(answers(surgery_planned=Y, surgery_on=D0 + days(10)))
    finding = next(f for f in result.findings if f.code == "surgery_during_titration")
    last, stop = fmt_date(D0 + days(6)), fmt_date(D0 + days(7))
    assert f"last dose on {last} (step 1, 1.5 mg), none from {stop}" in finding.clinician_text
    assert finding.patient_text and f"take your last dose on {last}" in finding.patient_text
    plan = result.dose_plan
    assert plan is not None and plan.surgery_stop is not None
    assert plan.surgery_stop.surgery_on == D0 + days(10)
    assert plan.surgery_stop.last_dose_on == D0 + days(6)
    assert plan.surgery_stop.stop_from == D0 + days(7)


def test_the_chart_note_carries_the_stop_for_surgery() -> None:
    result = run(answers(surgery_planned=Y, surgery_on=D0 + days(10)))
    note = chart_note(result, 1, D0, D0)
    assert f"Stop for surgery: last dose on {fmt_date(D0 + days(6))}" in note
    assert "Plan (only if the prescriber approves):" in note


def test_the_issue_example_never_says_stop_before_the_first_dose() -> None:
    result = run(answers(start_on=D0 + days(15), surgery_planned=Y, surgery_on=D0 + days(16)))
    assert result.verdict is Verdict.REVIEW
    assert not any("last dose" in (f.patient_text or "") for f in result.findings)
    plan = result.dose_plan
    assert plan is not None and plan.surgery_stop is not None
    assert plan.surgery_stop.last_dose_on is None


@pytest.mark.parametrize("start_in", [0, 15, 60])
@pytest.mark.parametrize("schedule", [Schedule.STANDARD, Schedule.GENTLE])
def test_no_patient_text_gives_a_last_dose_before_the_first_dose(
    start_in: int, schedule: Schedule
) -> None:
    start = D0 + days(start_in)
    for surgery_in in range(0, 140):
        result = run(
            answers(
                start_on=start,
                schedule=schedule,
                surgery_planned=Y,
                surgery_on=D0 + days(surgery_in),
            )
        )
        plan = result.dose_plan
        assert plan is not None
        for finding in result.findings:
            if "last dose" in (finding.patient_text or ""):
                stop = plan.surgery_stop
                last = stop.last_dose_on if stop else D0 + days(surgery_in - 4)
                assert last is not None and last >= plan.starts_on, (surgery_in, finding.code)


def test_surgery_is_judged_against_the_earliest_start_when_opioids_delay_it() -> None:
    # Earliest start 7 days from now; surgery in 5 days comes 2 days before it.
    result = run(
        answers(
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.SHORT_ACTING,
            last_opioid_dose_on=D0 - days(3),
            surgery_planned=Y,
            surgery_on=D0 + days(5),
        )
    )
    assert result.verdict is Verdict.NOT_YET
    assert "surgery_near_start" in result.codes


def test_the_surgery_setting_is_measured_from_the_start_and_the_old_one_is_gone() -> None:
    spec = SPECS_BY_NAME["surgery_review_days_before_start"]
    assert spec.default == DEFAULT_SETTINGS.surgery_review_days_before_start == 28
    assert spec.source.key == "policy_surgery_window"
    assert "before the start" in spec.label
    # A stored version from before this release names the old setting: it is refused, and
    # the store's upgrade publishes a version without it (see tests/store).
    errors = validate_values({**DEFAULT_SETTINGS.as_dict(), "surgery_window_days": 14})
    assert errors == {"surgery_window_days": ["'surgery_window_days' is not a known setting"]}


def test_surgery_later_gives_the_hold_from_settings() -> None:
    surgery = D0 + days(60)
    result = run(answers(surgery_planned=Y, surgery_on=surgery), settings(surgery_hold_days=2))
    finding = next(f for f in result.findings if f.code == "surgery_later")
    assert "Stop LDN 2 days before" in finding.clinician_text
    assert finding.patient_text and "2 days before your operation" in finding.patient_text
    assert f"last dose on {fmt_date(surgery - days(3))}" in finding.patient_text
    assert "on the 4.5 mg dose" in finding.clinician_text  # dated from the plan


# --- Several findings at once ---------------------------------------------------------------


def test_several_findings_are_all_shown_and_the_most_severe_decides() -> None:
    result = run(
        answers(
            pregnant_or_planning=Y,
            kidney_impairment=Y,
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.SHORT_ACTING,
            last_opioid_dose_on=D0 - days(2),
            thyroid_condition=Y,
        )
    )
    assert result.verdict is Verdict.NOT_YET
    assert {"pregnancy", "kidney_impairment", "opioid_washout", "thyroid"} <= result.codes
    ranks = [list(Severity).index(f.severity) for f in result.findings]
    assert ranks == sorted(ranks)


def test_stop_outranks_everything_and_there_is_no_plan() -> None:
    result = run(
        answers(
            naltrexone_allergy=Y,
            pregnant_or_planning=Y,
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.SHORT_ACTING,
            last_opioid_dose_on=D0 - days(1),
        )
    )
    assert result.verdict is Verdict.DO_NOT_START
    assert result.dose_plan is None
    assert {"naltrexone_allergy", "pregnancy", "opioid_washout"} <= result.codes


# --- Dose plan --------------------------------------------------------------------------------


def test_standard_plan_uses_the_cited_defaults() -> None:
    plan = run(answers()).dose_plan
    assert plan is not None and plan.schedule is Schedule.STANDARD
    assert [s.dose_mg for s in plan.steps] == [1.5, 3.0, 4.5]
    assert [s.starts_on for s in plan.steps] == [D0, D0 + days(7), D0 + days(14)]
    assert plan.steps[0].ends_on == D0 + days(6)
    assert plan.steps[-1].ends_on is None
    assert plan.review_on == D0 + days(14) + dt.timedelta(weeks=12)
    assert plan.responder_pct == 30


@pytest.mark.parametrize(
    "overrides",
    [{"thyroid_condition": Y}, {"sensitive_to_medicines": Y}, {"schedule": Schedule.GENTLE}],
)
def test_gentle_plan(overrides: dict) -> None:  # type: ignore[type-arg]
    plan = run(answers(**overrides)).dose_plan
    assert plan is not None and plan.schedule is Schedule.GENTLE
    assert [s.dose_mg for s in plan.steps] == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5]
    assert plan.steps[1].starts_on == D0 + days(14)
    assert plan.target_reached_on == D0 + days(8 * 14)


@pytest.mark.parametrize(
    ("mg_per_ml", "volumes"),
    [(1.0, [1.5, 3.0, 4.5]), (5.0, [0.3, 0.6, 0.9]), (0.5, [3.0, 6.0, 9.0])],
)
def test_liquid_volumes_follow_the_concentration(mg_per_ml: float, volumes: list[float]) -> None:
    plan = run(
        answers(formulation=Formulation.LIQUID), settings(liquid_mg_per_ml=mg_per_ml)
    ).dose_plan
    assert plan is not None
    assert [s.volume_ml for s in plan.steps] == volumes
    assert plan.liquid_mg_per_ml == mg_per_ml


def test_capsules_have_no_volume() -> None:
    plan = run(answers()).dose_plan
    assert plan is not None and all(s.volume_ml is None for s in plan.steps)


def test_last_step_is_capped_at_the_target() -> None:
    plan = run(answers(), settings(standard_start_dose_mg=1.0, standard_step_mg=1.5)).dose_plan
    assert plan is not None
    assert [s.dose_mg for s in plan.steps] == [1.0, 2.5, 4.0, 4.5]


def test_target_of_six_mg_when_the_admin_raises_the_max() -> None:
    s = settings(max_dose_mg=6.0, target_dose_mg=6.0)
    assert s.validate() == {}
    plan = run(answers(), s).dose_plan
    assert plan is not None and plan.steps[-1].dose_mg == 6.0


# --- Side effects and counselling -----------------------------------------------------------


def test_side_effects_are_split_by_frequency_with_advice() -> None:
    effects = run(answers()).side_effects
    common = {e.name for e in effects if e.frequency == "common"}
    less = {e.name for e in effects if e.frequency == "less common"}
    assert common == {"Vivid dreams or nightmares", "Headache"}
    assert {"Nausea (feeling sick)", "Diarrhoea", "Feeling anxious", "Trouble sleeping"} == less
    assert all(e.advice and e.source for e in effects)


def test_counselling_points_carry_sources_and_the_configured_surgery_hold() -> None:
    points = {p.key: p for p in run(answers(), settings(surgery_hold_days=2)).counselling}
    assert {
        "off_label",
        "evidence",
        "compounded",
        "cost",
        "opioid_blockade",
        "emergency",
        "surgery",
        "tolerance",
        "do_not_override",
        "timing",
    } <= set(points)
    assert "2 days before" in points["surgery"].patient_text
    assert all(p.source.reference for p in points.values())


# --- The optional 2016 fibromyalgia criteria ------------------------------------------------

MET = Acr2016Answers(
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
NOT_MET = dataclasses.replace(MET, symptoms_at_least_3_months=False)

DIAGNOSIS_ROWS = [
    # (criteria answers, settings overrides, code, verdict)
    (None, {}, "diagnosis_not_checked", Verdict.ELIGIBLE),
    (MET, {}, "diagnosis_criteria_met", Verdict.ELIGIBLE),
    (NOT_MET, {}, "diagnosis_criteria_not_met_review", Verdict.REVIEW),
    (
        NOT_MET,
        {"diagnosis_not_met_action": "caution"},
        "diagnosis_criteria_not_met_caution",
        Verdict.ELIGIBLE,
    ),
]


@pytest.mark.parametrize(("acr", "overrides", "code", "verdict"), DIAGNOSIS_ROWS)
def test_the_criteria_section_gives_one_finding(
    acr: Acr2016Answers | None, overrides: dict[str, object], code: str, verdict: Verdict
) -> None:
    result = run(answers(acr_2016=acr), settings(**overrides))
    assert result.codes == {code}
    assert result.verdict is verdict
    check = next(c for c in result.checks if c.topic == "2016 fibromyalgia criteria")
    if acr is None:
        assert check.outcome.startswith("Not checked")
    else:
        assert "WPI 7, SSS 5" in check.outcome


def test_unmet_criteria_name_the_rule_that_failed() -> None:
    finding = run(answers(acr_2016=NOT_MET)).findings[0]
    assert finding.clinician_text.startswith(
        "Criterion 3 not met: symptoms for less than 3 months."
    )
    assert finding.source.key == "wolfe_2016"


@pytest.mark.parametrize(("answer", "state"), [(N, "not confirmed"), (U, "not known")])
def test_an_unconfirmed_diagnosis_is_review_even_when_unmet_criteria_are_only_a_caution(
    answer: Answer, state: str
) -> None:
    # The weaker doubt (criteria unmet) must never get a stronger verdict than this one.
    result = run(
        answers(fibromyalgia_diagnosed=answer), settings(diagnosis_not_met_action="caution")
    )
    assert result.verdict is Verdict.REVIEW
    finding = next(f for f in result.findings if f.code == "diagnosis_not_confirmed")
    assert finding.severity is Severity.REVIEW
    assert state in finding.summary


# --- Current naltrexone: its own question, one finding with the medication list ----------


def test_naltrexone_now_yes_is_a_duplicate_therapy_review() -> None:
    result = run(answers(naltrexone_now=Y))
    assert result.verdict is Verdict.REVIEW
    finding = next(f for f in result.findings if f.code == "naltrexone_already")
    assert finding.summary == "Already taking naltrexone (answered yes): duplicate therapy."
    assert "taking naltrexone now" in finding.clinician_text
    assert result.dose_plan is not None  # a review keeps its (conditional) plan


def test_naltrexone_now_left_out_by_an_api_caller_is_never_read_as_no() -> None:
    base = answers()
    omitted = PatientAnswers(
        assessed_on=base.assessed_on,
        age_years=base.age_years,
        pregnant_or_planning=N,
        breastfeeding=N,
        fibromyalgia_diagnosed=Y,
        opioid_use=OpioidUse.NONE,
    )
    result = run(omitted)
    assert result.verdict is Verdict.REVIEW
    assert "unsure_answer" in result.codes
    check = next(c for c in result.checks if c.topic.startswith("Taking naltrexone now"))
    assert check.outcome == "Not sure"


@pytest.mark.parametrize(("answer", "words"), [(Y, "answered yes; "), (N, ""), (U, "")])
def test_naltrexone_in_the_answer_and_the_list_gives_one_finding(
    answer: Answer, words: str
) -> None:
    result = run(answers(naltrexone_now=answer, medication_list="Contrave 8/90 mg 2 tabs bid"))
    found = [f for f in result.findings if f.code == "naltrexone_already"]
    assert len(found) == 1
    assert "unsure_answer" not in result.codes  # the list settles the 'not sure'
    assert found[0].summary.startswith(f"Already taking naltrexone ({words}medication list line 1:")
    assert "line 1: Contrave 8/90 mg 2 tabs bid" in found[0].clinician_text
    if answer is N:
        assert "the medication list disagrees" in found[0].clinician_text
    assert result.verdict is Verdict.REVIEW


# --- The clinician's schedule: respected, or openly overridden --------------------------------


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"sensitive_to_medicines": Y}, "because of the answer 'sensitive to medicines'"),
        (
            {"sensitive_to_medicines": Y, "thyroid_condition": Y},
            "because of the answers 'sensitive to medicines' and 'thyroid hormone or Hashimoto's'",
        ),
    ],
)
def test_answers_that_override_a_chosen_standard_schedule_say_so(
    overrides: dict[str, object], expected: str
) -> None:
    result = run(answers(schedule=Schedule.STANDARD, **overrides))
    assert result.dose_plan is not None and result.dose_plan.schedule is Schedule.GENTLE
    assert result.schedule_override is not None
    assert result.schedule_override.startswith("Gentle schedule used")
    assert expected in result.schedule_override
    assert "standard schedule was chosen" in result.schedule_override
    note = chart_note(result, 1, D0, D0)
    assert result.schedule_override in note


@pytest.mark.parametrize(
    "overrides",
    [
        {"schedule": Schedule.STANDARD},
        {"schedule": Schedule.GENTLE, "sensitive_to_medicines": Y},
        {"schedule": Schedule.STANDARD, "thyroid_condition": Y, "naltrexone_allergy": Y},
    ],
)
def test_no_override_note_when_the_choice_is_followed_or_there_is_no_plan(
    overrides: dict[str, object],
) -> None:
    result = run(answers(**overrides))
    assert result.schedule_override is None
    assert result.schedule_override_reasons == ()


# --- A review is not a start -------------------------------------------------------------------

VERDICT_CASES = {
    Verdict.ELIGIBLE: {},
    Verdict.REVIEW: {"kidney_impairment": Y},
    Verdict.NOT_YET: {
        "opioid_use": OpioidUse.RECENT,
        "opioid_type": OpioidType.SHORT_ACTING,
        "last_opioid_dose_on": D0 - days(3),
    },
    Verdict.DO_NOT_START: {"naltrexone_allergy": Y},
}


@pytest.mark.parametrize("verdict", list(VERDICT_CASES))
def test_the_chart_note_never_claims_counselling_was_given(verdict: Verdict) -> None:
    result = run(answers(**VERDICT_CASES[verdict]))
    assert result.verdict is verdict
    note = chart_note(result, 1, D0, D0)
    assert "Counselled" not in note
    topics = "Counselling to give: opioid blockade, wallet card, surgery"
    assert (topics in note) is (verdict is Verdict.ELIGIBLE)
    if verdict is not Verdict.ELIGIBLE:
        assert "Counselling not given" in note


def test_the_plan_and_the_sheet_button_follow_the_verdict() -> None:
    eligible = plan_wording(run(answers(**VERDICT_CASES[Verdict.ELIGIBLE])))
    assert (eligible.heading, eligible.condition) == ("Dose plan", None)
    assert eligible.sheet_button == "Counselling sheet"

    review = plan_wording(run(answers(**VERDICT_CASES[Verdict.REVIEW])))
    assert review.heading == "Dose plan (only if the prescriber approves)"
    assert review.condition and "until a prescriber has reviewed" in review.condition
    assert review.sheet_button == "Print after the prescriber approves"
    assert review.chart_plan_qualifier == " (only if the prescriber approves)"

    not_yet_result = run(answers(**VERDICT_CASES[Verdict.NOT_YET]))
    assert not_yet_result.dose_plan is not None
    start = fmt_date(not_yet_result.dose_plan.starts_on)
    assert not_yet_result.dose_plan.starts_on == D0 + days(7)  # the earliest date, not today
    not_yet = plan_wording(not_yet_result)
    assert not_yet.heading == f"Dose plan (not before {start})"
    assert not_yet.sheet_button == f"Counselling sheet (plan from {start})"
    assert f"Plan (not before {start}):" in chart_note(not_yet_result, 1, D0, D0)

    stop_result = run(answers(**VERDICT_CASES[Verdict.DO_NOT_START]))
    stop = plan_wording(stop_result)
    assert (stop.heading, stop.condition, stop.sheet_button) == (None, None, None)
    assert "\nPlan" not in chart_note(stop_result, 1, D0, D0)


def test_a_review_chart_note_marks_the_plan_conditional() -> None:
    note = chart_note(run(answers(**VERDICT_CASES[Verdict.REVIEW])), 1, D0, D0)
    assert "Plan (only if the prescriber approves): standard schedule" in note


# --- The catalogue ----------------------------------------------------------------------------


def test_every_static_summary_fits_in_140_characters() -> None:
    for code, spec in CATALOGUE.items():
        if "{" not in spec.summary:
            assert len(spec.summary) <= 140, code


def test_every_catalogue_finding_is_reachable_by_some_rule_table_row() -> None:
    # Runs last in this module (pytest keeps file order): every code must have been seen.
    medication_codes = {
        "opioid_in_medication_list",
        "opioid_list_long_acting",
        "naltrexone_already",
        "loperamide",
        # covered in test_opioid_rules
        "opioid_maintenance_in_list",
        "opioid_recent_no_date",
        "opioid_stopped_date_unknown",
        "opioid_stopped_unconfirmed",
        "opioid_stopped_history",
        "opioid_allergy_recorded",
        "opioid_indicator_in_list",
        "opioid_withdrawal_treatment_in_list",
        "medication_lines_unrecognised",
        "medication_lines_unread",
    }  # covered in test_medication_rules
    missing = set(CATALOGUE) - SEEN_CODES - medication_codes
    assert not missing, f"no rule-table row raises: {sorted(missing)}"
