"""Answers from an EHR record: what it shows, and what it leaves not checked (never "no")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ldn_screen.rules import DEFAULT_SETTINGS, Answer, OpioidType, OpioidUse
from ldn_screen.rules.ehr_record import (
    NOT_IN_RECORD,
    TOPIC_AGE,
    TOPIC_ALLERGY,
    TOPIC_PLANNING,
    TOPIC_PREGNANCY,
    EhrRecord,
    age_on,
    parse_date,
    read_record,
)
from ldn_screen.rules.override_reasons import override_reasons_error, parse_override_reasons
from ldn_screen.rules.settings import validate_values

TODAY = dt.date(2026, 11, 30)


def mr(text: str, status: str = "active", **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": text[:5],
        "status": status,
        "medicationCodeableConcept": {"text": text},
        **extra,
    }


def dispense(text: str, handed: str, days: int | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "resourceType": "MedicationDispense",
        "status": "completed",
        "medicationCodeableConcept": {"text": text},
        "whenHandedOver": handed,
    }
    if days is not None:
        result["daysSupply"] = {"value": days}
    return result


def read(**record: Any):  # type: ignore[no-untyped-def]
    return read_record(EhrRecord(**record), DEFAULT_SETTINGS, TODAY)


def test_nothing_sent_is_never_no() -> None:
    reading = read()
    assert reading.answers.opioid_use is OpioidUse.UNSURE
    assert reading.answers.fibromyalgia_diagnosed is Answer.UNSURE
    for topic in (TOPIC_AGE, TOPIC_PREGNANCY, TOPIC_ALLERGY, *NOT_IN_RECORD):
        assert topic in reading.not_checked
    assert not reading.medications_available


def test_empty_medication_list_is_a_check_done() -> None:
    reading = read(medication_requests=[], dispenses=[])
    assert reading.answers.opioid_use is OpioidUse.NONE
    assert reading.answers.naltrexone_now is Answer.NO


def test_active_opioid_is_current_use_with_the_safer_type() -> None:
    reading = read(medication_requests=[mr("oxycodone 5 mg"), mr("methadone 10 mg")])
    assert reading.answers.opioid_use is OpioidUse.CURRENT
    assert reading.answers.opioid_type is OpioidType.METHADONE


def test_stopped_opioid_gives_the_last_day_of_supply() -> None:
    stopped = mr(
        "oxycodone 5 mg",
        status="completed",
        authoredOn="2026-11-10",
        dispenseRequest={"expectedSupplyDuration": {"value": 10, "code": "d"}},
    )
    reading = read(medication_requests=[stopped])
    assert reading.answers.opioid_use is OpioidUse.RECENT
    assert reading.answers.last_opioid_dose_on == dt.date(2026, 11, 20)


def test_stopped_opioid_without_a_date_is_date_unknown() -> None:
    reading = read(medication_requests=[mr("tramadol 50 mg", status="stopped")])
    assert reading.answers.opioid_use is OpioidUse.RECENT_DATE_UNKNOWN


def test_old_stopped_opioid_is_history() -> None:
    old = mr(
        "oxycodone 5 mg",
        status="completed",
        dispenseRequest={"validityPeriod": {"end": "2025-01-01"}},
    )
    assert read(medication_requests=[old]).answers.opioid_use is OpioidUse.NONE


@pytest.mark.parametrize(
    ("handed", "days", "use"),
    [
        ("2026-11-25", 30, OpioidUse.CURRENT),
        ("2026-11-15", 5, OpioidUse.RECENT),
        ("2026-10-01", 10, OpioidUse.NONE),
        ("2026-11-01", None, OpioidUse.RECENT_DATE_UNKNOWN),
    ],
)
def test_dispenses(handed: str, days: int | None, use: OpioidUse) -> None:
    reading = read(medication_requests=[], dispenses=[dispense("hydrocodone/APAP", handed, days)])
    assert reading.answers.opioid_use is use


def test_active_naltrexone_and_ldn_lines() -> None:
    reading = read(medication_requests=[mr("naltrexone 4.5 mg capsule")])
    assert reading.answers.naltrexone_now is Answer.YES
    assert reading.ldn_lines and "naltrexone 4.5 mg" in reading.ldn_lines[0]


def test_excluded_draft_order_is_not_on_the_list() -> None:
    draft = mr("naltrexone 4.5 mg capsule") | {"id": "d1"}
    reading = read_record(
        EhrRecord(medication_requests=[draft]),
        DEFAULT_SETTINGS,
        TODAY,
        exclude_order_ids=frozenset({"d1"}),
    )
    assert reading.answers.naltrexone_now is Answer.NO


@pytest.mark.parametrize(
    ("code", "answer", "topic"),
    [
        ("LA15173-0", Answer.YES, None),
        ("77386006", Answer.YES, None),
        ("LA26683-5", Answer.NO, TOPIC_PLANNING),
        ("LA4489-6", Answer.NO, TOPIC_PREGNANCY),
    ],
)
def test_pregnancy_status(code: str, answer: Answer, topic: str | None) -> None:
    obs = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"code": "82810-3"}]},
        "valueCodeableConcept": {"coding": [{"code": code}]},
    }
    reading = read(pregnancy=[obs])
    assert reading.answers.pregnant_or_planning is answer
    if topic:
        assert topic in reading.not_checked


def test_fibromyalgia_by_icd10_and_not_when_resolved() -> None:
    active = {"resourceType": "Condition", "code": {"coding": [{"code": "M79.7"}]}}
    resolved = {**active, "clinicalStatus": {"coding": [{"code": "resolved"}]}}
    assert read(conditions=[active]).answers.fibromyalgia_diagnosed is Answer.YES
    assert read(conditions=[resolved]).answers.fibromyalgia_diagnosed is Answer.UNSURE


def test_allergies() -> None:
    allergy = {"resourceType": "AllergyIntolerance", "code": {"text": "Naltrexone"}}
    refuted = {**allergy, "verificationStatus": {"coding": [{"code": "refuted"}]}}
    assert read(allergies=[allergy]).answers.naltrexone_allergy is Answer.YES
    assert read(allergies=[refuted]).answers.naltrexone_allergy is Answer.NO
    assert TOPIC_ALLERGY not in read(allergies=[]).not_checked


@pytest.mark.parametrize(
    ("birth", "age"),
    [
        ("1980-12-01", 45),
        ("1980-11-30", 46),
        ("2008-12", 17),
        ("2008", 17),
        ("bad", None),
        ("2030-01-01", None),
    ],
)
def test_age_uses_the_youngest_possible(birth: str, age: int | None) -> None:
    assert age_on(birth, TODAY) == age


def test_partial_dates() -> None:
    assert parse_date("2026-02", latest=True) == dt.date(2026, 2, 28)
    assert parse_date("2026-11-05T10:00:00Z") == dt.date(2026, 11, 5)
    assert parse_date(20261105) is None


def test_override_reasons_setting() -> None:
    reasons = parse_override_reasons(DEFAULT_SETTINGS.cds_override_reasons)
    assert [r.display for r in reasons] == [
        "Opioid already stopped (list not reconciled)",
        "Supervised ultra-low-dose protocol",
        "Prescriber accepts the risk",
    ]
    assert override_reasons_error("no equals sign") is not None
    assert override_reasons_error("a b = spaces in code") is not None
    assert override_reasons_error("x = one; x = two") is not None
    assert override_reasons_error("x = one; y = two;") is None
    values = {**DEFAULT_SETTINGS.as_dict(), "cds_override_reasons": "bad"}
    assert "cds_override_reasons" in validate_values(values)


def test_active_prescriptions_only_leave_recent_stops_not_checked() -> None:
    partial = EhrRecord(medication_requests=[mr("lisinopril 10 mg")], history_available=False)
    reading = read_record(partial, DEFAULT_SETTINGS, TODAY)
    assert reading.answers.opioid_use is OpioidUse.UNSURE
    assert "recently stopped prescriptions" in reading.not_checked
    current = EhrRecord(medication_requests=[mr("oxycodone 5 mg")], history_available=False)
    assert read_record(current, DEFAULT_SETTINGS, TODAY).answers.opioid_use is OpioidUse.CURRENT
