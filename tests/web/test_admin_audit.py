"""The audit log page: every admin action listed, filters, and no way to change it."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.store.audit import AuditEntry, AuditLog
from tests.admin_support import create_admin, login, publish, text_of


@pytest.fixture()
def admin(app: Flask) -> FlaskClient:
    create_admin(app)
    client = app.test_client()
    login(client, password="not the password")  # a failure first
    login(client)
    publish(client, 1, target_dose_mg="3", reason="Lower target")
    return client


def test_the_log_lists_admin_actions_newest_first(admin: FlaskClient) -> None:
    response = admin.get("/admin/audit")
    text = text_of(response)
    assert "3 events" in text
    publish_at = text.index("Publish settings Success")
    assert publish_at < text.index("Sign in Success") < text.index("Sign in Failed")
    assert "Version 2" in text and "Target daily dose: 4.5 mg → 3 mg" in text
    assert "Reason: Lower target" in text
    assert "127.0.0.1" in text


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"action": "login"}, ["Sign in Success", "Sign in Failed"], ["Publish settings"]),
        ({"actor": "alice", "action": "publish"}, ["Publish settings"], ["Sign in"]),
        ({"since": dt.date.today().isoformat()}, ["Publish settings", "Sign in"], []),
        (
            {"until": (dt.date.today() - dt.timedelta(days=2)).isoformat()},
            ["No event matches these filters."],
            ["Sign in Success"],
        ),
    ],
)
def test_filters(
    admin: FlaskClient, query: dict[str, str], shown: list[str], hidden: list[str]
) -> None:
    response = admin.get("/admin/audit", query_string=query)
    text = text_of(response)
    table = text[text.index("Clear filters") :]
    for words in shown:
        assert words in table
    for words in hidden:
        assert words not in table


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "yesterday"}, "Enter the start date as a real date"),
        ({"since": "2026-02-10", "until": "2026-02-01"}, "The end date must be the same as"),
        ({"action": "drop_table"}, "Select an action from the list"),
    ],
)
def test_bad_filters_are_explained(admin: FlaskClient, query: dict[str, str], message: str) -> None:
    response = admin.get("/admin/audit", query_string=query)
    body = response.get_data(as_text=True)
    assert "<title>Error: Audit log" in body
    assert message in text_of(response)


def test_the_log_pages_through_many_events(app: Flask, admin: FlaskClient) -> None:
    log = AuditLog(app.extensions["ldn_engine"])
    for i in range(60):
        log.record(AuditEntry(f"user{i}", "login", "failure", "10.0.0.1"))
    first = text_of(admin.get("/admin/audit"))
    assert "63 events, page 1" in first and "Older events" in first
    assert "Newer events" not in first
    second = admin.get("/admin/audit?page=2")
    assert "63 events, page 2" in text_of(second) and "Newer events" in text_of(second)
    assert "Sign in Failed" in text_of(second)


def test_nothing_in_the_app_can_change_or_delete_the_log(app: Flask, admin: FlaskClient) -> None:
    for method in ("post", "put", "patch", "delete"):
        assert getattr(admin, method)("/admin/audit").status_code == 405
    for rule in app.url_map.iter_rules():
        assert "audit" not in rule.rule or rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    total = AuditLog(app.extensions["ldn_engine"]).search().total
    assert total == 3
