"""$screen: a QuestionnaireResponse in, a Bundle out, screened by the same form and rules as
the HTML page, with the current published settings."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.rules import Severity, screen
from ldn_screen.store.db import make_engine
from ldn_screen.web.forms.screening import ScreeningForm
from ldn_screen.web.stores import current_reading
from tests.fhir_support import (
    BASE,
    SCREEN_PATH,
    fhir_post,
    fhirpath,
    item_types,
    questionnaire_response,
    schema_errors,
    today_plus,
)
from tests.helpers import valid_answers

SEVERITIES = {"high", "moderate", "low"}


def answers(**overrides: Any) -> dict[str, Any]:
    """The eligible answers of the HTML tests; an override of None leaves a question out."""
    given: dict[str, Any] = valid_answers()
    given.update(overrides)
    return {k: v for k, v in given.items() if v is not None}


def post(
    client: FlaskClient, questionnaire: dict[str, Any], **overrides: Any
) -> tuple[int, dict[str, Any]]:
    body = questionnaire_response(answers(**overrides), item_types(questionnaire))
    response = fhir_post(client, SCREEN_PATH, body)
    assert response.mimetype == "application/fhir+json"
    assert "Set-Cookie" not in response.headers
    return response.status_code, response.get_json(force=True)


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def expected_result(app: Flask, **overrides: Any) -> Any:
    """What the rules give for these answers, screened here through the HTML form's class."""
    with app.test_request_context(method="POST", data=answers(**overrides)):
        form = ScreeningForm(meta={"csrf": False})
        assert form.validate(), form.errors
        return screen(form.to_answers(), current_reading().active.settings)


BUNDLE_INVARIANTS = (
    "Bundle.entry.resource.ofType(MedicationRequest).dosageInstruction.all(sequence.exists())",
    "Bundle.entry.resource.ofType(MedicationRequest).all(intent = 'proposal')",
    "Bundle.entry.resource.ofType(MedicationRequest).dosageInstruction.doseAndRate"
    ".doseQuantity.all(system = 'http://unitsofmeasure.org' and code = 'mg')",
    "Bundle.entry.resource.ofType(DetectedIssue).all(severity.exists() and code.exists() "
    "and detail.exists())",
    # Every evidence or implicated reference points at an entry of this Bundle.
    "Bundle.entry.resource.ofType(DetectedIssue).evidence.detail.reference.all($this in "
    "%resource.entry.fullUrl)",
    "Bundle.entry.resource.ofType(DetectedIssue).implicated.reference.all($this in "
    "%resource.entry.fullUrl)",
    # bdl-7: fullUrl is unique
    "Bundle.entry.fullUrl.isDistinct()",
    # Cardinalities of R4 that the JSON Schema does not enforce (it requires only a few).
    "Bundle.type.exists() and Bundle.entry.all(resource.exists() and fullUrl.exists())",
    "Bundle.entry.resource.ofType(MedicationRequest).all(status.exists() and intent.exists() "
    "and medication.exists() and subject.exists())",
    "Bundle.entry.resource.ofType(DetectedIssue).all(status.exists())",
    "Bundle.entry.resource.ofType(QuestionnaireResponse).all(status.exists())",
    # Each step has dated bounds; per-1: a period's start is not after its end.
    "Bundle.entry.resource.ofType(MedicationRequest).dosageInstruction.all("
    "timing.repeat.bounds.start.exists())",
    "Bundle.entry.resource.ofType(MedicationRequest).dosageInstruction.timing.repeat.bounds"
    ".all(end.exists().not() or start <= end)",
)


# The response's questions are all questions of the Questionnaire.
LINK_IDS_KNOWN = (
    "QuestionnaireResponse.repeat(item).linkId.all($this in %questionnaire.repeat(item).linkId)"
)


def test_link_id_invariant_fails_on_an_unknown_question(questionnaire: dict[str, Any]) -> None:
    response = questionnaire_response(answers(), item_types(questionnaire))
    assert fhirpath(response, LINK_IDS_KNOWN, questionnaire=questionnaire) == [True]
    response["item"].append({"linkId": "shoe_size"})
    assert fhirpath(response, LINK_IDS_KNOWN, questionnaire=questionnaire) == [False]


def check_bundle(bundle: dict[str, Any], questionnaire: dict[str, Any]) -> None:
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    assert schema_errors(bundle) == []
    for expression in BUNDLE_INVARIANTS:
        assert fhirpath(bundle, expression) == [True], expression
    (echoed,) = resources(bundle, "QuestionnaireResponse")
    assert fhirpath(echoed, LINK_IDS_KNOWN, questionnaire=questionnaire) == [True]
    steps = [
        d["sequence"]
        for r in resources(bundle, "MedicationRequest")
        for d in r["dosageInstruction"]
    ]
    assert steps == sorted(steps) and steps == list(range(1, len(steps) + 1))
    # The FHIRPath above saw the same resources (ofType() is not silently empty).
    counted = fhirpath(
        bundle, "Bundle.entry.resource.ofType(MedicationRequest).dosageInstruction.count()"
    )
    assert counted == [len(steps)]


