"""Cross-site POSTs to the admin pages are refused (issue 14, item 8).

SameSite=Lax does not stop a page on a sibling subdomain (same site, other origin) from
posting a form to the admin; its own CSRF token comes along because the form is the
admin's own page opened by that site. Every admin POST therefore checks where it came from:
a browser's Origin or Sec-Fetch-Site header must say "this origin". A request with neither
(an old client, a script) still needs its CSRF token, as before.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.store.audit import AuditLog
from tests.admin_support import create_admin, login, settings_data, text_of
from tests.helpers import csrf_token

HOST = "localhost"  # the test client's Host

REFUSED = [
    {"Origin": "https://evil.example"},
    {"Origin": "http://admin.localhost"},  # a sibling host: same site, another origin
    {"Origin": "http://localhost:8081"},  # another port is another origin
    {"Origin": "https://localhost"},  # another scheme is another origin
    {"Origin": "null"},  # a sandboxed frame or a data: page
    {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"},  # both must agree
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    # The browser's own word wins over an Origin that happens to match.
    {"Origin": "http://localhost", "Sec-Fetch-Site": "same-site"},
]
ACCEPTED = [
    {},  # neither header: an old browser or a script, with its CSRF token
    {"Origin": "http://localhost"},
    {"Origin": "http://LOCALHOST:80"},
    {"Sec-Fetch-Site": "same-origin"},
    {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
    # What Chromium sends for the admin's own form under the app's no-referrer policy.
    {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
]


def _signed_in(app: Flask) -> FlaskClient:
    create_admin(app)
    client = app.test_client()
    assert login(client).status_code == 302
    return client


def _preview(client: FlaskClient, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/admin/settings").get_data(as_text=True))
    data = {"csrf_token": token, "based_on": "1", **settings_data(target_dose_mg="3")}
    return client.post("/admin/settings/preview", data=data, headers=headers)


@pytest.mark.parametrize("headers", REFUSED, ids=lambda h: repr(h))
def test_a_cross_origin_settings_post_gets_the_house_403_page(
    app: Flask, headers: dict[str, str]
) -> None:
    client = _signed_in(app)
    response = _preview(client, headers)
    assert response.status_code == 403
    assert "You do not have access to this page" in text_of(response)
    assert "Check your changes" not in text_of(response)


@pytest.mark.parametrize("headers", ACCEPTED, ids=lambda h: repr(h))
def test_a_same_origin_settings_post_works(app: Flask, headers: dict[str, str]) -> None:
    client = _signed_in(app)
    response = _preview(client, headers)
    assert response.status_code == 200
    assert "Check your changes before publishing" in text_of(response)


def test_a_cross_origin_publish_publishes_nothing(app: Flask) -> None:
    client = _signed_in(app)
    page = _preview(client, {})
    body = page.get_data(as_text=True)
    token = csrf_token(body)
    data = {
        "csrf_token": token,
        "based_on": "1",
        "reason": "Pre-filled by another page",
        "action": "publish",
        **settings_data(target_dose_mg="3"),
    }
    refused = client.post(
        "/admin/settings/publish", data=data, headers={"Origin": "http://tools.localhost"}
    )
    assert refused.status_code == 403
    assert app.extensions["ldn_settings"].read().active.number == 1
    assert AuditLog(app.extensions["ldn_engine"]).search(action="publish").total == 0


def test_sign_in_and_sign_out_from_another_origin_are_refused(app: Flask) -> None:
    create_admin(app)
    client = app.test_client()
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    data = {"csrf_token": token, "username": "alice", "password": "correct horse battery staple"}
    cross = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    assert client.post("/admin/login", data=data, headers=cross).status_code == 403
    assert client.get("/admin/").status_code == 302  # not signed in (no login CSRF)
    same = {"Sec-Fetch-Site": "same-origin", "Origin": f"http://{HOST}"}
    assert client.post("/admin/login", data=data, headers=same).status_code == 302
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    out = client.post("/admin/logout", data={"csrf_token": token}, headers=cross)
    assert out.status_code == 403
    assert client.get("/admin/").status_code == 200  # still signed in


def test_get_requests_are_not_checked(app: Flask) -> None:
    """Only POSTs change anything; a link from another site to an admin page still opens it."""
    client = _signed_in(app)
    headers = {"Sec-Fetch-Site": "cross-site"}
    assert client.get("/admin/settings", headers=headers).status_code == 200


def test_the_clinicians_forms_are_not_checked(app: Flask) -> None:
    """The check is for the admin: the screening form keeps working from any context."""
    client = app.test_client()
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/", data={"csrf_token": token}, headers={"Sec-Fetch-Site": "same-site"})
    assert response.status_code != 403
