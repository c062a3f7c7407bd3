"""What the API tests share: a client's token, the answers as JSON, and authorised calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ldn_screen.store.audit import AuditEntry
from tests.helpers import today, valid_answers

NUMBER_FIELDS = ("age_years", "baseline_pain_nrs")


def create_client(app: Flask, name: str = "ehr-test") -> str:
    """A new API client's bearer token, made as the CLI makes it."""
    with app.app_context():
        from ldn_screen.web.stores import api_clients

        entry = AuditEntry("cli:test", "api_client_created", "success", "command line")
        _, token = api_clients().create(name, entry)
    return token


def screening_json(**overrides: Any) -> dict[str, Any]:
    """``valid_answers`` (the form's eligible patient) as JSON: numbers as numbers."""
    answers: dict[str, Any] = dict(valid_answers())
    for name in NUMBER_FIELDS:
        answers[name] = int(answers[name])
    answers.update(overrides)
    return {k: v for k, v in answers.items() if v is not None}


def followup_json(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "started_on": (today() - dt.timedelta(days=110)).isoformat(),
        "followup_on": today().isoformat(),
        "schedule": "standard",
        "formulation": "capsule",
        "current_dose_mg": 4.5,
        "dose_timing": "night",
        "target_reached": "yes",
        "target_reached_on": (today() - dt.timedelta(days=96)).isoformat(),
        "pain_method": "nrs",
        "baseline_nrs": 8,
        "current_nrs": 4,
        "side_effects_any": "no",
        "opioids_since_start": "none",
        "pregnant_or_planning": "no",
        "liver_symptoms": "no",
        "surgery_planned": "no",
    }
    answers.update(overrides)
    return {k: v for k, v in answers.items() if v is not None}


def call(
    client: FlaskClient,
    token: str | None,
    path: str,
    body: Any = None,
    *,
    method: str = "POST",
    **kwargs: Any,
) -> TestResponse:
    headers = dict(kwargs.pop("headers", {}))
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        kwargs["json"] = body
    return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)


def field_errors(response: TestResponse) -> dict[str, list[str]]:
    assert response.status_code == 422, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "application/problem+json"
    found: dict[str, list[str]] = {}
    for error in response.get_json()["errors"]:
        assert error["pointer"] == f"#/{error['name']}"
        found.setdefault(error["name"], []).append(error["detail"])
    return found
