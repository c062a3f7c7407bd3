"""The vendored schema is the file recorded in its README, the examples in docs/fhir are what
the code makes, the OperationDefinition is served and valid, and the serving code imports no
FHIR model library."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from flask.testing import FlaskClient

from tests.fhir_support import (
    BASE,
    QUESTIONNAIRE_PATH,
    SCHEMA_FILE,
    SCREEN_PATH,
    fhir_get,
    fhir_post,
    fhirpath,
    schema_errors,
    today_plus,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_SHA256 = "15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_fhir_examples", ROOT / "scripts" / "build_fhir_examples.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_schema_is_the_recorded_file() -> None:
    data = gzip.decompress(SCHEMA_FILE.read_bytes())
    assert hashlib.sha256(data).hexdigest() == SCHEMA_SHA256
    readme = (SCHEMA_FILE.parent / "README.md").read_text()
    assert SCHEMA_SHA256 in readme
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() in readme
    assert json.loads(data)["$schema"] == "http://json-schema.org/draft-06/schema#"


def test_examples_match_the_code() -> None:
    script = _script()
    for name, resource in script.examples().items():
        committed = (ROOT / "docs" / "fhir" / name).read_text(encoding="utf-8")
        assert committed == script.render(resource), (
            f"docs/fhir/{name} is out of date: run python scripts/build_fhir_examples.py"
        )


def test_examples_are_valid_and_the_response_screens(fhir_client: FlaskClient) -> None:
    docs = ROOT / "docs" / "fhir"
    response: dict[str, Any] = json.loads(
        (docs / "example-questionnaire-response.json").read_text()
    )
    bundle: dict[str, Any] = json.loads((docs / "example-bundle.json").read_text())
    assert response["questionnaire"] == f"{BASE}/Questionnaire/ldn-screening"
    assert schema_errors(response) == []
    assert schema_errors(bundle) == []
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[:2] == ["QuestionnaireResponse", "MedicationRequest"]
    assert "DetectedIssue" in kinds
    # The committed response is accepted by the live operation (its dates are in the past
    # here, so only the date checks may object).
    live = fhir_post(fhir_client, SCREEN_PATH, response)
    if live.status_code == 422:
        problems = fhirpath(live.get_json(force=True), "OperationOutcome.issue.expression")
        assert set(problems) <= {
            "QuestionnaireResponse.item.where(linkId='start_on')",
            "QuestionnaireResponse.item.where(linkId='last_opioid_dose_on')",
        }
    else:
        assert live.status_code == 200


def test_readme_shows_the_operation_and_the_examples() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "## Integrating" in readme
    for needle in (
        "/fhir/Questionnaire/ldn-screening/$screen",
        "docs/fhir/example-questionnaire-response.json",
        "docs/fhir/example-bundle.json",
        "/fhir/OperationDefinition/ldn-screen",
    ):
        assert needle in readme


def test_operation_definition(fhir_client: FlaskClient) -> None:
    response = fhir_get(fhir_client, "/fhir/OperationDefinition/ldn-screen")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    body = response.get_json(force=True)
    assert schema_errors(body) == []
    assert body["url"] == f"{BASE}/OperationDefinition/ldn-screen"
    assert body["code"] == "screen" and body["resource"] == ["Questionnaire"]
    assert body["instance"] is True
    params = {(p["name"], p["use"], p["type"]) for p in body["parameter"]}
    assert params == {("response", "in", "QuestionnaireResponse"), ("return", "out", "Bundle")}
    required = "name, status, kind, code, system, type, instance"
    assert fhirpath(
        body, " and ".join(f"OperationDefinition.{e}.exists()" for e in required.split(", "))
    ) == [True]
    # a parameter has a type (no parts here), and its cardinality.
    assert fhirpath(body, "OperationDefinition.parameter.all(type.exists() and max.exists())") == [
        True
    ]


SERVING_CHECK = """
import json, sys, tempfile
from ldn_screen.app import create_app
app = create_app({"INSTANCE_PATH": tempfile.mkdtemp() + "/i", "TESTING": True})
client = app.test_client()
client.get("/fhir/Questionnaire/ldn-screening")
from tests.api.support import create_client
token = create_client(app)
done = client.post("/fhir/Questionnaire/ldn-screening/$screen", data=sys.argv[1],
                   content_type="application/fhir+json",
                   headers={"Authorization": "Bearer " + token})
roots = {"fhir", "fhirclient", "fhirpathpy", "jsonschema", "fhir_core", "pydantic"}
print(json.dumps([done.status_code, sorted(m for m in sys.modules if m.split(".")[0] in roots)]))
"""


def test_serving_imports_no_fhir_model_library() -> None:
    example = json.loads(
        (ROOT / "docs" / "fhir" / "example-questionnaire-response.json").read_text()
    )
    dates = {"start_on": today_plus(0), "last_opioid_dose_on": today_plus(-1)}
    for item in example["item"]:
        if item["linkId"] in dates:
            item["answer"] = [{"valueDate": dates[item["linkId"]]}]
    done = subprocess.run(
        [sys.executable, "-c", SERVING_CHECK, json.dumps(example)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=120,
        # The canonical base from the environment, as a deployment sets it.
        env={**os.environ, "LDN_FHIR_CANONICAL_BASE": BASE},
    )
    status, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == 200
    assert loaded == []


def test_screen_needs_an_api_client_token_and_the_definitions_do_not(
    fhir_client: FlaskClient,
) -> None:
    assert fhir_client.get(QUESTIONNAIRE_PATH).status_code == 200
    refused = fhir_client.post(SCREEN_PATH, data="{}", content_type="application/fhir+json")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert refused.get_json()["resourceType"] == "OperationOutcome"
    forged = fhir_client.post(
        SCREEN_PATH,
        data="{}",
        content_type="application/fhir+json",
        headers={"Authorization": "Bearer ldn_forged"},
    )
    assert forged.status_code == 401


def test_capability_statement_names_what_the_server_has(fhir_client: FlaskClient) -> None:
    response = fhir_get(fhir_client, "/fhir/metadata")
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    body = response.get_json(force=True)
    # R4 is 4.0.1. The vendored schema is the 4.0.0 build, whose list of FHIR versions predates
    # that technical correction: the rest of the statement is checked against it.
    assert body["fhirVersion"] == "4.0.1" and body["kind"] == "instance"
    assert schema_errors({**body, "fhirVersion": "4.0.0"}) == []
    # cpb-1..3 of R4 (a rest, software or implementation element; kind instance has
    # implementation) hold.
    assert fhirpath(
        body,
        "(rest.exists() or messaging.exists() or document.exists())"
        " and (kind != 'instance' or implementation.exists())",
    ) == [True]
    (rest,) = body["rest"]
    resources = {r["type"]: r for r in rest["resource"]}
    assert set(resources) == {"Questionnaire", "OperationDefinition"}
    (operation,) = resources["Questionnaire"]["operation"]
    assert operation["name"] == "screen"
    # The operation it names is the one this server serves.
    definition = fhir_get(fhir_client, "/fhir/OperationDefinition/ldn-screen").get_json(force=True)
    assert operation["definition"] == definition["url"]
    assert "api-client create" in rest["security"]["description"]
    for resource in resources.values():
        assert [i["code"] for i in resource["interaction"]] == ["read"]
    assert fhir_get(fhir_client, "/fhir/metadata").get_json(force=True)["date"] == body["date"]
    refused = fhir_client.post("/fhir/metadata", json={})
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"
