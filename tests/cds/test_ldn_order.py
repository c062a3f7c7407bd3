"""ldn-order: which orders it fires on, and every card it can give."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.rules import DEFAULT_SETTINGS
from ldn_screen.rules.units import fmt_date
from tests.cds.invariants import response_problems
from tests.cds_support import (
    bundle,
    call_service,
    days_from_today,
    full_prefetch,
    med_request,
    order_request,
    pregnancy_status,
)

LDN = med_request("o1", "naltrexone 1.5 mg capsule (compounded)", sig="1.5 mg at bedtime")


def cards_for(client: FlaskClient, payload: dict[str, Any], service: str = "ldn-order") -> list:
    response = call_service(client, service, payload)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert response_problems(body) == []
    return body["cards"]


def by_topic(cards: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["source"]["topic"]["code"]: c for c in cards}


def publish(app: Flask, **changes: Any) -> int:
    store = app.extensions["ldn_settings"]
    current = store.read().active
    values = {**current.settings.as_dict(), **changes}
    return store.publish(
        values, "test", "cds test", based_on=current.number, departure_reason="cds test"
    ).number


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_recent_opioid_gives_the_earliest_start_as_an_edit_to_the_draft_order(
    client: FlaskClient, hook: str
) -> None:
    stopped = days_from_today(-3)
    oxy = med_request("m1", "oxycodone 5 mg tablet", status="completed", end=stopped)
    cards = by_topic(cards_for(client, order_request(hook, [LDN], prefetch=full_prefetch(oxy))))
    washout = cards["opioid_washout"]
    earliest = dt.date.fromisoformat(stopped) + dt.timedelta(
        days=DEFAULT_SETTINGS.washout_days_short_acting
    )
    assert washout["indicator"] == "warning"
    assert fmt_date(earliest) in washout["summary"]
    assert "oxycodone 5 mg tablet" in washout["detail"]
    assert "Settings version 1." in washout["detail"]
    (suggestion,) = washout["suggestions"]
    assert suggestion["isRecommended"] is True
    (action,) = suggestion["actions"]
    assert action["type"] == "update"
    updated = action["resource"]
    assert updated["id"] == "o1"
    bounds = updated["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]
    assert bounds["start"] == earliest.isoformat()
    # No eligible-style card while an opioid interval runs: the titration starts after it.
    titration = cards["cds_titration"]
    assert fmt_date(earliest) in titration["summary"]


def test_the_50_mg_tablet_made_into_a_low_dose_solution_is_checked(client: FlaskClient) -> None:
    # LDN is often ordered as the 50 mg tablet that the patient dissolves: the low dose is
    # only in the instructions. It must get the same opioid check as a compounded capsule.
    diy = med_request(
        "o1",
        "naltrexone 50 mg tablet",
        sig="Dissolve one tablet in 50 mL of water; take 1.5 mL at bedtime",
    )
    oxy = med_request("m1", "OxyContin 20 mg ER tablet", status="active")
    cards = by_topic(
        cards_for(client, order_request("order-sign", [diy], prefetch=full_prefetch(oxy)))
    )
    assert cards["opioid_current"]["indicator"] == "critical"
    # The full dose is another matter (not low-dose naltrexone): no ldn-order card.
    full = med_request("o1", "naltrexone 50 mg tablet", sig="take 1 tablet daily")
    assert cards_for(client, order_request("order-sign", [full], prefetch=full_prefetch(oxy))) == []


def test_active_opioid_is_a_critical_card_with_the_override_reasons(client: FlaskClient) -> None:
    oxy = med_request("m1", "OxyContin 20 mg ER tablet", status="active")
    cards = by_topic(
        cards_for(client, order_request("order-select", [LDN], prefetch=full_prefetch(oxy)))
    )
    stop = cards["opioid_current"]
    assert stop["indicator"] == "critical"
    assert "OxyContin" in stop["detail"]
    assert [r["code"] for r in stop["overrideReasons"]] == [
        "opioid-stopped",
        "ultra-low-dose",
        "accepts-risk",
    ]
    assert all(r["display"] for r in stop["overrideReasons"])
    assert "cds_titration" not in cards  # do not start: no dose plan is proposed
    assert stop["source"]["url"].startswith("https://dailymed.nlm.nih.gov/")


def test_override_reasons_follow_the_published_settings_version(
    app: Flask, client: FlaskClient
) -> None:
    version = publish(app, cds_override_reasons="taper-done = Taper finished last week")
    oxy = med_request("m1", "oxycodone 5 mg tablet", status="active")
    stop = by_topic(
        cards_for(client, order_request("order-sign", [LDN], prefetch=full_prefetch(oxy)))
    )["opioid_current"]
    assert stop["overrideReasons"] == [
        {
            "system": stop["overrideReasons"][0]["system"],
            "code": "taper-done",
            "display": "Taper finished last week",
        }
    ]
    assert f"Settings version {version}." in stop["detail"]


def test_screening_card_asks_for_the_form_with_a_task_and_a_smart_link(
    app: Flask, client: FlaskClient
) -> None:
    app.config["LDN_FHIR_CANONICAL_BASE"] = "https://ldn.example/fhir"
    app.config["LDN_PUBLIC_URL"] = "https://ldn.example"
    payload = order_request("order-select", [LDN], prefetch=full_prefetch())
    card = by_topic(cards_for(client, payload))["cds_screening_not_documented"]
    assert card["indicator"] == "warning"
    assert "breastfeeding" in card["detail"] and "planning a pregnancy" in card["detail"]
    assert "Fibromyalgia: on the problem list" in card["detail"]
    (suggestion,) = card["suggestions"]
    task = suggestion["actions"][0]["resource"]
    assert suggestion["actions"][0]["type"] == "create"
    assert task["resourceType"] == "Task"
    assert task["code"]["coding"][0]["code"] == "complete-questionnaire"
    assert task["input"][0]["valueCanonical"] == (
        "https://ldn.example/fhir/Questionnaire/ldn-screening"
    )
    (link,) = card["links"]
    assert link["type"] == "smart" and link["url"] == "https://ldn.example/"
    # The link carries the hook instance and nothing about the patient.
    assert json.loads(link["appContext"]) == {"hookInstance": payload["hookInstance"]}


def test_titration_offers_both_schedules_with_the_rules_choice_recommended(
    client: FlaskClient,
) -> None:
    start = days_from_today(5)
    order = med_request("o1", "LDN 4.5 mg capsule", start=start)
    card = by_topic(
        cards_for(client, order_request("order-select", [order], prefetch=full_prefetch()))
    )["cds_titration"]
    assert card["indicator"] == "info" and card["selectionBehavior"] == "at-most-one"
    standard, gentle = card["suggestions"]
    assert [standard["isRecommended"], gentle["isRecommended"]] == [True, False]
    dosages = standard["actions"][0]["resource"]["dosageInstruction"]
    assert [d["sequence"] for d in dosages] == list(range(1, len(dosages) + 1))
    assert dosages[0]["doseAndRate"][0]["doseQuantity"] == {
        "value": DEFAULT_SETTINGS.standard_start_dose_mg,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }
    assert dosages[0]["timing"]["repeat"]["boundsPeriod"]["start"] == start
    assert dosages[-1]["doseAndRate"][0]["doseQuantity"]["value"] == DEFAULT_SETTINGS.target_dose_mg
    gentle_doses = gentle["actions"][0]["resource"]["dosageInstruction"]
    assert gentle_doses[0]["doseAndRate"][0]["doseQuantity"]["value"] == (
        DEFAULT_SETTINGS.gentle_start_dose_mg
    )


def test_pregnancy_on_record_gives_the_rules_pregnancy_card(client: FlaskClient) -> None:
    prefetch = full_prefetch(pregnancy=bundle(pregnancy_status("LA15173-0")))
    cards = by_topic(cards_for(client, order_request("order-select", [LDN], prefetch=prefetch)))
    assert "pregnancy" in cards
    assert cards["pregnancy"]["indicator"] in {"critical", "warning"}


def test_no_prefetch_and_no_fhir_access_is_never_an_eligible_answer(client: FlaskClient) -> None:
    cards = by_topic(cards_for(client, order_request("order-select", [LDN])))
    assert cards["opioid_use_unsure"]["indicator"] == "warning"
    screening = cards["cds_screening_not_documented"]
    assert "not sent, and the EHR gave no FHIR access" in screening["detail"]
    assert "age (no birth date)" in screening["detail"]
    # No dated plan while the opioid check could not be done: nothing reads as "go ahead".
    assert "cds_titration" not in cards
    assert any(c["indicator"] != "info" for c in cards.values())


def test_stopped_opioid_with_no_date_gives_no_dated_plan(client: FlaskClient) -> None:
    tramadol = med_request("m1", "tramadol 50 mg tablet", status="stopped")
    payload = order_request("order-select", [LDN], prefetch=full_prefetch(tramadol))
    cards = by_topic(cards_for(client, payload))
    assert cards["opioid_stopped_date_unknown"]["indicator"] == "warning"
    assert "cds_titration" not in cards


@pytest.mark.parametrize(
    "order",
    [
        med_request("o1", "naltrexone 50 mg tablet", sig="1 tablet daily"),
        med_request("o1", "Vivitrol 380 mg injection"),
        med_request("o1", "Contrave 8-90 mg ER tablet"),
        med_request("o1", "Embeda 20-0.8 mg capsule"),
        med_request("o1", code="637213"),
        med_request("o1", "lisinopril 10 mg tablet"),
    ],
    ids=["full-dose", "injection", "contrave", "embeda", "injection-code", "other"],
)
def test_other_orders_get_no_ldn_cards(client: FlaskClient, order: dict[str, Any]) -> None:
    assert cards_for(client, order_request("order-select", [order], prefetch=full_prefetch())) == []


def test_only_the_selected_order_is_judged(client: FlaskClient) -> None:
    other = med_request("o2", "LDN 3 mg capsule (compounded)")
    lisinopril = med_request("o3", "lisinopril 10 mg")
    payload = order_request(
        "order-select",
        [other, lisinopril],
        selections=["MedicationRequest/o3"],
        prefetch=full_prefetch(),
    )
    assert cards_for(client, payload) == []
    payload["context"]["selections"] = ["MedicationRequest/o2"]
    assert {"cds_screening_not_documented", "cds_titration"} <= set(
        by_topic(cards_for(client, payload))
    )


def test_order_sign_judges_every_draft_order(client: FlaskClient) -> None:
    lisinopril = med_request("o3", "lisinopril 10 mg")
    payload = order_request("order-sign", [lisinopril, LDN], prefetch=full_prefetch())
    cards = cards_for(client, payload)
    assert any("naltrexone 1.5 mg capsule" in c["detail"] for c in cards)


def test_every_card_names_its_order_and_settings_version(client: FlaskClient) -> None:
    oxy = med_request("m1", "oxycodone 5 mg tablet", status="completed", end=days_from_today(-2))
    cards = cards_for(client, order_request("order-select", [LDN], prefetch=full_prefetch(oxy)))
    assert len(cards) >= 3
    for card in cards:
        assert "Order: naltrexone 1.5 mg capsule (compounded)" in card["detail"]
        assert "Settings version 1." in card["detail"]
        assert card["source"]["topic"]["code"]
    assert len({c["uuid"] for c in cards}) == len(cards)
