"""The API, like the pages, logs and stores no answer."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, select

from ldn_screen.web.edge.request_log import JsonFormatter
from tests.api.support import call, followup_json, screening_json

SECRETS = ("zebrafinch", "quokkamycin", "77")


def _database_text(app: Flask) -> str:
    engine = app.extensions["ldn_engine"]
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as conn:
        return json.dumps(
            {
                name: [list(map(str, row)) for row in conn.execute(select(table))]
                for name, table in tables.tables.items()
            }
        )


def test_calls_log_and_store_no_answer(
    app: Flask, client: FlaskClient, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    before = _database_text(app)
    body = screening_json(
        age_years=77, medication_list="zebrafinch-oxycodone 5 mg q6h prn\nquokkamycin 250 mg"
    )
    assert call(client, token, "/screenings", body).status_code == 200
    bad = screening_json(age_years=177, medication_list="quokkamycin 250 mg")
    assert call(client, token, "/screenings", bad).status_code == 422
    followup = followup_json(baseline_nrs=7, current_nrs=7)
    assert call(client, token, "/followups", followup).status_code == 200
    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(r)) for r in caplog.records]
    scanned = json.dumps(
        [{k: v for k, v in e.items() if k not in {"request_id", "ts", "ms"}} for e in lines]
    )
    for secret in (*SECRETS, "medication_list", token):
        assert secret not in scanned, f"{secret!r} leaked into the logs"
    logged = [e for e in lines if e["msg"] == "request"]
    assert [(e["path"], e["status"]) for e in logged] == [
        ("/api/v1/screenings", 200),
        ("/api/v1/screenings", 422),
        ("/api/v1/followups", 200),
    ]
    after = _database_text(app)
    for secret in ("zebrafinch", "quokkamycin", "q6h", token):  # "77" may be in any timestamp
        assert secret not in after
    # The only new rows: the client's last-use day and one audit row for the day.
    assert after != before
    assert after.count("api_request") == before.count("api_request") + 1
