"""The OpenAPI document: generated from the forms, committed, served, and listing every enum."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask.testing import FlaskClient

from ldn_screen.web.api.declarations import FOLLOWUP, SCREENING
from ldn_screen.web.api.openapi import as_text, build
from ldn_screen.web.forms.followup import FollowupForm
from ldn_screen.web.forms.screening import ScreeningForm

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.json"


def test_the_committed_document_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == as_text(build()), (
        "docs/api/openapi.json is out of date: run .venv/bin/python scripts/build_openapi.py"
    )


def test_the_served_document_is_the_committed_one(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert response.get_json() == json.loads(COMMITTED.read_text(encoding="utf-8"))


def test_every_form_field_and_option_is_in_the_document() -> None:
    schemas = build()["components"]["schemas"]
    for api_form, form_class in ((SCREENING, ScreeningForm), (FOLLOWUP, FollowupForm)):
        properties = schemas[api_form.schema_name]["properties"]
        checklists = {"opioid_conditions", "safety_conditions"}
        form = {
            name for name in dir(form_class) if hasattr(getattr(form_class, name), "field_class")
        }
        assert set(properties) == form - checklists
        for field in api_form.fields:
            schema = properties[field.name]
            if field.kind == "choice":
                assert schema["enum"] == [v for v, _ in field.options]
            if field.kind == "choices":
                assert schema["items"]["enum"] == [v for v, _ in field.options]
            assert schema["title"] == field.label


def test_the_documentation_page_lists_the_values(client: FlaskClient) -> None:
    response = client.get("/api/v1/docs")  # the page contract is checked by the client
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # No inline script or style (the CSP forbids them), and nothing from another site.
    assert re.findall(r"<script(?![^>]*\bsrc=\"/static/)", page) == []
    assert "style=" not in page and "<style" not in page and "https://cdn" not in page
    assert "Content-Security-Policy" in response.headers
    for value in ("recent_date_unknown", "depot_buprenorphine", "<code>unsure</code>", "peg"):
        assert value in page
    assert 'id="problem-invalid-answers"' in page
