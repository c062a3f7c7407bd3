"""The key safety rule when the answers and the medication list meet (issue: clinical rules,
items 1, 2, 4 and 7; issue: medication lists, section 3)."""

from __future__ import annotations

import datetime as dt

import pytest

from ldn_screen.rules import (
    DEFAULT_SETTINGS,
    Answer,
    OpioidType,
    OpioidUse,
    Severity,
    Verdict,
    screen,
)
from ldn_screen.rules.chart_note import chart_note
from tests.medication_eval import SCREENED_ON, clean_patient

D0 = SCREENED_ON
LONG = DEFAULT_SETTINGS.washout_days_long_acting
SHORT = DEFAULT_SETTINGS.washout_days_short_acting


def run(**changes: object):  # type: ignore[no-untyped-def]
    return screen(clean_patient(**changes), DEFAULT_SETTINGS)


# --- 1. Maintenance is a "do not start", whatever the source ------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "methadone 80 mg daily",
        "MTD 80 mg daily",
        "Methadose 60 mg oral concentrate daily",
        "Suboxone 8/2 mg film SL daily",
        "bup/nx 8/2 daily",
        "buprenorphine 8 mg SL daily",
        "Sublocade 300 mg SC monthly",
    ],
)
@pytest.mark.parametrize("use", [OpioidUse.NONE, OpioidUse.RECENT])
def test_maintenance_in_the_list_is_do_not_start(line: str, use: OpioidUse) -> None:
    extra = {}
    if use is OpioidUse.RECENT:
        extra = {
            "opioid_type": OpioidType.SHORT_ACTING,
            "last_opioid_dose_on": D0 - dt.timedelta(60),
        }
    result = run(opioid_use=use, medication_list=line, **extra)
    assert result.verdict is Verdict.DO_NOT_START
    assert "opioid_maintenance_in_list" in result.codes
    assert result.dose_plan is None


def test_a_buprenorphine_patch_for_pain_is_review_with_the_long_interval() -> None:
    result = run(medication_list="Butrans 10 mcg/hr patch weekly")
    assert result.verdict is Verdict.REVIEW
    assert "opioid_maintenance_in_list" not in result.codes


# --- 2. The ultra-low-dose protocol never shows a milligram plan --------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"opioid_use": OpioidUse.CURRENT, "opioid_type": OpioidType.LONG_ACTING},
        {"opioid_use": OpioidUse.NONE, "medication_list": "OxyContin 20 mg q12h"},
    ],
)
def test_ultra_low_dose_protocol_gives_review_without_any_plan(changes: dict) -> None:
    result = run(ultra_low_dose_protocol=Answer.YES, **changes)
    assert result.verdict is Verdict.REVIEW
    assert "ultra_low_dose_protocol" in result.codes
    assert result.dose_plan is None
    finding = next(f for f in result.findings if f.code == "ultra_low_dose_protocol")
    assert "outside what this tool calculates" in finding.summary
    assert "1 microgram" in finding.clinician_text
    note = chart_note(result, 1, D0, D0)
    assert " mg" not in note.split("Findings:")[0]
    assert "Plan" not in note


def test_without_an_opioid_the_ultra_low_dose_answer_changes_nothing() -> None:
    result = run(ultra_low_dose_protocol=Answer.YES)
    assert result.verdict is Verdict.ELIGIBLE
    assert result.dose_plan is not None


# --- 4. Contradictions are never screened silently (rules level) --------------------------


def test_stopped_recently_without_a_date_is_review_never_eligible() -> None:
    result = run(opioid_use=OpioidUse.RECENT, opioid_type=OpioidType.SHORT_ACTING)
    assert result.verdict is Verdict.REVIEW
    assert "opioid_recent_no_date" in result.codes


def test_an_opioid_line_while_the_answers_say_stopped_is_review() -> None:
    result = run(
        opioid_use=OpioidUse.RECENT,
        opioid_type=OpioidType.SHORT_ACTING,
        last_opioid_dose_on=D0 - dt.timedelta(days=60),
        medication_list="Norco 5/325 q6h prn",
    )
    assert result.verdict is Verdict.REVIEW
    finding = next(f for f in result.findings if f.code == "opioid_in_medication_list")
    assert "say it was stopped" in finding.summary


# --- 7. "Stopped, date not known" ----------------------------------------------------------


def test_date_unknown_with_no_vouched_date_is_review() -> None:
    result = run(opioid_use=OpioidUse.RECENT_DATE_UNKNOWN)
    assert result.verdict is Verdict.REVIEW
    assert "opioid_stopped_date_unknown" in result.codes
    assert result.earliest_start_on is None


@pytest.mark.parametrize("opioid_type", [OpioidType.SHORT_ACTING, None])
def test_date_unknown_counts_the_long_interval_from_the_vouched_date(opioid_type) -> None:  # type: ignore[no-untyped-def]
    since = D0 - dt.timedelta(days=SHORT + 1)  # past the short interval, inside the long one
    result = run(
        opioid_use=OpioidUse.RECENT_DATE_UNKNOWN,
        opioid_type=opioid_type,
        last_opioid_dose_on=since,
    )
    assert result.verdict is Verdict.NOT_YET
    assert result.earliest_start_on == since + dt.timedelta(days=LONG)


# --- The list's context: allergy, stopped, history, unread -----------------------------------


def test_an_opioid_allergy_line_is_information_not_review() -> None:
    result = run(medication_list="Allergies: codeine (rash)\nduloxetine 60 mg daily")
    assert result.verdict is Verdict.ELIGIBLE
    info = next(f for f in result.findings if f.code == "opioid_allergy_recorded")
    assert info.severity is Severity.INFO and "codeine" in info.summary


