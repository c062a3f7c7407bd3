"""Helpers for the FHIR tests: every HTTP call goes through fhir_get / fhir_post (which carry
an API client's bearer token, made on first use for each app), a QuestionnaireResponse built
from form answers, and the offline validators (HL7's R4 JSON Schema, FHIRPath)."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import json
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.api.support import create_client

BASE = "https://ldn.clinic.example/fhir"
QUESTIONNAIRE_PATH = "/fhir/Questionnaire/ldn-screening"
SCREEN_PATH = "/fhir/Questionnaire/ldn-screening/$screen"
SCHEMA_FILE = Path(__file__).parent / "data" / "fhir" / "fhir.schema.json.gz"

# Written out here, not taken from the code under test: the yesnodontknow answer set.
YES_NO_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0136"
ABSENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
YES = {"system": YES_NO_SYSTEM, "code": "Y"}
NO = {"system": YES_NO_SYSTEM, "code": "N"}
DONT_KNOW = {"system": ABSENT_SYSTEM, "code": "asked-unknown"}
STANDARD = {"yes": YES, "no": NO, "unsure": DONT_KNOW}


_TOKEN = "tests.fhir_support.token"


def fhir_headers(client: FlaskClient) -> dict[str, str]:
    """Headers every FHIR request carries: an API client's bearer token, as an EHR sends."""
    app = client.application
    if _TOKEN not in app.extensions:
        app.extensions[_TOKEN] = create_client(app, "fhir-tests")
    return {"Accept": "application/fhir+json", "Authorization": f"Bearer {app.extensions[_TOKEN]}"}


def fhir_get(client: FlaskClient, path: str) -> TestResponse:
    return client.get(path, headers=fhir_headers(client))


def fhir_post(
    client: FlaskClient,
    path: str,
    json_body: Any = None,
    *,
    data: bytes | str | None = None,
    content_type: str = "application/fhir+json",
) -> TestResponse:
    body = data if data is not None else json.dumps(json_body)
    return client.post(path, data=body, content_type=content_type, headers=fhir_headers(client))


def fhir_call(client: FlaskClient, method: str, path: str) -> TestResponse:
    return client.open(path, method=method, headers=fhir_headers(client))


def coding(link_id: str, value: str, base: str = BASE) -> dict[str, str]:
    standard = STANDARD.get(value)
    if standard:
        return dict(standard)
    return {"system": f"{base}/CodeSystem/{link_id.replace('_', '-')}", "code": value}


def questionnaire_response(
    answers: dict[str, Any], types: dict[str, str], base: str = BASE
) -> dict[str, Any]:
    """A QuestionnaireResponse with ``answers`` (form names and values, as the HTML form posts
    them; a list for a repeating question). ``types`` gives each question's item type."""
    items = []
    for link_id, given in answers.items():
        values = given if isinstance(given, list) else [given]
        kind = types[link_id]
        answer: list[dict[str, Any]] = []
        for value in values:
            if kind == "choice":
                answer.append({"valueCoding": coding(link_id, value, base)})
            elif kind == "integer":
                answer.append({"valueInteger": int(value)})
            elif kind == "date":
                answer.append({"valueDate": value})
            else:
                answer.append({"valueString": value})
        items.append({"linkId": link_id, "answer": answer})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{base}/Questionnaire/ldn-screening",
        "status": "completed",
        "item": items,
    }


def item_types(questionnaire: dict[str, Any]) -> dict[str, str]:
    return {item["linkId"]: item["type"] for item in questionnaire["item"]}


@functools.cache
def fhir_schema() -> dict[str, Any]:
    with gzip.open(SCHEMA_FILE, "rt", encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


@functools.cache
def _validator(resource_type: str) -> Any:
    from jsonschema import Draft6Validator

    schema = {k: v for k, v in fhir_schema().items() if k not in {"oneOf", "discriminator"}}
    # Draft 6: a $ref beside other keywords replaces them, so this checks one resource type.
    schema["$ref"] = f"#/definitions/{resource_type}"
    return Draft6Validator(schema)


def schema_errors(resource: dict[str, Any]) -> list[str]:
    """HL7's R4 JSON Schema's complaints about ``resource`` (and, for a Bundle, its entries)."""
    problems = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator(resource["resourceType"]).iter_errors(resource)
    ]
    for entry in resource.get("entry", []) if resource["resourceType"] == "Bundle" else []:
        problems += schema_errors(entry["resource"])
    return problems


def fhirpath(resource: dict[str, Any], expression: str, **env: Any) -> list[Any]:
    from fhirpathpy import evaluate
    from fhirpathpy.models import models

    # %resource is the resource itself, as in FHIR's own invariants; the R4 model resolves
    # choice elements (value -> valueInteger) and ofType().
    result: list[Any] = evaluate(resource, expression, {"resource": resource, **env}, models["r4"])
    return result


def today_plus(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()
