"""An attacker's feedback: never a 500, a specific 4xx for what cannot be read, and nothing
identifying stored (free text where a code or an id belongs included)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from flask import Flask

from tests.cds_support_jwt import SigningKey, ehr_jwt, url
from tests.cds_trust.test_feedback import (
    PATH,
    accepted,
    issue,
    overridden,
    post,
    rows,
    whole_database,
)

NAME = "Zebedee Quux-4471"  # a made-up patient: never stored, echoed or logged


def _raw(app: Flask, key: SigningKey, raw: bytes, content_type: str = "application/json") -> Any:
    token = ehr_jwt(key, url(PATH))
    return app.test_client().post(
        PATH, data=raw, content_type=content_type, headers={"Authorization": f"Bearer {token}"}
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"[]",
        b"null",
        b"1e309",
        b'{"feedback": NaN}',
        b'{"feedback": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"feedback": [' + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"]}",
        b"\xff\xfe",
        b'{"feedback": "\\ud800"}',
        b'{"feedback": {}}',
        b'{"feedback": []}',
        b'{"feedback": [' + b",".join([b"{}"] * 101) + b"]}",
    ],
    ids=lambda raw: raw[:14].decode("latin-1"),
)
def test_unreadable_bodies_get_a_400(ehr_app: Flask, ehr_key: SigningKey, raw: bytes) -> None:
    response = _raw(ehr_app, ehr_key, raw)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]


def test_a_giant_body_gets_a_413(ehr_app: Flask, ehr_key: SigningKey) -> None:
    body = json.dumps({"feedback": [overridden("c", comment="x" * (3 * 1024 * 1024))]})
    assert _raw(ehr_app, ehr_key, body.encode()).status_code == 413


@pytest.mark.parametrize(
    "timestamp",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T23:59:59",
        "2026-13-45T00:00:00Z",
        "",
        "2026-11-30T10:00:00\x00",
        7,
        None,
    ],
)
def test_odd_timestamps(ehr_app: Flask, ehr_key: SigningKey, timestamp: Any) -> None:
    issue(ehr_app, "card-t")
    item = {**overridden("card-t", comment=None), "outcomeTimestamp": timestamp}
    response = post(ehr_app, ehr_key, item)
    assert response.status_code in {200, 400}, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize(
    "field,value",
    [
        ("card", ["x"]),
        ("card", {"x": 1}),
        ("card", "x" * 100),
        ("card", "\ud800"),
        ("outcome", ["accepted"]),
        ("outcome", {"accepted": 1}),
        ("acceptedSuggestions", [{"id": ["x"]}]),
        ("acceptedSuggestions", "x"),
        ("overrideReason", {"reason": {"code": ["x"]}}),
        ("overrideReason", {"reason": "x"}),
        ("overrideReason", {"userComment": ["x"]}),
        ("overrideReason", []),
    ],
)
def test_odd_values_get_a_400(ehr_app: Flask, ehr_key: SigningKey, field: str, value: Any) -> None:
    issue(ehr_app, "card-v")
    item = {**accepted("card-v"), field: value}
    assert post(ehr_app, ehr_key, item).status_code == 400


def test_an_unknown_card_stores_nothing(ehr_app: Flask, ehr_key: SigningKey) -> None:
    response = post(ehr_app, ehr_key, overridden(NAME), accepted(f"{NAME} 2"))
    assert response.status_code == 200
    assert rows(ehr_app) == []
    assert "Quux" not in whole_database(ehr_app)


def test_free_text_as_a_reason_code_is_not_stored(ehr_app: Flask, ehr_key: SigningKey) -> None:
    issue(ehr_app, "card-r")
    issue(ehr_app, "card-r2")
    response = post(
        ehr_app,
        ehr_key,
        overridden("card-r", code=NAME, comment=None),
        overridden("card-r2", code="Quux", comment=None),  # shaped like a code, not offered
    )
    assert response.status_code == 200
    assert [r["override_reason"] for r in rows(ehr_app)] == [None, None]
    assert "Quux" not in whole_database(ehr_app)


def test_an_offered_reason_code_is_stored(ehr_app: Flask, ehr_key: SigningKey) -> None:
    issue(ehr_app, "card-o")
    assert post(ehr_app, ehr_key, overridden("card-o", comment=None)).status_code == 200
    assert [r["override_reason"] for r in rows(ehr_app)] == ["opioid-stopped"]


def test_free_text_as_a_suggestion_id_is_not_stored(ehr_app: Flask, ehr_key: SigningKey) -> None:
    issue(ehr_app, "card-s")
    assert post(ehr_app, ehr_key, accepted("card-s", suggestion=NAME)).status_code == 200
    [row] = rows(ehr_app)
    assert row["outcome"] == "accepted"
    assert "Quux" not in whole_database(ehr_app)


def test_errors_and_the_log_never_repeat_the_comment(
    ehr_app: Flask, ehr_key: SigningKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    issue(ehr_app, "card-c")
    bad = {**overridden("card-c", comment=NAME), "outcomeTimestamp": NAME}
    response = post(ehr_app, ehr_key, bad)
    assert response.status_code == 400
    assert "Quux" not in response.get_data(as_text=True)
    assert post(ehr_app, ehr_key, overridden("card-c", comment=NAME)).status_code == 200
    assert "Quux" not in caplog.text
    assert "Quux" not in whole_database(ehr_app)


def test_an_unknown_service_id_is_not_echoed(ehr_app: Flask, ehr_key: SigningKey) -> None:
    path = "/cds-services/Zebedee%20Quux/feedback"
    token = ehr_jwt(ehr_key, url(path))
    body = {"feedback": [overridden("c")]}
    response = ehr_app.test_client().post(
        path, json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404
    assert "Quux" not in response.get_data(as_text=True)


def test_wrong_content_type_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    body = json.dumps({"feedback": [overridden("c")]}).encode()
    assert _raw(ehr_app, ehr_key, body, "text/plain").status_code in {400, 415}


def test_an_issued_card_keeps_no_date_of_the_patients(app: Flask) -> None:
    # The start suggestion's label names this patient's earliest start date; the record of
    # the issued card, and the feedback on it, keep what kind of suggestion it was only.
    import datetime as dt

    from ldn_screen.rules.units import fmt_date
    from tests.cds.test_ldn_order import by_topic, cards_for
    from tests.cds_support import (
        auth_headers,
        days_from_today,
        full_prefetch,
        med_request,
        order_request,
    )

    ldn = med_request("o1", "naltrexone 1.5 mg capsule (compounded)")
    oxy = med_request("m1", "oxycodone 5 mg tablet", status="completed", end=days_from_today(-3))
    client = app.test_client()
    payload = order_request("order-select", [ldn], prefetch=full_prefetch(oxy))
    washout = by_topic(cards_for(client, payload))["opioid_washout"]
    (suggestion,) = washout["suggestions"]
    item = {**accepted(washout["uuid"]), "acceptedSuggestions": [{"id": suggestion["uuid"]}]}
    response = client.post(PATH, json={"feedback": [item]}, headers=auth_headers(client, PATH))
    assert response.status_code == 200
    [row] = rows(app)
    assert row["accepted_suggestion"] == "start date: earliest safe"
    action = suggestion["actions"][0]["resource"]
    earliest = action["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]["start"]
    stored = whole_database(app)
    assert earliest not in stored
    assert fmt_date(dt.date.fromisoformat(earliest)) not in stored


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("Start on Tue 8 Dec 2026, the earliest safe date", "start date: earliest safe"),
        ("Use the gentle titration (0.5 mg, then up every 7 days)", "titration: gentle"),
        ("Ask for the LDN screening form to be completed", "screening form"),
        (f"Start on {NAME}", "other suggestion"),
        ("", "other suggestion"),
    ],
)
def test_a_suggestion_is_recorded_by_its_kind(label: str, kind: str) -> None:
    from ldn_screen.web.cds.issued_hook import suggestion_kind

    assert suggestion_kind(label) == kind
