"""Discovery, opioid-on-ldn and the opt-in ldn-review."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.rules import DEFAULT_SETTINGS
from ldn_screen.rules.dosing import titration_doses
from ldn_screen.rules.units import fmt_date
from tests.cds.test_ldn_order import cards_for, publish
from tests.cds_support import (
    bundle,
    call_service,
    discover,
    full_prefetch,
    med_request,
    order_request,
)

OXY = med_request("o9", "oxycodone 5 mg tablet")
ACTIVE_LDN = med_request("m1", "naltrexone 4.5 mg capsule (compounded)", status="active")


def test_discovery_lists_each_service_under_the_same_id_for_both_order_hooks(
    client: FlaskClient,
) -> None:
    response = discover(client)
    assert response.status_code == 200
    assert response.headers.get("Set-Cookie") is None
    services = response.get_json()["services"]
    assert sorted((s["id"], s["hook"]) for s in services) == [
        ("ldn-order", "order-select"),
        ("ldn-order", "order-sign"),
        ("opioid-on-ldn", "order-select"),
        ("opioid-on-ldn", "order-sign"),
    ]
    for service in services:
        assert {"hook", "id", "title", "description", "prefetch", "usageRequirements"} <= set(
            service
        )
        assert all("{{context.patientId}}" in q for q in service["prefetch"].values())
    ldn = next(s for s in services if s["id"] == "ldn-order")
    assert "82810-3" in ldn["prefetch"]["pregnancy"]
    assert set(ldn["prefetch"]) == {
        "patient",
        "activeMeds",
        "recentMeds",
        "dispenses",
        "conditions",
        "allergies",
        "pregnancy",
    }


def test_ldn_review_is_off_unless_configured(app: Flask, client: FlaskClient) -> None:
    payload = {"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p1"}}
    assert call_service(client, "ldn-review", payload).status_code == 404
    app.config["LDN_CDS_REVIEW_SERVICE"] = True
    ids = {(s["id"], s["hook"]) for s in discover(client).get_json()["services"]}
    assert ("ldn-review", "patient-view") in ids
    assert call_service(client, "ldn-review", payload).status_code == 200


def test_unknown_service_is_a_json_404(client: FlaskClient) -> None:
    response = call_service(client, "nope", {"hook": "order-select"})
    assert response.status_code == 404
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_a_cds_call_needs_no_csrf_token_and_sets_no_cookie(client: FlaskClient) -> None:
    response = call_service(client, "ldn-order", order_request("order-select", [OXY]))
    assert response.status_code == 200
    assert response.headers.get("Set-Cookie") is None


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_opioid_for_a_patient_on_ldn_warns_with_the_surgery_hold(
    app: Flask, client: FlaskClient, hook: str
) -> None:
    version = publish(app, surgery_hold_days=5)
    payload = order_request(hook, [OXY], prefetch=full_prefetch(ACTIVE_LDN))
    (card,) = cards_for(client, payload, "opioid-on-ldn")
    assert card["summary"] == "Patient takes low-dose naltrexone: this opioid may not relieve pain."
    assert card["indicator"] == "warning"
    assert "stops LDN 5 days ahead" in card["detail"]
    assert "naltrexone 4.5 mg capsule (compounded)" in card["detail"]
    assert "oxycodone 5 mg tablet" in card["detail"]
    assert f"Settings version {version}." in card["detail"]
    assert card["overrideReasons"]


def test_opioid_by_rxnorm_code_only_is_recognised(client: FlaskClient) -> None:
    coded = med_request("o9", code="1049621")  # oxycodone 5 MG Oral Tablet, CDC value sets
    payload = order_request("order-select", [coded], prefetch=full_prefetch(ACTIVE_LDN))
    (card,) = cards_for(client, payload, "opioid-on-ldn")
    assert "RxNorm 1049621" in card["detail"]


@pytest.mark.parametrize(
    "active",
    [
        med_request("m1", "naltrexone 50 mg tablet", status="active"),
        med_request("m1", "naltrexone 4.5 mg capsule", status="stopped"),
        med_request("m1", "lisinopril 10 mg", status="active"),
    ],
    ids=["full-dose-naltrexone", "stopped-ldn", "no-naltrexone"],
)
def test_no_card_without_active_low_dose_naltrexone(
    client: FlaskClient, active: dict[str, Any]
) -> None:
    payload = order_request("order-select", [OXY], prefetch=full_prefetch(active))
    assert cards_for(client, payload, "opioid-on-ldn") == []


def test_no_card_for_an_order_that_is_no_opioid(client: FlaskClient) -> None:
    payload = order_request(
        "order-select", [med_request("o9", "ibuprofen 400 mg")], prefetch=full_prefetch(ACTIVE_LDN)
    )
    assert cards_for(client, payload, "opioid-on-ldn") == []


def test_medications_not_available_is_reported_not_passed(client: FlaskClient) -> None:
    (card,) = cards_for(client, order_request("order-select", [OXY]), "opioid-on-ldn")
    assert card["source"]["topic"]["code"] == "cds_ldn_not_checked"
    assert card["indicator"] == "warning"


def _review_payload(start: dt.date) -> dict[str, Any]:
    order = med_request("m1", "LDN 4.5 mg capsule", status="active", start=start.isoformat())
    return {
        "hook": "patient-view",
        "hookInstance": "h1",
        "context": {"patientId": "p1", "userId": "Practitioner/u1"},
        "prefetch": {"activeMeds": bundle(order)},
    }


def _review_on(start: dt.date) -> dt.date:
    s = DEFAULT_SETTINGS
    steps = len(titration_doses(s.standard_start_dose_mg, s.standard_step_mg, s.target_dose_mg))
    target_on = start + dt.timedelta(days=s.standard_step_interval_days * (steps - 1))
    return target_on + dt.timedelta(weeks=s.review_weeks)


def test_review_card_when_due_in_the_next_14_days(app: Flask, client: FlaskClient) -> None:
    app.config["LDN_CDS_REVIEW_SERVICE"] = True
    today = dt.date.today()
    # A start whose review (titration + review weeks) falls 10 days from today.
    offset = _review_on(today) - today
    start = today - offset + dt.timedelta(days=10)
    (card,) = cards_for(client, _review_payload(start), "ldn-review")
    assert card["indicator"] == "info"
    assert fmt_date(today + dt.timedelta(days=10)) in card["summary"]
    # 20 days away: outside the window, quiet.
    start = today - offset + dt.timedelta(days=20)
    assert cards_for(client, _review_payload(start), "ldn-review") == []
    # Already past: quiet (the follow-up form is the place for it).
    start = today - offset - dt.timedelta(days=1)
    assert cards_for(client, _review_payload(start), "ldn-review") == []


def test_settings_unavailable_is_a_503_never_an_empty_card_list(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ldn_screen.store.settings_store import SettingsUnavailable

    def broken() -> None:
        raise SettingsUnavailable("no version")

    monkeypatch.setattr(app.extensions["ldn_settings"], "read", broken)
    payload = order_request("order-select", [OXY], prefetch=full_prefetch(ACTIVE_LDN))
    response = call_service(client, "opioid-on-ldn", payload)
    assert response.status_code == 503
    assert "nothing was checked" in response.get_json()["issue"][0]["diagnostics"]
