"""A NUL character sent to an admin page is refused with the house 400 page, on each backend.

PostgreSQL cannot store or even compare text holding NUL: before the admin blueprint refused
it, a NUL in the sign-in name, a publish or rollback reason, or the audit log's "Who" filter
was a 500 there (SQLite accepted it, so the SQLite-only fuzz tests could not see it). No
browser sends NUL from a form, so refusing the request loses nothing a person typed.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.admin_support import create_admin, hidden_fields, login, preview, publish, text_of
from tests.helpers import csrf_token

NUL = "\x00"


@pytest.fixture()
def app(app: Flask) -> Flask:
    create_admin(app)
    return app


@pytest.fixture()
def admin(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert login(client).status_code == 302
    # A second version, so there is an older one to roll back to.
    assert publish(client, based_on=1, target_dose_mg="3").status_code == 302
    return client


def assert_house_400(response: TestResponse) -> None:
    assert response.status_code == 400
    assert "The request could not be understood" in text_of(response)


def versions(app: Flask) -> int:
    return len(app.extensions["ldn_settings"].history())


def test_nul_in_the_sign_in_name_is_refused(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    response = client.post(
        "/admin/login", data={"csrf_token": token, "username": f"ali{NUL}ce", "password": "x"}
    )
    assert_house_400(response)


def test_nul_in_a_publish_reason_is_refused(app: Flask, admin: FlaskClient) -> None:
    page = preview(admin, based_on=2, review_weeks="16")
    before = versions(app)
    data = {**hidden_fields(page), "reason": f"Agreed{NUL}", "action": "publish"}
    assert_house_400(admin.post("/admin/settings/publish", data=data))
    assert versions(app) == before


def test_nul_in_a_rollback_reason_is_refused(app: Flask, admin: FlaskClient) -> None:
    token = csrf_token(admin.get("/admin/history/1/rollback").get_data(as_text=True))
    before = versions(app)
    data = {"csrf_token": token, "based_on": "2", "reason": f"Back{NUL}", "action": "publish"}
    assert_house_400(admin.post("/admin/history/1/rollback", data=data))
    assert versions(app) == before


@pytest.mark.parametrize("query", [f"actor=a{NUL}", f"actor=alice&actor={NUL}"])
def test_nul_in_the_audit_filter_is_refused(admin: FlaskClient, query: str) -> None:
    # The second copy of a field is checked too, not only the first the form would read.
    assert_house_400(admin.get("/admin/audit", query_string=query))


def test_ordinary_unicode_still_works(app: Flask, admin: FlaskClient) -> None:
    # The guard refuses NUL only: accents and other scripts in a reason still publish.
    page = preview(admin, based_on=2, review_weeks="16")
    data = {**hidden_fields(page), "reason": "Agréé — 合意", "action": "publish"}
    assert admin.post("/admin/settings/publish", data=data).status_code == 302
    assert app.extensions["ldn_settings"].read().active.reason == "Agréé — 合意"
