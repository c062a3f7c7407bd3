"""An attacker's calls to the FHIR endpoints: every refusal is a specific 4xx
OperationOutcome (never a 500, never a stack trace), no error repeats free text that was sent,
and nothing sent reaches the log."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.fhir_support import (
    BASE,
    QUESTIONNAIRE_PATH,
    SCREEN_PATH,
    fhir_call,
    fhir_post,
    item_types,
    questionnaire_response,
)
from tests.helpers import json_paths, replaced_at, valid_answers

MARKER = "Zebedee Quux-4471"


@pytest.fixture()
def good(questionnaire: dict[str, Any]) -> dict[str, Any]:
    return questionnaire_response(valid_answers(), item_types(questionnaire))


def _safe(response: Any, ok: set[int] | None = None) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code != 500, text[:300]
    assert response.status_code == 200 or 400 <= response.status_code < 500, text[:300]
    if response.status_code >= 400:
        body = json.loads(text)
        assert body["resourceType"] == "OperationOutcome"
        assert "Quux" not in text and "Traceback" not in text
    if ok is not None:
        assert response.status_code in ok


@pytest.mark.parametrize(
    "raw",
    [
        b"[]",
        b"null",
        b"1e309",
        b"NaN",
        b'{"resourceType": NaN}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b"\xff\xfe",
        b'{"resourceType": "\\ud800"}',
        b"",
        b'{"resourceType": "Parameters", "parameter": [{"name": "response", "resource": []}]}',
        b'{"resourceType": "Parameters", "parameter": {"name": "response"}}',
    ],
    ids=lambda raw: raw[:12].decode("latin-1"),
)
def test_unreadable_bodies(fhir_client: FlaskClient, raw: bytes) -> None:
    _safe(fhir_post(fhir_client, SCREEN_PATH, data=raw), {400, 422})


@pytest.mark.parametrize("ctype", ["text/plain", "application/xml", "multipart/form-data"])
def test_wrong_content_types(fhir_client: FlaskClient, good: dict[str, Any], ctype: str) -> None:
    response = fhir_post(fhir_client, SCREEN_PATH, good, content_type=ctype)
    _safe(response, {415})


@pytest.mark.parametrize(
    "new",
    [
        MARKER,
        "\x00" + MARKER,
        "\ud800",
        None,
        7,
        1e308,
        10**300,
        True,
        [],
        {},
        [MARKER] * 1000,
        {"resourceType": MARKER},
        "9999-12-31",
        "0001-01-01",
    ],
    ids=lambda v: repr(v)[:14],
)
def test_every_value_replaced(fhir_client: FlaskClient, good: dict[str, Any], new: Any) -> None:
    for path in list(json_paths(good))[1:]:
        response = fhir_post(fhir_client, SCREEN_PATH, replaced_at(good, path, new))
        try:
            _safe(response)
        except AssertionError as exc:
            raise AssertionError(f"{path}: {exc}") from None


def test_questionnaire_version_text_is_not_echoed(
    fhir_client: FlaskClient, good: dict[str, Any]
) -> None:
    good["questionnaire"] = f"{BASE}/Questionnaire/ldn-screening|{MARKER}"
    _safe(fhir_post(fhir_client, SCREEN_PATH, good), {422})


def test_huge_item_lists(fhir_client: FlaskClient, good: dict[str, Any]) -> None:
    good["item"] = good["item"] * 2000
    raw = json.dumps(good).encode()
    _safe(fhir_post(fhir_client, SCREEN_PATH, data=raw))


def test_deeply_nested_items(fhir_client: FlaskClient, good: dict[str, Any]) -> None:
    nested: dict[str, Any] = {"linkId": "x", "item": []}
    top = nested
    for _ in range(400):
        child: dict[str, Any] = {"linkId": "x", "item": []}
        nested["item"].append(child)
        nested = child
    good["item"].append(top)
    raw = json.dumps(good).encode()
    _safe(fhir_post(fhir_client, SCREEN_PATH, data=raw))


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "GET", "TRACE"])
def test_other_methods(fhir_client: FlaskClient, method: str) -> None:
    for path in (SCREEN_PATH, QUESTIONNAIRE_PATH, "/fhir/metadata", f"/fhir/{MARKER}"):
        response = fhir_call(fhir_client, method, path)
        if response.status_code != 200:
            _safe(response, {404, 405})


def test_screen_needs_a_token(fhir_client: FlaskClient, good: dict[str, Any]) -> None:
    for authorization in ("", "Bearer", "Bearer x", "Basic eDp5"):
        response = fhir_client.post(
            SCREEN_PATH,
            data=json.dumps(good),
            content_type="application/fhir+json",
            headers={"Authorization": authorization},
        )
        _safe(response, {401})


def test_nothing_sent_reaches_the_log(
    fhir_client: FlaskClient, good: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for path in list(json_paths(good))[1:]:
        fhir_post(fhir_client, SCREEN_PATH, replaced_at(good, path, MARKER))
    assert "Quux" not in caplog.text


def test_a_link_id_cannot_break_out_of_the_fhirpath(
    fhir_client: FlaskClient, good: dict[str, Any]
) -> None:
    good["item"].append({"linkId": "x') or true or ('", "answer": [{"valueString": "y"}]})
    response = fhir_post(fhir_client, SCREEN_PATH, good)
    _safe(response, {422})
    expressions = [e for i in response.get_json()["issue"] for e in i.get("expression", [])]
    assert "QuestionnaireResponse.item" in expressions
    assert not any("or true" in e for e in expressions)


def test_a_flood_of_items_gets_a_short_answer(
    fhir_client: FlaskClient, good: dict[str, Any]
) -> None:
    good["item"] += [{"linkId": f"q{i}"} for i in range(60_000)]
    raw = json.dumps(good).encode()
    assert len(raw) < 2 * 1024 * 1024
    response = fhir_post(fhir_client, SCREEN_PATH, data=raw)
    _safe(response, {422})
    assert len(response.get_json()["issue"]) <= 100
    assert len(response.get_data()) < 100_000


def test_a_lone_surrogate_in_the_response_is_answered(
    fhir_client: FlaskClient, good: dict[str, Any]
) -> None:
    good["id"] = "\ud800"
    good["extension"] = [{"url": "https://x.example/e", "valueString": "\ud800"}]
    _safe(fhir_post(fhir_client, SCREEN_PATH, good), {200, 422})


def test_trace_gets_an_outcome_with_allow(fhir_client: FlaskClient) -> None:
    response = fhir_call(fhir_client, "TRACE", "/fhir/metadata")
    _safe(response, {405})
    assert "GET" in response.headers["Allow"]


def test_an_unexpected_error_says_nothing_of_the_code(
    fhir_client: FlaskClient, good: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import ldn_screen.web.fhir as fhir

    def boom(*args: Any) -> Any:
        raise RuntimeError(MARKER)

    monkeypatch.setattr(fhir, "screen", boom)
    response = fhir_post(fhir_client, SCREEN_PATH, good)
    text = response.get_data(as_text=True)
    assert response.get_json()["resourceType"] == "OperationOutcome"
    assert "Quux" not in text and "Traceback" not in text and "RuntimeError" not in text


def test_screen_is_rate_limited_per_client(fhir_client: FlaskClient, good: dict[str, Any]) -> None:
    from limits import parse
    from limits.storage import MemoryStorage
    from limits.strategies import MovingWindowRateLimiter

    from ldn_screen.web.api.auth import LIMITER

    limiter = MovingWindowRateLimiter(MemoryStorage())
    fhir_client.application.extensions[LIMITER] = (limiter, parse("2 per minute"))
    statuses = [fhir_post(fhir_client, SCREEN_PATH, good).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = fhir_post(fhir_client, SCREEN_PATH, good)
    _safe(limited, {429})
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
