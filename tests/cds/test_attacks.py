"""An attacker's hook requests: whatever the body, the answer is 200 with cards or a specific
4xx, never a 500; error answers never echo what was sent; and the log holds no patient data."""

from __future__ import annotations

import copy
import json
import logging
import time
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from tests.cds_support import (
    BASE,
    auth_headers,
    call_service,
    full_prefetch,
    med_request,
    order_request,
)
from tests.helpers import json_paths, replaced_at

SERVICES = ("ldn-order", "opioid-on-ldn")
LDN = med_request("o1", "naltrexone 1.5 mg capsule (compounded)")
MARKER = "Zebedee-Quux-4471"  # a made-up name: it must never come back, nor reach the log


def _base() -> dict[str, Any]:
    return order_request("order-select", [LDN], prefetch=full_prefetch())


def _strings(value: Any, replacement: str) -> Any:
    if isinstance(value, str):
        return replacement
    if isinstance(value, list):
        return [_strings(v, replacement) for v in value]
    if isinstance(value, dict):
        return {k: _strings(v, replacement) for k, v in value.items()}
    return value


def _numbers(value: Any, replacement: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return replacement
    if isinstance(value, list):
        return [_numbers(v, replacement) for v in value]
    if isinstance(value, dict):
        return {k: _numbers(v, replacement) for k, v in value.items()}
    return value


def _assert_safe(response: Any) -> None:
    assert response.status_code != 500, response.get_data(as_text=True)[:500]
    assert response.status_code == 200 or 400 <= response.status_code < 500
    assert MARKER not in response.get_data(as_text=True)


def _raw(client: FlaskClient, service: str, raw: bytes, **kwargs: Any) -> Any:
    path = f"{BASE}/{service}"
    return client.post(
        path,
        data=raw,
        headers=auth_headers(client, path),
        content_type=kwargs.get("content_type", "application/json"),
    )


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    "raw",
    [
        b"[]",
        b"null",
        b'"text"',
        b"1e309",
        b"NaN",
        b'{"hook": NaN}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b"\xff\xfe",
        b'{"hook": "order-select", "hook": "patient-view"}',
        b'{"hook": "\\ud800"}',
        b'{"hook": "order-select\\u0000"}',
        b"{}" + b" " * 10,
    ],
    ids=lambda raw: raw[:12].decode("latin-1"),
)
def test_unreadable_bodies_get_a_4xx(client: FlaskClient, service: str, raw: bytes) -> None:
    _assert_safe(_raw(client, service, raw))


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_wrong_content_types_get_a_4xx(client: FlaskClient, content_type: str) -> None:
    body = json.dumps(_base()).encode()
    response = _raw(client, "ldn-order", body, content_type=content_type)
    _assert_safe(response)


@pytest.mark.parametrize(
    "replacement",
    [
        "",
        "\x00",
        "\ud800",
        "\u202e" + MARKER,
        "x" * 100_000,
        "Patient/../../admin",
        "{{context.x}}",
    ],
    ids=lambda s: repr(s[:12]),
)
def test_every_string_replaced(client: FlaskClient, replacement: str) -> None:
    body = _strings(_base(), replacement)
    # hook and hookInstance kept readable, so the rest is read too
    body["hook"], body["hookInstance"] = "order-select", "i-1"
    for service in SERVICES:
        _assert_safe(call_service(client, service, body))


@pytest.mark.parametrize("replacement", ["7", True, None, 1e308, -1, 10**30, [], {}])
def test_every_number_replaced(client: FlaskClient, replacement: Any) -> None:
    body = _numbers(_base(), replacement)
    _assert_safe(call_service(client, "ldn-order", body))


@pytest.mark.parametrize("new", [None, 7, True, "x", [], {}, [None], [[]], {"resourceType": 1}])
def test_every_value_replaced_one_at_a_time(client: FlaskClient, new: Any) -> None:
    base = _base()
    for path in list(json_paths(base))[1:]:
        response = call_service(client, "ldn-order", replaced_at(base, path, new))
        assert response.status_code != 500, (path, response.get_data(as_text=True)[:300])


@pytest.mark.parametrize(
    "date",
    ["9999-12-31", "0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"],
)
def test_extreme_dates(client: FlaskClient, date: str) -> None:
    base = _base()
    for path in list(json_paths(base))[1:]:
        if path[-1] in {"birthDate", "authoredOn", "recordedDate", "onsetDateTime"} or (
            isinstance(path[-1], str) and "date" in path[-1].lower()
        ):
            body = replaced_at(base, path, date)
            response = call_service(client, "ldn-order", body)
            assert response.status_code != 500, (path, date)
    patient = base["prefetch"]["patient"]
    patient["birthDate"] = date
    _assert_safe(call_service(client, "ldn-order", base))
    _assert_safe(call_service(client, "opioid-on-ldn", base))


def test_huge_arrays_in_draft_orders_and_prefetch(client: FlaskClient) -> None:
    many = [med_request(f"m{i}", "oxycodone 5 mg tablet", status="active") for i in range(3000)]
    body = order_request("order-select", [LDN, *many[:2000]], prefetch=full_prefetch(*many))
    raw = json.dumps(body).encode()
    for service in SERVICES:
        response = _raw(client, service, raw)
        _assert_safe(response)


