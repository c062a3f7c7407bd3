"""Bearer tokens: refused without one, revocation, bounded audit, rate limit, no cookie, CORS."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ldn_screen.cli import cli as ldn_screen_command
from ldn_screen.store.audit import AuditLog
from ldn_screen.store.models import api_clients
from tests.api.support import call, create_client, screening_json

PROTECTED = [
    ("POST", "/screenings"),
    ("POST", "/followups"),
    ("GET", "/settings/current"),
]


def audit_rows(app: Flask, action: str) -> list:  # type: ignore[type-arg]
    return AuditLog(app.extensions["ldn_engine"]).search(action=action).records


def test_every_protected_operation_refuses_a_call_without_a_valid_token(
    client: FlaskClient, token: str
) -> None:
    for method, path in PROTECTED:
        for auth in (None, "ldn_not-a-real-token", "", token[:-2]):
            headers = {} if auth is None else {"Authorization": f"Bearer {auth}"}
            response = call(client, None, path, screening_json(), method=method, headers=headers)
            assert response.status_code == 401, (method, path, auth)
            assert response.mimetype == "application/problem+json"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    basic = call(
        client, None, "/screenings", screening_json(), headers={"Authorization": f"Basic {token}"}
    )
    assert basic.status_code == 401


def test_the_token_is_stored_only_hashed(app: Flask, token: str) -> None:
    with app.extensions["ldn_engine"].connect() as conn:
        [row] = conn.execute(select(api_clients)).all()
    assert token not in str(tuple(row))
    assert len(row.token_sha256) == 64 and row.token_sha256 != token


def test_use_is_audited_once_a_day_without_patient_data(
    app: Flask, client: FlaskClient, token: str
) -> None:
    for _ in range(3):
        body = screening_json(medication_list="zebrafinch-oxycodone 5 mg", age_years=77)
        assert call(client, token, "/screenings", body).status_code == 200
    [row] = audit_rows(app, "api_request")
    assert row.outcome == "success" and row.actor == "api:ehr-test"
    assert row.detail == {"api_client": "ehr-test", "first_call_of_day": True}
    assert "zebrafinch" not in str(row) and "77" not in str(row.detail)


def test_a_revoked_token_stops_working_and_its_use_is_audited(
    app: Flask, client: FlaskClient, token: str
) -> None:
    runner = app.test_cli_runner()
    assert call(client, token, "/settings/current", method="GET").status_code == 200
    assert (
        runner.invoke(ldn_screen_command, args=["api-client", "revoke", "ehr-test"]).exit_code == 0
    )
    for _ in range(3):
        refused = call(client, token, "/settings/current", method="GET")
        assert refused.status_code == 401
        assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    [revoked] = audit_rows(app, "api_client_revoked")
    assert revoked.detail == {"api_client": "ehr-test"}
    # Used today before the revocation: the day's row is written already, and no more.
    assert [r.outcome for r in audit_rows(app, "api_request")] == ["success"]


def test_a_revoked_token_never_used_writes_one_failure_row(app: Flask, client: FlaskClient) -> None:
    token = create_client(app, "never-used")
    assert (
        app.test_cli_runner()
        .invoke(ldn_screen_command, args=["api-client", "revoke", "never-used"])
        .exit_code
        == 0
    )
    for _ in range(3):
        assert call(client, token, "/settings/current", method="GET").status_code == 401
    [row] = audit_rows(app, "api_request")
    assert row.outcome == "failure" and row.detail["reason"] == "revoked token"


def test_each_client_is_rate_limited(make_app: Callable[..., Flask]) -> None:
    app = make_app(LDN_API_RATE_LIMIT="3 per minute")
    first, second = create_client(app, "first"), create_client(app, "second")
    client = app.test_client()
    statuses = [
        call(client, first, "/settings/current", method="GET").status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = call(client, first, "/screenings", screening_json())
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # Another client has its own count.
    assert call(client, second, "/settings/current", method="GET").status_code == 200


def test_no_cookie_session_or_csrf_on_the_api(client: FlaskClient, token: str) -> None:
    client.get("/")  # a browser that has a session cookie from the form
    assert client.get_cookie("session") is not None
    response = call(client, token, "/screenings", screening_json())
    assert response.status_code == 200  # no CSRF token was sent
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    for path in ("/nowhere", "/docs", "/openapi.json"):
        other = call(client, None, path, method="GET")
        assert "Set-Cookie" not in other.headers and "Cookie" not in other.headers.get("Vary", "")


def test_cors_is_off_unless_origins_are_configured(
    client: FlaskClient, token: str, make_app: Callable[..., Flask]
) -> None:
    origin = {"Origin": "https://ehr.example"}
    plain = call(client, token, "/screenings", screening_json(), headers=origin)
    assert "Access-Control-Allow-Origin" not in plain.headers

    app = make_app(LDN_API_CORS_ORIGINS="https://ehr.example, https://other.example")
    configured = app.test_client()
    configured.check_pages = False  # the preflight's answer is empty, not a page
    allowed_token = create_client(app)
    preflight = configured.options(
        "/api/v1/screenings",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://ehr.example"
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    real = call(configured, allowed_token, "/screenings", screening_json(), headers=origin)
    assert real.headers["Access-Control-Allow-Origin"] == "https://ehr.example"
    stranger = call(
        configured,
        allowed_token,
        "/screenings",
        screening_json(),
        headers={"Origin": "https://evil.example"},
    )
    assert "Access-Control-Allow-Origin" not in stranger.headers
    # The clinician's pages never get CORS headers.
    assert "Access-Control-Allow-Origin" not in configured.get("/", headers=origin).headers
