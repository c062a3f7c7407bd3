"""Logs carry a request id and never a patient answer."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.web.edge.request_log import JsonFormatter
from tests.helpers import post_screening

DISTINCTIVE = {
    "age_years": "77",
    "medication_list": "zebrafinch-oxycodone 5 mg q6h prn\nquokkamycin 250 mg",
    "baseline_pain_nrs": "9",
}


def test_a_screening_logs_no_answer(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    response = post_screening(client, **DISTINCTIVE)
    assert response.status_code == 200
    assert "Screening result" in response.get_data(as_text=True)
    formatter = JsonFormatter()
    lines = [formatter.format(r) for r in caplog.records]
    # Scan every logged field except the random or timing ones, which could hold "77" by chance.
    scanned = [
        {k: v for k, v in json.loads(line).items() if k not in {"request_id", "ts", "ms"}}
        for line in lines
    ]
    text = json.dumps(scanned)
    for secret in ("zebrafinch", "quokkamycin", "77", "csrf_token", "medication_list"):
        assert secret not in text, f"{secret!r} leaked into the logs"
    request_lines = [json.loads(line) for line in lines if '"msg": "request"' in line]
    post = [e for e in request_lines if e["method"] == "POST"]
    assert post and post[0]["path"] == "/" and post[0]["status"] == 200
    assert len(post[0]["request_id"]) == 32
    assert response.headers["X-Request-ID"] == post[0]["request_id"]


def test_a_safe_incoming_request_id_is_kept_and_an_unsafe_one_replaced(client: FlaskClient) -> None:
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-abc123-def"})
    assert kept.headers["X-Request-ID"] == "proxy-abc123-def"
    replaced = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert replaced.headers["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(replaced.headers["X-Request-ID"]) == 32


def test_an_error_logged_during_a_request_carries_its_request_id(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("an answer: " + "zebra" * 2)  # the source line is in the stack

    caplog.set_level(logging.INFO)
    response = app.test_client().get("/boom", headers={"X-Request-ID": "trace-0001-abcd"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "trace-0001-abcd"
    formatter = JsonFormatter()
    entries = [json.loads(formatter.format(r)) for r in caplog.records]
    error = [e for e in entries if e["level"] == "ERROR"]
    assert error and error[0]["request_id"] == "trace-0001-abcd"
    assert "zebrazebra" not in json.dumps(entries)
    access = [e for e in entries if e["msg"] == "request"]
    assert access[-1]["status"] == 500 and access[-1]["client"] == "127.0.0.1"


def test_the_logged_path_is_the_one_requested(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert client.get("/ärzte?age=77").status_code == 404
    entries = [json.loads(JsonFormatter().format(r)) for r in caplog.records]
    logged = [e for e in entries if e["msg"] == "request"]
    assert logged[-1]["path"] == "/ärzte"  # decoded, and without its query string
    assert "77" not in json.dumps([{**e, "ts": "", "ms": 0, "request_id": ""} for e in logged])
