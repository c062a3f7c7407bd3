"""Crafted admin input found by an attack-minded test: each was a 500 and is now a house
400 or 404 page, on SQLite and on PostgreSQL.

- a ``next`` parameter holding CR/LF, then a correct sign-in (a ValueError building the
  redirect; the 500 carried the signed-in session cookie);
- ``/admin/audit?since=9999-12-31&until=9999-12-31`` (an OverflowError adding a day);
- version numbers past the database column: ``/admin/history/99999999999999999999`` on
  SQLite, anything from 2**31 on PostgreSQL (a DataError), for history and rollback;
- digits that are not ASCII ('²'.isdigit() is true, int('²') raises) in the audit page
  number and the rollback form's version.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ldn_screen.store.audit import AuditEntry, AuditLog
from ldn_screen.store.settings_store import MAX_VERSION_NUMBER
from tests.admin_support import create_admin, login, publish, text_of
from tests.helpers import csrf_token


@pytest.fixture()
def admin(app: Flask) -> FlaskClient:
    create_admin(app)
    client = app.test_client()
    assert login(client).status_code == 302
    assert publish(client, based_on=1, target_dose_mg="3").status_code == 302
    return client


def assert_house_page(response: TestResponse, status: int) -> None:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_data(as_text=True)
    assert "Traceback" not in body


@pytest.mark.parametrize(
    "target",
    [
        "/admin/\r\nSet-Cookie: evil=1",
        "/admin/settings\n",
        "/admin/\rx",
        "/admin/\x7f",
        "/admin/" + "a" * 5000,
    ],
)
def test_a_next_with_control_characters_is_dropped_at_sign_in(app: Flask, target: str) -> None:
    create_admin(app)
    client = app.test_client()
    page = client.get("/admin/login", query_string={"next": target})
    assert page.status_code == 200
    # Whatever the page kept, a browser sends back; and a crafted post can send anything.
    token = csrf_token(page.get_data(as_text=True))
    data = {"csrf_token": token, "username": "alice", "password": "correct horse battery staple"}
    response = client.post("/admin/login", data={**data, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    for name, value in response.headers.items():
        assert "\n" not in value and "\r" not in value and "evil" not in value, name
    assert client.get("/admin/settings").status_code == 200  # signed in, and only once


def test_a_next_inside_the_admin_still_works(app: Flask) -> None:
    create_admin(app)
    client = app.test_client()
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    data = {"csrf_token": token, "username": "alice", "password": "correct horse battery staple"}
    response = client.post("/admin/login", data={**data, "next": "/admin/audit?action=login"})
    assert response.headers["Location"] == "/admin/audit?action=login"


@pytest.mark.parametrize(
    "query",
    [
        {"since": "9999-12-31", "until": "9999-12-31"},
        {"until": "9999-12-31"},
        {"since": "0001-01-01"},
        {"since": "1999-12-31", "until": "2026-01-01"},
    ],
)
def test_audit_dates_at_the_ends_of_the_calendar_are_a_400(
    admin: FlaskClient, query: dict[str, str]
) -> None:
    response = admin.get("/admin/audit", query_string=query)
    assert_house_page(response, 400)
    assert "as a date in the years 2000 to 9998" in text_of(response)


def test_the_audit_search_itself_takes_the_last_day_there_is(app: Flask) -> None:
    import datetime as dt

    log = AuditLog(app.extensions["ldn_engine"])
    log.record(AuditEntry("alice", "login", "success"))
    page = log.search(since=dt.date(9999, 12, 31), until=dt.date.max)
    assert page.total == 0
    assert log.search(until=dt.date.max).total >= 1  # the seed publish is before the end


@pytest.mark.parametrize(
    "page", ["²", "١٢", "99999999999999999999", "-1", "0", "1e3", " 2", "2.0", "٣"]
)
def test_odd_audit_page_numbers_show_the_first_page(admin: FlaskClient, page: str) -> None:
    response = admin.get("/admin/audit", query_string={"page": page})
    assert_house_page(response, 200)
    text = text_of(response)
    assert "Sign in Success" in text and "Newer events" not in text  # the first page


@pytest.mark.parametrize(
    "number", [MAX_VERSION_NUMBER, MAX_VERSION_NUMBER + 1, 2**63, 99999999999999999999]
)
@pytest.mark.parametrize("suffix", ["", "/rollback"])
def test_version_numbers_past_the_column_are_a_404(
    admin: FlaskClient, number: int, suffix: str
) -> None:
    assert_house_page(admin.get(f"/admin/history/{number}{suffix}"), 404)
    if suffix:
        token = csrf_token(admin.get("/admin/settings").get_data(as_text=True))
        data = {"csrf_token": token, "based_on": "2", "reason": "x"}
        assert_house_page(admin.post(f"/admin/history/{number}{suffix}", data=data), 404)


@pytest.mark.parametrize("based_on", ["²", "1" * 30, "٢", "-2", ""])
def test_a_rollback_with_an_unreadable_base_version_is_a_400(
    app: Flask, admin: FlaskClient, based_on: str
) -> None:
    token = csrf_token(admin.get("/admin/history/1/rollback").get_data(as_text=True))
    data = {"csrf_token": token, "based_on": based_on, "reason": "Back to the defaults"}
    before = len(app.extensions["ldn_settings"].history())
    response = admin.post("/admin/history/1/rollback", data=data)
    assert response.status_code in {200, 400}
    assert len(app.extensions["ldn_settings"].history()) == before


@pytest.mark.parametrize("based_on", ["²", "٢", "1" * 30])
def test_a_publish_with_an_unreadable_base_version_publishes_nothing(
    app: Flask, admin: FlaskClient, based_on: str
) -> None:
    from tests.admin_support import settings_data

    token = csrf_token(admin.get("/admin/settings").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "based_on": based_on,
        "reason": "x",
        "action": "publish",
        **settings_data(target_dose_mg="4"),
    }
    before = len(app.extensions["ldn_settings"].history())
    response = admin.post("/admin/settings/publish", data=data)
    assert response.status_code < 500
    assert len(app.extensions["ldn_settings"].history()) == before
