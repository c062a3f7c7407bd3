"""An attacker's calls to the JSON API: every one gets a specific 4xx problem (never a 500,
never HTML, never a stack trace), nothing sent comes back in an error but a field's own name,
and nothing sent reaches the log."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.support import call, create_client, followup_json, screening_json

MARKER = "Zebedee Quux-4471"
PATHS = ("/screenings", "/followups")


def _body(path: str) -> dict[str, Any]:
    return screening_json() if path == "/screenings" else followup_json()


def _safe(response: Any) -> None:
    text = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500 or response.status_code == 200, text[:300]
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"
        assert "Traceback" not in text and 'File "' not in text
        assert "Quux" not in text  # an answer (200) may repeat a medication line, not an error


def _raw(client: FlaskClient, token: str, path: str, raw: bytes, ctype: str = "application/json"):
    return client.post(
        f"/api/v1{path}",
        data=raw,
        content_type=ctype,
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "raw",
    [
        b"[]",
        b"null",
        b'"text"',
        b"1e309",
        b"NaN",
        b'{"age_years": NaN}',
        b'{"age_years": Infinity}',
        b'{"age_years": 1' + b"0" * 5000 + b"}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b"\xff\xfe\x00",
        b'{"age_years": 50, "age_years": "fifty"}',
        b"",
    ],
    ids=lambda raw: raw[:12].decode("latin-1"),
)
def test_unreadable_bodies(client: FlaskClient, token: str, path: str, raw: bytes) -> None:
    response = _raw(client, token, path, raw)
    _safe(response)
    assert response.status_code in {400, 422}


@pytest.mark.parametrize(
    "ctype", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]
)
def test_wrong_content_types_get_415(client: FlaskClient, token: str, ctype: str) -> None:
    response = _raw(client, token, "/screenings", json.dumps(screening_json()).encode(), ctype)
    _safe(response)
    assert response.status_code == 415


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "value",
    [
        "\x00",
        "\ud800",
        "\u202e" + MARKER,
        MARKER * 1000,
        "7",
        True,
        None,
        1e308,
        -1e308,
        10**300,
        [],
        [MARKER] * 10_000,
        {"$gt": ""},
        "2026-02-30",
        "9999-12-31",
        "0001-01-01",
    ],
    ids=lambda v: repr(v)[:14],
)
def test_every_field_replaced(client: FlaskClient, token: str, path: str, value: Any) -> None:
    base = _body(path)
    for name in list(base):
        response = call(client, token, path, {**base, name: value})
        _safe(response)


@pytest.mark.parametrize("path", PATHS)
def test_unknown_fields_are_named_only_when_shaped_like_a_name(
    client: FlaskClient, token: str, path: str
) -> None:
    response = call(client, token, path, {**_body(path), MARKER: 1, "ageyears": 1})
    _safe(response)
    assert response.status_code == 422
    assert "ageyears" in {e["name"] for e in response.get_json()["errors"]}


def test_a_flood_of_unknown_fields_gets_a_short_answer(client: FlaskClient, token: str) -> None:
    body = {**screening_json(), **{f"f{i}": 0 for i in range(150_000)}}
    raw = json.dumps(body).encode()
    assert len(raw) < 2 * 1024 * 1024
    started = time.monotonic()
    response = _raw(client, token, "/screenings", raw)
    assert time.monotonic() - started < 10
    _safe(response)
    assert response.status_code == 422
    # No amplification: the answer is not many times the size of the question.
    assert len(response.get_data()) < 100_000


def test_a_giant_body_gets_413(client: FlaskClient, token: str) -> None:
    raw = json.dumps({**screening_json(), "medication_list": "x" * (3 * 1024 * 1024)}).encode()
    response = _raw(client, token, "/screenings", raw)
    _safe(response)
    assert response.status_code == 413


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer ' OR '1'='1",
        "Bearer " + "x" * 7000,
        "Bearer \x00",
        "Bearer é",
        "Bearer a b c",
    ],
    ids=lambda a: repr(a)[:14],
)
def test_bad_tokens_get_401(client: FlaskClient, authorization: str) -> None:
    response = client.post(
        "/api/v1/screenings", json=screening_json(), headers={"Authorization": authorization}
    )
    _safe(response)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_from_another_client_name_cannot_be_forged(app: Flask, token: str) -> None:
    client = app.test_client()
    forged = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    assert call(client, forged, "/settings/current", method="GET").status_code == 401


def test_methods_and_unknown_paths(client: FlaskClient, token: str) -> None:
    for method, path in [
        ("GET", "/screenings"),
        ("PUT", "/followups"),
        ("DELETE", "/settings/current"),
        ("POST", "/openapi.json"),
        ("GET", "/../admin"),
        ("GET", "/" + MARKER),
        ("TRACE", "/screenings"),
    ]:
        response = call(client, token, path, method=method)
        _safe(response)
        assert response.status_code in {404, 405}


def test_rate_limit_holds_for_bad_bodies_too(make_app: Callable[..., Flask]) -> None:
    app = make_app(LDN_API_RATE_LIMIT="3 per minute")
    token = create_client(app)
    client = app.test_client()
    statuses = [_raw(client, token, "/screenings", b"[").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]


def test_cors_never_answers_an_origin_not_configured(make_app: Callable[..., Flask]) -> None:
    app = make_app(LDN_API_CORS_ORIGINS="https://ehr.example")
    token = create_client(app)
    client = app.test_client()
    client.check_pages = False  # type: ignore[attr-defined]
    for origin in ("https://evil.example", "https://ehr.example.evil.example", "null"):
        headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
        preflight = client.options("/api/v1/screenings", headers=headers)
        assert "Access-Control-Allow-Origin" not in preflight.headers
        response = call(client, token, "/screenings", screening_json(), headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_docs_do_not_reflect_the_query(client: FlaskClient) -> None:
    client.check_pages = False  # type: ignore[attr-defined]
    response = client.get("/api/v1/docs?q=<script>" + MARKER)
    assert response.status_code == 200
    assert "Quux" not in response.get_data(as_text=True)


def test_an_unexpected_error_is_a_plain_problem(
    client: FlaskClient, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ldn_screen.web.api as api

    def boom(*args: Any) -> Any:
        raise RuntimeError(MARKER)

    monkeypatch.setattr(api, "screen", boom)
    response = call(client, token, "/screenings", screening_json())
    assert response.mimetype == "application/problem+json"
    text = response.get_data(as_text=True)
    assert "Quux" not in text and "Traceback" not in text and "RuntimeError" not in text


def test_nothing_sent_reaches_the_log(
    client: FlaskClient, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for path in PATHS:
        base = _body(path)
        for name in base:
            call(client, token, path, {**base, name: MARKER})
        call(client, token, path, {**base, MARKER: 1})
        _raw(client, token, path, b'{"' + MARKER.encode() + b'": ')
    assert "Quux" not in caplog.text
    assert token not in caplog.text


def test_cors_for_any_origin_is_refused_at_start(make_app: Callable[..., Flask]) -> None:
    from ldn_screen.config import UnsafeConfiguration

    with pytest.raises(UnsafeConfiguration, match="LDN_API_CORS_ORIGINS"):
        make_app(LDN_API_CORS_ORIGINS="https://ehr.example, *")


def test_a_configured_origin_with_a_trailing_slash_still_matches(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(LDN_API_CORS_ORIGINS="https://ehr.example/")
    token = create_client(app)
    response = call(
        app.test_client(),
        token,
        "/settings/current",
        method="GET",
        headers={"Origin": "https://ehr.example"},
    )
    assert response.headers.get("Access-Control-Allow-Origin") == "https://ehr.example"


@pytest.mark.parametrize(
    "path,field", [("/screenings", "wpi_left_upper"), ("/followups", "side_effects")]
)
def test_a_huge_list_of_choices_is_answered_quickly(
    client: FlaskClient, token: str, path: str, field: str
) -> None:
    from ldn_screen.web.api.declarations import FOLLOWUP, SCREENING

    form = SCREENING if path == "/screenings" else FOLLOWUP
    value = form.by_name[field].options[0][0]
    body = {**_body(path), field: [value] * 120_000}
    raw = json.dumps(body).encode()
    assert len(raw) < 2 * 1024 * 1024
    started = time.monotonic()
    response = _raw(client, token, path, raw)
    assert time.monotonic() - started < 5
    _safe(response)
    assert len(response.get_data()) < 100_000
