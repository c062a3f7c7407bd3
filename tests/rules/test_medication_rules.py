"""How the pasted medication list feeds the verdict (the matcher itself: test_medications.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from ldn_screen.rules import LineKind, OpioidType, OpioidUse, Severity, Verdict, screen
from ldn_screen.rules.chart_note import chart_note
from tests.rules.test_screening_rules import D0, answers, settings

CHART = "duloxetine 60 mg daily\ngabapentin 300 mg PO TID\n{line}\nlevothyroxine 50 mcg daily"


def listing(line: str) -> str:
    return CHART.format(line=line)


@pytest.mark.parametrize(
    ("line", "verdict", "code"),
    [
        ("tramadol 50 mg 1 tab PO q6h PRN pain", Verdict.REVIEW, "opioid_in_medication_list"),
        ("Tylenol #3 1 tab q4h prn", Verdict.REVIEW, "opioid_in_medication_list"),
        ("Butrans 10 mcg/hr patch weekly", Verdict.REVIEW, "opioid_in_medication_list"),
        ("Sublocade 300 mg SC monthly", Verdict.DO_NOT_START, "opioid_maintenance_in_list"),
        ("Vivitrol 380 mg IM monthly", Verdict.REVIEW, "naltrexone_already"),
        ("kratom capsules daily", Verdict.REVIEW, "kratom"),
        ("loperamide 2 mg PRN diarrhoea", Verdict.ELIGIBLE, "loperamide"),
    ],
)
def test_list_overrides_a_no_opioids_answer(line: str, verdict: Verdict, code: str) -> None:
    result = screen(answers(medication_list=listing(line)), settings())
    assert result.verdict is verdict
    assert code in result.codes
    finding = next(f for f in result.findings if f.code == code)
    if code in {
        "opioid_in_medication_list",
        "opioid_maintenance_in_list",
        "naltrexone_already",
        "loperamide",
    }:
        assert "line 3:" in finding.summary


def test_a_typo_is_reported_as_possible() -> None:
    result = screen(answers(medication_list=listing("oxycodon 5 mg q6h prn")), settings())
    finding = next(f for f in result.findings if f.code == "opioid_in_medication_list")
    assert finding.summary.startswith("Medication list names a possible opioid")
    assert "possible" in finding.clinician_text


def test_non_opioid_fibromyalgia_list_stays_eligible() -> None:
    meds = "pregabalin 75 mg bid\namitriptyline 10 mg qhs\nnaproxen 500 mg bid\nAPAP 500 mg prn"
    result = screen(answers(medication_list=meds), settings())
    assert result.verdict is Verdict.ELIGIBLE
    assert {r.kind for r in result.medication_reading.lines} == {LineKind.MEDICINE}


def test_long_acting_product_in_the_list_applies_the_long_interval() -> None:
    last = D0 - dt.timedelta(days=11)  # past the short interval, inside the long one
    result = screen(
        answers(
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.SHORT_ACTING,
            last_opioid_dose_on=last,
            medication_list=listing("OxyContin 10 mg ER q12h"),
        ),
        settings(),
    )
    assert result.verdict is Verdict.NOT_YET
    assert result.earliest_start_on == last + dt.timedelta(days=14)
    assert "opioid_list_long_acting" in result.codes
    caution = next(f for f in result.findings if f.code == "opioid_list_long_acting")
    assert caution.severity is Severity.CAUTION and "line 3" in caution.summary


def test_a_current_depot_in_the_list_is_do_not_start_whatever_the_answer() -> None:
    result = screen(
        answers(
            opioid_use=OpioidUse.RECENT,
            opioid_type=OpioidType.SHORT_ACTING,
            last_opioid_dose_on=D0 - dt.timedelta(days=30),
            medication_list="Brixadi weekly injection",
        ),
        settings(),
    )
    assert result.verdict is Verdict.DO_NOT_START
    assert result.earliest_start_on is None
    assert result.dose_plan is None


def test_current_use_with_a_matching_list_is_a_stop_without_a_conflict_finding() -> None:
    result = screen(
        answers(opioid_use=OpioidUse.CURRENT, medication_list=listing("Norco 5/325 q6h prn")),
        settings(),
    )
    assert result.verdict is Verdict.DO_NOT_START
    assert "opioid_in_medication_list" not in result.codes


def test_chart_note_lists_the_matched_lines() -> None:
    result = screen(answers(medication_list=listing("tramadol 50 mg q6h prn")), settings())
    note = chart_note(result, 3, D0, D0)
    assert "Medication list, opioid lines:" in note
    assert "- line 3: tramadol 50 mg q6h prn (short-acting)" in note
    assert "Settings version 3 of" in note
