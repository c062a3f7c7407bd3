"""CDS Hooks feedback: what is stored (and what never is), the spec's feedback invariants, and
the admin's feedback page, also beside the settings preview."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from ldn_screen.store.models import cds_feedback, cds_issued_cards
from ldn_screen.web.cds_feedback import record_issued_card
from tests.admin_support import create_admin, login, preview, text_of
from tests.cds_support_jwt import SigningKey, ehr_jwt, url
from tests.cds_trust.support import TIMESTAMP

SERVICE = "ldn-order"
PATH = f"/cds-services/{SERVICE}/feedback"
PATIENT = "Patient/pt-7f3a9"
COMMENT = "Discussed with Mrs Smith (DOB 1970-01-02), she stopped tramadol last week"


def issue(app: Flask, uuid: str, code: str = "opioid_current", version: int = 1) -> None:
    with app.app_context():
        record_issued_card(
            uuid, SERVICE, code, version, suggestions={"sugg-1": "start date: earliest safe"}
        )


def post(app: Flask, key: SigningKey, *items: dict[str, Any], path: str = PATH):
    token = ehr_jwt(key, url(path), patient=PATIENT)
    body = {"feedback": list(items), "patientId": PATIENT}
    return app.test_client().post(path, json=body, headers={"Authorization": f"Bearer {token}"})


def accepted(card: str, suggestion: str = "sugg-1") -> dict[str, Any]:
    return {
        "card": card,
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": suggestion}],
        "outcomeTimestamp": TIMESTAMP,
    }


def overridden(card: str, code: str | None = "opioid-stopped", comment: str | None = COMMENT):
    reason: dict[str, Any] = {}
    if code:
        reason["reason"] = {"code": code, "system": "https://ldn.example/override", "display": "x"}
    if comment is not None:
        reason["userComment"] = comment
    return {
        "card": card,
        "outcome": "overridden",
        "overrideReason": reason,
        "outcomeTimestamp": TIMESTAMP,
    }


def rows(app: Flask) -> list[dict[str, Any]]:
    with app.extensions["ldn_engine"].connect() as conn:
        return [dict(row._mapping) for row in conn.execute(cds_feedback.select())]


def whole_database(app: Flask) -> str:
    """Every row of every table, as text: to show what was never stored."""
    dump = []
    with app.extensions["ldn_engine"].connect() as conn:
        tables = conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        for (name,) in list(tables):
            query = text(f'SELECT * FROM "{name}"')  # noqa: S608 (names from sqlite itself)
            dump += [repr(tuple(r)) for r in conn.execute(query)]
    return "\n".join(dump)


def test_accepted_feedback_is_stored_with_the_cards_finding_and_version(
    ehr_app: Flask, ehr_key: SigningKey
) -> None:
    issue(ehr_app, "card-1", code="opioid_current", version=3)
    response = post(ehr_app, ehr_key, accepted("card-1"))
    assert response.status_code == 200
    [row] = rows(ehr_app)
    assert row["card_uuid"] == "card-1"
    assert row["service_id"] == SERVICE
    assert (row["finding_code"], row["settings_version"]) == ("opioid_current", 3)
    assert row["outcome"] == "accepted"
    # The suggestion's label recorded with the card, not its bare uuid.
    assert row["accepted_suggestion"] == "start date: earliest safe"
    assert row["override_reason"] is None and row["comment_present"] is False


def test_an_override_keeps_the_reason_code_and_only_that_a_comment_was_written(
    ehr_app: Flask, ehr_key: SigningKey
) -> None:
    issue(ehr_app, "card-2")
    token = ehr_jwt(ehr_key, url(PATH), patient=PATIENT)
    body = {"feedback": [overridden("card-2")], "patientId": PATIENT}
    response = ehr_app.test_client().post(
        PATH, json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    [row] = rows(ehr_app)
    assert row["override_reason"] == "opioid-stopped"
    assert row["comment_present"] is True
    stored = whole_database(ehr_app)
    for secret in ("Mrs Smith", "1970-01-02", "tramadol", "pt-7f3a9", token, token.split(".")[2]):
        assert secret not in stored


def test_an_override_with_a_comment_only_or_a_code_only(
    ehr_app: Flask, ehr_key: SigningKey
) -> None:
    issue(ehr_app, "c-comment")
    issue(ehr_app, "c-code")
    response = post(
        ehr_app,
        ehr_key,
        overridden("c-comment", code=None),
        overridden("c-code", comment=None),
    )
    assert response.status_code == 200
    found = {row["card_uuid"]: row for row in rows(ehr_app)}
    assert (found["c-comment"]["override_reason"], found["c-comment"]["comment_present"]) == (
        None,
        True,
    )
    assert (found["c-code"]["override_reason"], found["c-code"]["comment_present"]) == (
        "opioid-stopped",
        False,
    )


def test_a_card_this_service_did_not_issue_is_acknowledged_not_counted(
    ehr_app: Flask, ehr_key: SigningKey
) -> None:
    issue(ehr_app, "card-3")
    other = "/cds-services/opioid-on-ldn/feedback"
    assert post(ehr_app, ehr_key, accepted("card-3"), path=other).status_code == 200
    assert post(ehr_app, ehr_key, accepted("never-issued")).status_code == 200
    assert rows(ehr_app) == []


BAD_ITEMS = {
    "outcome not accepted or overridden (cds-fb-1)": {
        "card": "c",
        "outcome": "ignored",
        "outcomeTimestamp": TIMESTAMP,
    },
    "accepted without acceptedSuggestions (cds-fb-2)": {
        "card": "c",
        "outcome": "accepted",
        "outcomeTimestamp": TIMESTAMP,
    },
    "accepted with an empty list (cds-fb-2)": {
        "card": "c",
        "outcome": "accepted",
        "acceptedSuggestions": [],
        "outcomeTimestamp": TIMESTAMP,
    },
    "overrideReason with neither reason nor comment (cds-fb-3)": {
        "card": "c",
        "outcome": "overridden",
        "overrideReason": {},
        "outcomeTimestamp": TIMESTAMP,
    },
    "reason that is not a Coding": {
        "card": "c",
        "outcome": "overridden",
        "overrideReason": {"reason": "stopped"},
        "outcomeTimestamp": TIMESTAMP,
    },
    "no outcomeTimestamp": {"card": "c", "outcome": "overridden"},
    "a timestamp that is not one": {
        "card": "c",
        "outcome": "overridden",
        "outcomeTimestamp": "yesterday",
    },
    "no card": {"outcome": "overridden", "outcomeTimestamp": TIMESTAMP},
}


@pytest.mark.parametrize("item", BAD_ITEMS.values(), ids=BAD_ITEMS.keys())
def test_feedback_breaking_the_spec_is_refused_with_a_reason(
    ehr_app: Flask, ehr_key: SigningKey, item: dict[str, Any]
) -> None:
    issue(ehr_app, "c")
    response = post(ehr_app, ehr_key, item)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert rows(ehr_app) == []


@pytest.mark.parametrize("body", [None, [], {"feedback": []}, {"feedback": "x"}, {"other": 1}])
def test_a_body_without_feedback_items_is_refused(
    ehr_app: Flask, ehr_key: SigningKey, body: object
) -> None:
    token = ehr_jwt(ehr_key, url(PATH))
    response = ehr_app.test_client().post(
        PATH,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400


def test_feedback_needs_the_ehrs_token(ehr_app: Flask) -> None:
    issue(ehr_app, "card-4")
    response = ehr_app.test_client().post(PATH, json={"feedback": [accepted("card-4")]})
    assert response.status_code == 401
    assert rows(ehr_app) == []


def test_feedback_carries_no_csrf_or_session(ehr_app: Flask, ehr_key: SigningKey) -> None:
    """A JSON endpoint for machines: no cookie is set, and no CSRF token is asked for."""
    issue(ehr_app, "card-5")
    response = post(ehr_app, ehr_key, accepted("card-5"))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


# --- The admin's page ----------------------------------------------------------------------


def admin_client(app: Flask) -> FlaskClient:
    create_admin(app)
    client = app.test_client()
    assert login(client).status_code == 302
    return client


def test_the_feedback_page_needs_a_sign_in(app: Flask) -> None:
    response = app.test_client().get("/admin/cds-feedback")
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]


def test_the_feedback_page_counts_per_finding(ehr_app: Flask, ehr_key: SigningKey) -> None:
    for n in range(3):
        issue(ehr_app, f"op-{n}", code="opioid_current", version=1)
    issue(ehr_app, "op-3", code="opioid_current", version=2)
    issue(ehr_app, "acc-1", code="surgery_near_start", version=1)
    post(
        ehr_app,
        ehr_key,
        overridden("op-0"),
        overridden("op-1", code="ultra-low-dose", comment=None),  # a code the cards offer
        overridden("op-2", comment=None),
        accepted("op-3"),
        accepted("acc-1"),
    )
    client = admin_client(ehr_app)
    page = text_of(client.get("/admin/cds-feedback"))
    assert "EHR card feedback" in page
    assert "opioid_current 4 1 (25 %) start date: earliest safe: 1 3 (75 %)" in page
    assert "opioid-stopped: 2" in page and "ultra-low-dose: 1" in page
    # One settings version only.
    only_two = text_of(client.get("/admin/cds-feedback?version=2"))
    assert "opioid_current 1 1 (100 %)" in only_two
    assert "surgery_near_start" not in only_two
    for secret in ("Mrs Smith", "tramadol", "pt-7f3a9"):
        assert secret not in page


def test_the_admin_menu_links_the_feedback_page(app: Flask) -> None:
    client = admin_client(app)
    body = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/cds-feedback"' in body
    assert "No feedback yet" in text_of(client.get("/admin/cds-feedback"))


def test_the_settings_preview_shows_the_feedback(ehr_app: Flask, ehr_key: SigningKey) -> None:
    issue(ehr_app, "op-9", code="opioid_current")
    post(ehr_app, ehr_key, overridden("op-9"))
    client = admin_client(ehr_app)
    current = ehr_app.extensions["ldn_settings"].read().active.number
    page = text_of(preview(client, current, washout_days_short_acting="12"))
    assert "What prescribers did with the EHR cards" in page
    assert "opioid_current 1 0 (0 %) 1 (100 %) opioid-stopped: 1" in page


def test_the_preview_says_when_there_is_no_feedback(app: Flask) -> None:
    client = admin_client(app)
    current = app.extensions["ldn_settings"].read().active.number
    page = text_of(preview(client, current, washout_days_short_acting="12"))
    assert "No feedback from the EHR yet." in page


def test_old_issued_card_records_are_purged(app: Flask) -> None:
    import datetime as dt

    from ldn_screen.store.cds_feedback import CARD_DAYS, FeedbackStore, IssuedCard

    store = FeedbackStore(app.extensions["ldn_engine"])
    now = dt.datetime.now(dt.UTC)
    store.record_issued([IssuedCard("old", SERVICE, "x", 1)], now=now - dt.timedelta(days=40))
    store.record_issued([IssuedCard("new", SERVICE, "x", 1)], now=now)
    assert CARD_DAYS < 40
    assert store.purge_issued(now) == 1
    with app.extensions["ldn_engine"].connect() as conn:
        assert [r.uuid for r in conn.execute(cds_issued_cards.select())] == ["new"]