@pytest.mark.parametrize("depth", [300, 490, 5000])
def test_deep_nesting_inside_a_resource(client: FlaskClient, depth: int) -> None:
    body = _base()
    body["context"]["draftOrders"]["entry"][0]["resource"]["extension"] = "DEEP"
    deep = '{"extension": [' * depth + '"x"' + "]}" * depth
    raw = json.dumps(body).replace('"DEEP"', f"[{deep}]").encode()
    for service in SERVICES:
        _assert_safe(_raw(client, service, raw))


def test_unknown_service_and_hook_names_are_not_echoed(client: FlaskClient) -> None:
    # A name shaped like an id is repeated (it helps an integrator); free text never is.
    text = f"Mrs {MARKER} born 1970"
    path = f"{BASE}/{quote(text)}"
    response = client.post(path, json=_base(), headers=auth_headers(client, path))
    assert response.status_code == 404
    assert MARKER not in response.get_data(as_text=True)
    body = _base()
    body["hook"] = text
    response = call_service(client, "ldn-order", body)
    assert response.status_code == 400
    assert MARKER not in response.get_data(as_text=True)
    body["hook"] = "order-dispatch"
    assert "'order-dispatch'" in call_service(client, "ldn-order", body).get_data(as_text=True)


def test_nothing_identifying_reaches_the_log(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    base = _base()
    for path in list(json_paths(base))[1:]:
        for new in (MARKER, f"Mrs {MARKER}", [MARKER], {"x": MARKER}):
            response = call_service(client, "ldn-order", replaced_at(base, path, new))
            if response.status_code >= 400:  # an error never repeats free text sent
                assert "Mrs" not in response.get_data(as_text=True), path
    assert MARKER not in caplog.text


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("PUT", "/cds-services/ldn-order", 405),
        ("TRACE", "/cds-services", 405),
        ("DELETE", "/cds-services/ldn-order/feedback", 405),
        ("GET", "/cds-services/ldn-order/feedback", 405),
        ("GET", "/cds-services/a/b/c", 404),
    ],
)
def test_wrong_methods_and_paths_get_json_not_html(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = client.open(path, method=method, headers=auth_headers(client, path))
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json()["resourceType"] == "OperationOutcome"
    if status == 405:
        assert method not in response.headers["Allow"]
        assert "POST" in response.headers["Allow"] or "GET" in response.headers["Allow"]


def test_a_token_in_the_query_string_is_not_read(client: FlaskClient) -> None:
    path = f"{BASE}/ldn-order"
    token = auth_headers(client, path)["Authorization"].split()[1]
    response = client.post(f"{path}?access_token={token}", json=_base())
    assert response.status_code == 401


@pytest.mark.parametrize("constant", [float("nan"), float("inf"), -float("inf")])
def test_nan_and_infinity_never_reach_the_answer(client: FlaskClient, constant: float) -> None:
    def refuse(name: str) -> Any:
        raise ValueError(name)

    base = _base()
    bodies = [_numbers(base, constant)]
    for path in list(json_paths(base))[1:]:
        bodies.append(replaced_at(base, path, constant))
    for body in bodies:
        for service in SERVICES:
            response = _raw(client, service, json.dumps(body).encode())
            _assert_safe(response)
            json.loads(response.get_data(as_text=True), parse_constant=refuse)  # strict JSON


def test_an_unexpected_error_says_nothing_of_the_code(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ldn_screen.web.cds import views

    def boom(*args: Any) -> Any:
        raise RuntimeError(MARKER)

    monkeypatch.setitem(views.HANDLERS, "ldn-order", boom)
    response = call_service(client, "ldn-order", _base())
    text = response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert MARKER not in text and "Traceback" not in text and "RuntimeError" not in text


@pytest.mark.parametrize("where", ["draftOrders", "prefetch"])
def test_a_body_just_under_the_limit_is_answered_in_time(client: FlaskClient, where: str) -> None:
    one = med_request("m", "oxycodone 5 mg tablet", status="active")

    def build(count: int) -> bytes:
        many = [{**copy.deepcopy(one), "id": f"m{i}"} for i in range(count)]
        if where == "draftOrders":
            body = order_request("order-sign", [LDN, *many], prefetch=full_prefetch())
        else:
            body = order_request("order-select", [LDN], prefetch=full_prefetch(*many))
        return json.dumps(body).encode()

    per_order = (len(build(200)) - len(build(100))) / 100
    raw = build(int((2 * 1024 * 1024 - len(build(0)) - 50_000) / per_order))
    assert 1.5 * 1024 * 1024 < len(raw) < 2 * 1024 * 1024
    for service in SERVICES:
        started = time.monotonic()
        response = _raw(client, service, raw)
        _assert_safe(response)
        assert time.monotonic() - started < 10, service
        assert len(response.get_data()) < 1024 * 1024  # no card per order
