"""FHIR tests: the shared app, with a fixed canonical base."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fhir_support import BASE, QUESTIONNAIRE_PATH, fhir_get


@pytest.fixture()
def fhir_app(app: Flask) -> Flask:
    app.config["LDN_FHIR_CANONICAL_BASE"] = BASE
    return app


@pytest.fixture()
def fhir_client(fhir_app: Flask) -> FlaskClient:
    return fhir_app.test_client()


@pytest.fixture()
def questionnaire(fhir_client: FlaskClient) -> dict[str, Any]:
    response = fhir_get(fhir_client, QUESTIONNAIRE_PATH)
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json(force=True)
    return body
