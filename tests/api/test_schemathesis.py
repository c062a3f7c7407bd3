"""Schemathesis, maintained outside this project, checks the API against its own OpenAPI
document, in-process on the WSGI app: data valid by the document is accepted, invalid data
is refused with a 4xx, nothing answers 5xx, every response matches its schema, and an
operation that needs a token refuses a call without one.

JSON Schema cannot say "today or later", so for data the document calls valid, the dates are
moved into the windows the document states in words (``_into_windows``); every other value
is the generator's own. The cross-field conditions (``allOf``: "recent" needs a date, and so
on) are too many for schemathesis's generator to combine (it declines the schema), so it
generates from the fields alone, and a case is kept as "valid" only when ``jsonschema`` finds
it valid against the whole served document, conditions included. Examples stay few, so the
test runs in well under a minute; under CI (the "ci" Hypothesis profile, tests/conftest.py)
the same examples are drawn on every run.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, assume, settings
from jsonschema import Draft202012Validator
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from ldn_screen.app import create_app
from tests.api.support import create_client

CHECKS = [
    not_a_server_error,
    positive_data_acceptance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
    ignored_auth,
]
EXAMPLES = int(os.environ.get("LDN_SCHEMATHESIS_EXAMPLES", "40"))
TOKEN_KEY = "ldn_test_token"
FULL_KEY = "ldn_test_openapi"


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory, _template_instance: Path) -> Iterator[Any]:
    instance = tmp_path_factory.mktemp("schemathesis") / "instance"
    shutil.copytree(_template_instance, instance)
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "TESTING": True,
            "LDN_API_RATE_LIMIT": "1000000 per minute",
            "LDN_LOG_LEVEL": "WARNING",
        }
    )
    app.config[TOKEN_KEY] = create_client(app, "schemathesis")
    served = app.test_client().get("/api/v1/openapi.json").get_json()
    app.config[FULL_KEY] = served
    fields_only = copy.deepcopy(served)
    for name in ("ScreeningAnswers", "FollowupAnswers"):
        del fields_only["components"]["schemas"][name]["allOf"]
    loaded = schemathesis.openapi.from_dict(fields_only)
    loaded.app = app
    yield loaded
    app.extensions["ldn_engine"].dispose()


schema = schemathesis.pytest.from_fixture("api_schema")

TODAY = dt.date.today()
# A date inside each window the request schemas state in words (relative to today).
WINDOWS: dict[str, dt.date] = {
    "start_on": TODAY + dt.timedelta(days=7),
    "last_opioid_dose_on": TODAY - dt.timedelta(days=20),
    "opioid_free_since": TODAY - dt.timedelta(days=20),
    "surgery_on": TODAY + dt.timedelta(days=60),
    "started_on": TODAY - dt.timedelta(days=120),
    "followup_on": TODAY,
    "target_reached_on": TODAY - dt.timedelta(days=100),
}


def _into_windows(body: Any) -> None:
    if not isinstance(body, dict):
        return
    for name, day in WINDOWS.items():
        if isinstance(body.get(name), str):
            body[name] = day.isoformat()


def _valid_by_whole_document(app: Flask, path: str, body: Any) -> bool:
    document = app.config[FULL_KEY]
    request_schema = document["paths"][path]["post"]["requestBody"]["content"]
    reference = request_schema["application/json"]["schema"]["$ref"]
    name = reference.rsplit("/", 1)[-1]
    schema_ = {**document["components"]["schemas"][name], "components": document["components"]}
    return bool(Draft202012Validator(schema_).is_valid(body))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_conforms_to_its_document(case: Any) -> None:
    app: Flask = case.operation.schema.app
    if case.meta is not None and case.meta.generation.mode.is_positive:
        _into_windows(case.body)
        if case.operation.method.upper() == "POST":
            assume(_valid_by_whole_document(app, case.operation.path, case.body))
    headers = {"Authorization": f"Bearer {app.config[TOKEN_KEY]}"}
    case.call_and_validate(headers=headers, checks=CHECKS)