def test_a_naltrexone_allergy_line_acts_like_the_structured_answer() -> None:
    result = run(medication_list="Allergies: naltrexone (hives)")
    assert result.verdict is Verdict.DO_NOT_START
    assert "naltrexone_allergy" in result.codes


def test_a_naloxone_allergy_line_acts_like_the_structured_answer() -> None:
    assert "naloxone_allergy" in run(medication_list="ADR: naloxone - rash").codes


@pytest.mark.parametrize(
    ("line", "verdict", "code"),
    [
        ("oxycodone 5 mg - stopped", Verdict.REVIEW, "opioid_stopped_unconfirmed"),
        ("Norco d/c'd last week", Verdict.REVIEW, "opioid_stopped_unconfirmed"),
        ("oxycodone (discontinued 2024)", Verdict.ELIGIBLE, "opioid_stopped_history"),
        ("Hx of Percocet after knee surgery 2019", Verdict.ELIGIBLE, "opioid_stopped_history"),
    ],
)
def test_a_stopped_line_is_never_dropped(line: str, verdict: Verdict, code: str) -> None:
    result = run(medication_list=line)
    assert result.verdict is verdict
    assert code in result.codes


def test_a_stop_date_inside_the_interval_is_not_history() -> None:
    inside = D0 - dt.timedelta(days=LONG - 1)
    result = run(medication_list=f"OxyContin 20 mg - discontinued {inside.isoformat()}")
    assert result.verdict is Verdict.REVIEW
    assert "opioid_stopped_unconfirmed" in result.codes


def test_a_stopped_long_acting_line_keeps_the_long_interval() -> None:
    last = D0 - dt.timedelta(days=SHORT + 1)
    result = run(
        opioid_use=OpioidUse.RECENT,
        opioid_type=OpioidType.SHORT_ACTING,
        last_opioid_dose_on=last,
        medication_list=f"MS Contin 30 mg - stopped {last.isoformat()}",
    )
    assert result.earliest_start_on == last + dt.timedelta(days=LONG)


def test_an_unread_medicine_line_keeps_the_verdict_from_eligible() -> None:
    result = run(medication_list="Zyxoprine 10 mg bid")
    assert result.verdict is Verdict.REVIEW
    assert "medication_lines_unrecognised" in result.codes
    check = next(c for c in result.checks if c.topic == "Medication list")
    assert "no opioid found" not in check.outcome
    assert "1 line not recognised" in check.outcome


def test_a_confirmed_line_lets_the_screen_go_on_and_is_recorded() -> None:
    result = run(
        medication_list="Zyxoprine 10 mg bid",
        confirmed_not_opioid_lines=("zyxoprine 10 mg bid",),
    )
    assert result.verdict is Verdict.ELIGIBLE
    note = chart_note(result, 1, D0, D0)
    assert "Confirmed by the clinician as not opioids:" in note
    assert "line 1: Zyxoprine 10 mg bid" in note


def test_an_unread_line_that_is_not_a_medicine_is_a_caution() -> None:
    result = run(
        medication_list="Patient brought the bottles to the visit today\ngabapentin 100 mg"
    )
    assert result.verdict is Verdict.ELIGIBLE
    assert "medication_lines_unread" in result.codes


def test_the_check_says_no_opioid_found_only_when_every_line_was_read() -> None:
    result = run(medication_list="duloxetine 60 mg daily\npregabalin 75 mg bid")
    check = next(c for c in result.checks if c.topic == "Medication list")
    assert check.outcome == "2 lines read; 0 opioid lines in current use; no opioid found"


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Movantik 25 mg daily", "Movantik"),
        ("Narcan 4 mg nasal spray", "Narcan"),
    ],
)
def test_an_opioid_indicator_alone_asks_to_check_but_stays_eligible(line: str, name: str) -> None:
    result = run(medication_list=line)
    assert result.verdict is Verdict.ELIGIBLE
    caution = next(f for f in result.findings if f.code == "opioid_indicator_in_list")
    assert caution.severity is Severity.CAUTION and name in caution.summary


@pytest.mark.parametrize(
    ("line", "name"),
    [("lofexidine 0.18 mg tid", "lofexidine"), ("Lucemyra 0.54 mg QID", "Lucemyra")],
)
def test_an_opioid_withdrawal_treatment_asks_for_the_last_opioid_dose(line: str, name: str) -> None:
    # Lofexidine eases opioid withdrawal: the patient is probably stopping an opioid now.
    result = run(medication_list=f"duloxetine 60 mg daily\n{line}")
    assert result.verdict is Verdict.ELIGIBLE
    caution = next(f for f in result.findings if f.code == "opioid_withdrawal_treatment_in_list")
    assert caution.severity is Severity.CAUTION and name in caution.summary
    assert "line 2" in caution.summary and "last opioid dose" in caution.summary
    assert "opioid_indicator_in_list" not in result.codes


@pytest.mark.parametrize("line", ["gabapentine 300 mg tid", "Magnacet 7.5/400 1 tab q6h prn"])
def test_a_word_near_a_medicine_name_is_not_guessed_to_be_that_medicine(line: str) -> None:
    # Guessing "gabapentine" as gabapentin would also read an unknown opioid brand that is
    # near some medicine name (Magnacet, oxycodone with paracetamol) as that medicine.
    result = run(medication_list=line)
    assert result.verdict is not Verdict.ELIGIBLE
    assert "medication_lines_unrecognised" in result.codes or "opioid_in_medication_list" in (
        result.codes
    )