def test_bundle_invariants_fail_on_a_broken_bundle(
    fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    status, bundle = post(fhir_client, questionnaire, fibromyalgia_diagnosed="unsure")
    assert status == 200
    request = resources(bundle, "MedicationRequest")[0]
    del request["dosageInstruction"][1]["sequence"]
    issue = resources(bundle, "DetectedIssue")[0]
    del issue["severity"]
    issue["evidence"][0]["detail"][0]["reference"] = "urn:uuid:elsewhere"
    failing = [e for e in BUNDLE_INVARIANTS if fhirpath(bundle, e) == [False]]
    assert failing == [BUNDLE_INVARIANTS[0], BUNDLE_INVARIANTS[3], BUNDLE_INVARIANTS[4]]


def test_eligible_patient_gets_the_dose_plan(
    fhir_app: Flask, fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    status, bundle = post(fhir_client, questionnaire)
    assert status == 200
    check_bundle(bundle, questionnaire)
    expected = expected_result(fhir_app)
    assert expected.verdict.value == "eligible"
    (request,) = resources(bundle, "MedicationRequest")
    assert request["status"] == "draft"
    assert request["intent"] == "proposal"
    dosage = request["dosageInstruction"]
    plan = expected.dose_plan
    assert len(dosage) == len(plan.steps) > 1
    for given, step in zip(dosage, plan.steps, strict=True):
        assert given["sequence"] == step.number
        bounds = given["timing"]["repeat"]["boundsPeriod"]
        assert bounds["start"] == step.starts_on.isoformat()
        assert bounds.get("end") == (step.ends_on.isoformat() if step.ends_on else None)
        (dose,) = given["doseAndRate"]
        assert dose["doseQuantity"] == {
            "value": step.dose_mg,
            "unit": "mg",
            "system": "http://unitsofmeasure.org",
            "code": "mg",
        }
    assert dosage[0]["timing"]["repeat"]["boundsPeriod"]["start"] == dt.date.today().isoformat()
    # No stop, wait or review finding: no DetectedIssue.
    assert not [f for f in expected.findings if f.severity.value in {"stop", "wait", "review"}]
    assert resources(bundle, "DetectedIssue") == []


def test_settings_version_and_verdict_are_echoed(
    fhir_app: Flask, fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    status, bundle = post(fhir_client, questionnaire)
    assert status == 200
    (echoed,) = resources(bundle, "QuestionnaireResponse")
    with fhir_app.test_request_context():
        number = current_reading().active.number
    version_ext = f"{BASE}/StructureDefinition/settings-version"
    found = fhirpath(
        echoed,
        f"QuestionnaireResponse.extension.where(url='{version_ext}')"
        ".extension.where(url='number').value",
    )
    assert found == [number]
    verdict = fhirpath(
        echoed,
        f"QuestionnaireResponse.extension.where(url='{BASE}/StructureDefinition/verdict')"
        ".value.code",
    )
    assert verdict == ["eligible"]
    # The answers themselves come back as posted.
    posted = questionnaire_response(answers(), item_types(questionnaire))
    assert echoed["item"] == posted["item"]


def test_a_forged_settings_version_is_replaced(
    fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    body = questionnaire_response(answers(), item_types(questionnaire))
    forged = f"{BASE}/StructureDefinition/settings-version"
    body["extension"] = [{"url": forged, "valueInteger": 999}]
    bundle = fhir_post(fhir_client, SCREEN_PATH, body).get_json(force=True)
    (echoed,) = resources(bundle, "QuestionnaireResponse")
    (ours,) = [e for e in echoed["extension"] if e["url"] == forged]
    assert "valueInteger" not in ours


def test_opioid_taken_now_is_do_not_start(
    fhir_app: Flask, fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    overrides = {
        "opioid_use": "current",
        "opioid_type": "short_acting",
        "ultra_low_dose_protocol": "no",
    }
    status, bundle = post(fhir_client, questionnaire, **overrides)
    assert status == 200
    check_bundle(bundle, questionnaire)
    expected = expected_result(fhir_app, **overrides)
    assert expected.verdict.value == "do_not_start"
    assert resources(bundle, "MedicationRequest") == []
    issues = resources(bundle, "DetectedIssue")
    codes = {i["code"]["coding"][0]["code"]: i for i in issues}
    assert "opioid_current" in codes
    issue = codes["opioid_current"]
    finding = next(f for f in expected.findings if f.code == "opioid_current")
    assert issue["severity"] == "high"
    assert issue["detail"] == finding.clinician_text
    assert issue["code"]["text"] == finding.summary
    assert issue["reference"] == finding.source.url
    source = fhirpath(
        issue,
        f"DetectedIssue.extension.where(url='{BASE}/StructureDefinition/finding-source')"
        ".value.citation",
    )
    assert source == [finding.source.reference]
    # One DetectedIssue per stop, wait or review finding, in the rules' order.
    wanted = [f.code for f in expected.findings if f.severity.value in {"stop", "wait", "review"}]
    assert [i["code"]["coding"][0]["code"] for i in issues] == wanted


def test_recent_opioid_is_not_yet_with_the_plan_from_the_earliest_start(
    fhir_app: Flask, fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    overrides = {
        "opioid_use": "recent",
        "opioid_type": "short_acting",
        "last_opioid_dose_on": today_plus(-1),
    }
    status, bundle = post(fhir_client, questionnaire, **overrides)
    assert status == 200
    check_bundle(bundle, questionnaire)
    expected = expected_result(fhir_app, **overrides)
    assert expected.verdict.value == "not_yet"
    (request,) = resources(bundle, "MedicationRequest")
    first = request["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]["start"]
    assert first == expected.earliest_start_on.isoformat() > dt.date.today().isoformat()
    waits = [i for i in resources(bundle, "DetectedIssue") if i["severity"] == "moderate"]
    assert waits
    assert all(
        fhirpath(i, "DetectedIssue.implicated.reference")
        == [next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is request)]
        for i in waits
    )
    # The note says the plan is conditional, in the rules' words.
    assert "earliest safe date" in request["note"][0]["text"]


def test_review_finding_for_an_unsure_diagnosis(
    fhir_app: Flask, fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    status, bundle = post(fhir_client, questionnaire, fibromyalgia_diagnosed="unsure")
    assert status == 200
    check_bundle(bundle, questionnaire)
    expected = expected_result(fhir_app, fibromyalgia_diagnosed="unsure")
    assert expected.verdict.value == "review"
    reviews = [f for f in expected.findings if f.severity is Severity.REVIEW]
    issues = resources(bundle, "DetectedIssue")
    assert [i["code"]["coding"][0]["code"] for i in issues] == [f.code for f in reviews]
    assert {i["severity"] for i in issues} == {"low"}
    assert resources(bundle, "MedicationRequest")  # a plan, conditional on the review


@pytest.mark.parametrize("formulation", ["liquid", "capsule"])
def test_liquid_plan_names_the_volume_in_the_text_only(
    fhir_app: Flask, fhir_client: FlaskClient, questionnaire: dict[str, Any], formulation: str
) -> None:
    status, bundle = post(fhir_client, questionnaire, formulation=formulation)
    assert status == 200
    check_bundle(bundle, questionnaire)
    (request,) = resources(bundle, "MedicationRequest")
    first = request["dosageInstruction"][0]
    assert len(first["doseAndRate"]) == 1
    assert ("mL" in first["text"]) is (formulation == "liquid")


def test_parameters_wrapper_is_accepted(
    fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    body = questionnaire_response(answers(), item_types(questionnaire))
    wrapped = {"resourceType": "Parameters", "parameter": [{"name": "response", "resource": body}]}
    response = fhir_post(fhir_client, SCREEN_PATH, wrapped)
    assert response.status_code == 200
    assert response.get_json(force=True)["resourceType"] == "Bundle"


def test_the_answers_are_not_logged(
    fhir_client: FlaskClient, questionnaire: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    status, _ = post(
        fhir_client,
        questionnaire,
        age_years="77",
        medication_list="zebrafinch-oxycodone 5 mg\nquokkamycin 250 mg",
    )
    assert status == 200
    text = json.dumps(
        [r.getMessage() for r in caplog.records] + [str(r.__dict__) for r in caplog.records]
    )
    for secret in ("zebrafinch", "quokkamycin", "medication_list"):
        assert secret not in text


def test_store_down_after_a_version_was_loaded_warns_in_the_bundle(
    fhir_app: Flask, fhir_client: FlaskClient, questionnaire: dict[str, Any], tmp_path: Path
) -> None:
    assert post(fhir_client, questionnaire)[0] == 200  # version 1 is now loaded
    store = fhir_app.extensions["ldn_settings"]
    store.engine = make_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'gone.sqlite3'}")
    status, bundle = post(fhir_client, questionnaire)
    assert status == 200
    check_bundle(bundle, questionnaire)
    (outcome,) = resources(bundle, "OperationOutcome")
    (issue,) = outcome["issue"]
    assert issue["severity"] == "warning"
    assert "could not be read, so this page uses version 1" in issue["details"]["text"]


def test_store_down_before_any_version_is_a_503_outcome(
    fhir_app: Flask, questionnaire: dict[str, Any], tmp_path: Path
) -> None:
    body = questionnaire_response(answers(), item_types(questionnaire))
    fresh = fhir_app.extensions["ldn_settings"].__class__(
        make_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'gone.sqlite3'}")
    )
    fhir_app.extensions["ldn_settings"] = fresh
    response = fhir_post(fhir_app.test_client(), SCREEN_PATH, body)
    assert response.status_code == 503
    assert response.mimetype == "application/fhir+json"
    assert response.get_json(force=True)["resourceType"] == "OperationOutcome"
