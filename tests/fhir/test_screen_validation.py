"""$screen refuses what the HTML form refuses, in the form's words, and never reads an absent
or "not sure" answer as "no". Every enableWhen of the Questionnaire is checked against the
form's own behaviour."""

from __future__ import annotations

import html
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.rules import Answer, OpioidUse, PatientAnswers
from ldn_screen.web.fhir import screening_questionnaire
from ldn_screen.web.fhir.responses import answers_from_questionnaire_response
from ldn_screen.web.fhir.validation import validate_screening
from tests.fhir_support import (
    BASE,
    DONT_KNOW,
    SCREEN_PATH,
    fhir_call,
    fhir_post,
    item_types,
    questionnaire_response,
    schema_errors,
    today_plus,
)
from tests.helpers import csrf_token, valid_answers


def answers(**overrides: Any) -> dict[str, Any]:
    given: dict[str, Any] = valid_answers()
    given.update(overrides)
    return {k: v for k, v in given.items() if v is not None}


def qr(questionnaire: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    return questionnaire_response(answers(**overrides), item_types(questionnaire))


def patient_answers(app: Flask, response: dict[str, Any]) -> PatientAnswers | None:
    """What the operation hands the rules for ``response`` (None: it is refused)."""
    with app.test_request_context(method="POST"):
        items, _ = screening_questionnaire()
        data, issues = answers_from_questionnaire_response(response, items)
        form, errors = validate_screening(data)
        if issues or errors:
            return None
        return form.to_answers()


def issues_of(body: dict[str, Any]) -> list[tuple[str, list[str]]]:
    assert body["resourceType"] == "OperationOutcome"
    assert schema_errors(body) == []
    return [(i["details"]["text"], i.get("expression", [])) for i in body["issue"]]


def where(link_id: str) -> str:
    return f"QuestionnaireResponse.item.where(linkId='{link_id}')"


# --- Every problem, in the form's words ----------------------------------------------------


def test_every_problem_is_listed_in_the_forms_words(
    fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    body = qr(questionnaire, baseline_pain_nrs=None, start_on="2020-01-01")
    items = {item["linkId"]: item for item in body["item"]}
    items["age_years"]["answer"] = [{"valueString": "forty"}]
    items["schedule"]["answer"] = [{"valueCoding": {"system": "http://example.org", "code": "x"}}]
    body["item"].append({"linkId": "favourite_colour", "answer": [{"valueString": "blue"}]})
    response = fhir_post(fhir_client, SCREEN_PATH, body)
    assert response.status_code == 422
    assert response.mimetype == "application/fhir+json"
    found = issues_of(response.get_json(force=True))
    messages = {expr[0]: text for text, expr in found if expr}
    assert messages[where("age_years")] == "Age must be between 0 and 120, like 60"
    assert messages[where("baseline_pain_nrs")] == "Enter the patient's average pain from 0 to 10"
    assert messages[where("start_on")] == "The start date must be today or in the future"
    assert messages[where("schedule")] == "Select the standard or gentle schedule"
    assert where("favourite_colour") in messages
    # Each problem once: the schedule's code off the list is not also "missing".
    assert len(found) == len({(t, tuple(e)) for t, e in found}) == 5
    codes = {i["expression"][0]: i["code"] for i in response.get_json(force=True)["issue"]}
    assert codes[where("baseline_pain_nrs")] == "required"
    assert codes[where("age_years")] == "value"


def test_the_html_form_says_the_same(
    fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    bad = {"age_years": "forty", "baseline_pain_nrs": "", "start_on": "2020-01-01"}
    response = fhir_post(
        fhir_client,
        SCREEN_PATH,
        _with_string_age(
            qr(questionnaire, **{**bad, "age_years": None, "baseline_pain_nrs": None})
        ),
    )
    assert response.status_code == 422
    fhir_messages = [text for text, _ in issues_of(response.get_json(force=True))]
    token = csrf_token(fhir_client.get("/").get_data(as_text=True))
    page = fhir_client.post("/", data={"csrf_token": token, **answers(**bad)})
    shown = html.unescape(page.get_data(as_text=True))
    assert len(fhir_messages) == 3
    for message in fhir_messages:
        assert message in shown


def _with_string_age(body: dict[str, Any]) -> dict[str, Any]:
    body["item"].insert(0, {"linkId": "age_years", "answer": [{"valueString": "forty"}]})
    return body


def test_a_checklist_message_names_each_of_its_questions(
    fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    body = qr(questionnaire, opioid_dependence=None, opioid_withdrawal=None, kratom_or_similar=None)
    response = fhir_post(fhir_client, SCREEN_PATH, body)
    assert response.status_code == 422
    ((text, expressions),) = issues_of(response.get_json(force=True))
    assert text == "Select the opioid conditions that apply, or 'None of these apply'"
    assert expressions == [
        where(q) for q in ("opioid_dependence", "opioid_withdrawal", "kratom_or_similar")
    ]


def test_two_answers_to_a_one_answer_question(
    fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    body = qr(questionnaire)
    item = next(i for i in body["item"] if i["linkId"] == "pregnant_or_planning")
    item["answer"] = [{"valueCoding": DONT_KNOW}, {"valueCoding": DONT_KNOW}]
    response = fhir_post(fhir_client, SCREEN_PATH, body)
    assert response.status_code == 422
    assert [e for _, e in issues_of(response.get_json(force=True))] == [
        [where("pregnant_or_planning")]
    ] * 2  # one answer only, and so none given


def test_another_questionnaire_or_version_is_refused(
    fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    body = qr(questionnaire)
    body["questionnaire"] = "https://elsewhere.example/Questionnaire/phq-9"
    assert fhir_post(fhir_client, SCREEN_PATH, body).status_code == 422
    body["questionnaire"] = f"{BASE}/Questionnaire/ldn-screening|0.0.0-old"
    response = fhir_post(fhir_client, SCREEN_PATH, body)
    assert response.status_code == 422
    assert "version 0.0.0-old" in issues_of(response.get_json(force=True))[0][0]
    body["questionnaire"] = f"{BASE}/Questionnaire/ldn-screening|{questionnaire['version']}"
    assert fhir_post(fhir_client, SCREEN_PATH, body).status_code == 200


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (None, 422),
        ("entered-in-error", 422),
        ("stopped", 422),
        ("in-progress", 200),
        ("amended", 200),
    ],
)
def test_the_responses_status(
    fhir_client: FlaskClient, questionnaire: dict[str, Any], status: str | None, code: int
) -> None:
    body = qr(questionnaire)
    if status is None:
        del body["status"]
    else:
        body["status"] = status
    response = fhir_post(fhir_client, SCREEN_PATH, body)
    assert response.status_code == code
    if code == 422:
        ((_, expressions),) = issues_of(response.get_json(force=True))
        assert expressions == ["QuestionnaireResponse.status"]


# --- Bad requests: an OperationOutcome, never a 500 ------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"{not json", b"\xff\xfe\x00", b"", b"[" * 100_000, b'"QuestionnaireResponse"'],
)
def test_unreadable_or_not_a_response_is_400(fhir_client: FlaskClient, data: bytes) -> None:
    response = fhir_post(fhir_client, SCREEN_PATH, data=data)
    assert response.status_code == 400
    assert response.mimetype == "application/fhir+json"
    assert issues_of(response.get_json(force=True))


@pytest.mark.parametrize(
    "body",
    [
        {"resourceType": "Patient"},
        {"resourceType": "Parameters", "parameter": "no"},
        {"resourceType": "Parameters", "parameter": [{"name": "other"}]},
    ],
)
def test_other_resources_are_400(fhir_client: FlaskClient, body: dict[str, Any]) -> None:
    assert fhir_post(fhir_client, SCREEN_PATH, body).status_code == 400


@pytest.mark.parametrize(
    "items",
    [
        "all",
        [1, 2],
        [{"linkId": "age_years", "answer": "45"}],
        [{"linkId": "age_years", "answer": [{"valueInteger": True}]}],
        [{"linkId": "age_years", "answer": [{"valueQuantity": {"value": 4}}]}],
        [{"linkId": "opioid_use", "answer": [{"valueCoding": "none"}]}],
        [{"linkId": "age_years", "item": [{"linkId": "x"}], "answer": [{"valueInteger": 4}]}],
        [{"linkId": ["age_years"]}],
    ],
)
def test_malformed_items_are_422_not_500(
    fhir_client: FlaskClient, questionnaire: dict[str, Any], items: Any
) -> None:
    body = {"resourceType": "QuestionnaireResponse", "status": "completed", "item": items}
    response = fhir_post(fhir_client, SCREEN_PATH, body)
    assert response.status_code == 422
    assert issues_of(response.get_json(force=True))


def test_wrong_content_type_is_415(fhir_client: FlaskClient, questionnaire: dict[str, Any]) -> None:
    response = fhir_post(
        fhir_client,
        SCREEN_PATH,
        qr(questionnaire),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert response.mimetype == "application/fhir+json"


def test_plain_json_is_accepted(fhir_client: FlaskClient, questionnaire: dict[str, Any]) -> None:
    response = fhir_post(
        fhir_client, SCREEN_PATH, qr(questionnaire), content_type="application/json"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", SCREEN_PATH, 405),
        ("PUT", "/fhir/Questionnaire/ldn-screening", 405),
        ("DELETE", "/fhir/OperationDefinition/ldn-screen", 405),
        ("GET", "/fhir/Patient/1", 404),
        ("POST", "/fhir/", 404),
    ],
)
def test_other_calls_get_an_operation_outcome(
    fhir_client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = fhir_call(fhir_client, method, path)
    assert response.status_code == status
    assert response.mimetype == "application/fhir+json"
    assert issues_of(response.get_json(force=True))


def test_too_large_a_body_is_an_operation_outcome(fhir_client: FlaskClient) -> None:
    response = fhir_post(fhir_client, SCREEN_PATH, data=b"{" + b" " * (3 * 1024 * 1024) + b"}")
    assert response.status_code == 413
    assert response.mimetype == "application/fhir+json"


# --- "Not sure" and absent answers are never "no" --------------------------------------------


def _dont_know_questions(questionnaire: dict[str, Any]) -> list[str]:
    return [
        item["linkId"]
        for item in questionnaire["item"]
        if any(
            {k: o["valueCoding"][k] for k in ("system", "code")} == DONT_KNOW
            for o in item.get("answerOption", [])
        )
    ]


def test_dont_know_is_read_as_unsure_for_every_question(
    fhir_app: Flask, questionnaire: dict[str, Any]
) -> None:
    questions = _dont_know_questions(questionnaire)
    assert len(questions) > 10
    for link_id in questions:
        read = patient_answers(fhir_app, qr(questionnaire, **{link_id: "unsure"}))
        assert read is not None, link_id
        expected = OpioidUse.UNSURE if link_id == "opioid_use" else Answer.UNSURE
        assert getattr(read, link_id) is expected, link_id


def test_dont_know_never_screens_as_eligible(
    fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    verdict_url = f"{BASE}/StructureDefinition/verdict"
    for link_id in _dont_know_questions(questionnaire):
        response = fhir_post(fhir_client, SCREEN_PATH, qr(questionnaire, **{link_id: "unsure"}))
        assert response.status_code == 200, link_id
        bundle = response.get_json(force=True)
        echoed = bundle["entry"][0]["resource"]
        (verdict,) = [e for e in echoed["extension"] if e["url"] == verdict_url]
        assert verdict["valueCoding"]["code"] != "eligible", link_id


def test_a_missing_required_answer_is_refused_never_read_as_no(
    fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    required = [
        i["linkId"] for i in questionnaire["item"] if i["required"] and "enableWhen" not in i
    ]
    assert "naltrexone_now" in required and "pregnant_or_planning" in required
    for link_id in required:
        response = fhir_post(fhir_client, SCREEN_PATH, qr(questionnaire, **{link_id: None}))
        assert response.status_code == 422, link_id
        expressions = [e for _, exprs in issues_of(response.get_json(force=True)) for e in exprs]
        assert where(link_id) in expressions, link_id


# --- Every enableWhen, against the form's behaviour ----------------------------------------

# Two different answers for each conditional question, and the other answers each trigger
# value needs (the form asks for them too).
SAMPLES: dict[str, tuple[str, str]] = {
    "opioid_type": ("short_acting", "long_acting"),
    "last_opioid_dose_on": (today_plus(-1), today_plus(-3)),
    "opioid_free_since": (today_plus(-20), today_plus(-40)),
    "ultra_low_dose_protocol": ("yes", "no"),
    "surgery_on": (today_plus(30), today_plus(60)),
}
COMPANIONS: dict[tuple[str, str], dict[str, str]] = {
    ("opioid_use", "current"): {"opioid_type": "short_acting", "ultra_low_dose_protocol": "no"},
    ("opioid_use", "recent"): {
        "opioid_type": "short_acting",
        "last_opioid_dose_on": today_plus(-1),
    },
    ("opioid_use", "recent_date_unknown"): {"opioid_type": "short_acting"},
    ("surgery_planned", "yes"): {"surgery_on": today_plus(30)},
}


def _conditions(questionnaire: dict[str, Any]) -> list[tuple[dict[str, Any], str, set[str]]]:
    """(item, trigger question, enabling values) of every item with enableWhen."""
    found = []
    for item in questionnaire["item"]:
        if "enableWhen" not in item:
            continue
        triggers = {c["question"] for c in item["enableWhen"]}
        assert len(triggers) == 1 and all(c["operator"] == "=" for c in item["enableWhen"])
        found.append(
            (item, triggers.pop(), {c["answerCoding"]["code"] for c in item["enableWhen"]})
        )
    return found


def _trigger_values(questionnaire: dict[str, Any], trigger: str) -> list[str]:
    item = next(i for i in questionnaire["item"] if i["linkId"] == trigger)
    codes = [o["valueCoding"]["code"] for o in item["answerOption"]]
    back = {"Y": "yes", "N": "no", "asked-unknown": "unsure"}
    return [back.get(code, code) for code in codes]


def test_every_conditional_question_has_samples(questionnaire: dict[str, Any]) -> None:
    assert {item["linkId"] for item, _, _ in _conditions(questionnaire)} == set(SAMPLES)


def test_an_enabled_question_is_used_and_a_disabled_one_is_not(
    fhir_app: Flask, questionnaire: dict[str, Any]
) -> None:
    back = {"Y": "yes", "N": "no", "asked-unknown": "unsure"}
    for item, trigger, enabling in _conditions(questionnaire):
        link_id = item["linkId"]
        enabling_values = {back.get(code, code) for code in enabling}
        for value in _trigger_values(questionnaire, trigger):
            base = {trigger: value, **COMPANIONS.get((trigger, value), {})}
            first, second = (
                patient_answers(fhir_app, qr(questionnaire, **{**base, link_id: sample}))
                for sample in SAMPLES[link_id]
            )
            if value in enabling_values:
                # Enabled: the answer is accepted and changes what the rules see.
                assert first is not None and second is not None, (link_id, value)
                assert first != second, (link_id, value)
            else:
                # Disabled: the answer is refused as a contradiction, or has no effect.
                assert first is None or second is None or first == second, (link_id, value)


def test_required_when_enabled(fhir_client: FlaskClient, questionnaire: dict[str, Any]) -> None:
    back = {"Y": "yes", "N": "no", "asked-unknown": "unsure"}
    checked = 0
    for item, trigger, enabling in _conditions(questionnaire):
        link_id = item["linkId"]
        for code in enabling:
            value = back.get(code, code)
            given = {trigger: value, **COMPANIONS.get((trigger, value), {}), link_id: None}
            response = fhir_post(fhir_client, SCREEN_PATH, qr(questionnaire, **given))
            if item["required"]:
                assert response.status_code == 422, (link_id, value)
                exprs = [e for _, x in issues_of(response.get_json(force=True)) for e in x]
                assert where(link_id) in exprs
                checked += 1
            elif response.status_code == 422:
                # Not required by the Questionnaire: only the form's narrower rule applies
                # (the kind of opioid, after "Stopped recently").
                assert (link_id, value) == ("opioid_type", "recent")
    assert checked == 3


def test_every_optional_question_may_be_left_out(
    fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    optional = [
        i["linkId"]
        for i in questionnaire["item"]
        if not i["required"] and "enableWhen" not in i and i["linkId"] in valid_answers()
    ]
    assert optional == ["medication_list"]
    for link_id in optional:
        response = fhir_post(fhir_client, SCREEN_PATH, qr(questionnaire, **{link_id: None}))
        assert response.status_code == 200, link_id


# --- The optional 2016 criteria: repeating answers, and all or nothing -----------------------

CRITERIA = {
    "wpi_left_upper": ["jaw_left", "shoulder_left"],
    "wpi_right_upper": ["upper_arm_right"],
    "wpi_axial": ["neck", "upper_back", "lower_back"],
    "sss_fatigue": "2",
    "sss_waking_unrefreshed": "2",
    "sss_cognitive": "1",
    "sss_headaches": "yes",
    "sss_lower_abdominal": "no",
    "sss_depression": "no",
    "symptoms_3_months": "yes",
}


def test_the_criteria_are_read_with_every_ticked_area(
    fhir_app: Flask, questionnaire: dict[str, Any]
) -> None:
    read = patient_answers(fhir_app, qr(questionnaire, **CRITERIA))
    assert read is not None and read.acr_2016 is not None
    areas = {a.value for a in read.acr_2016.painful_areas}
    assert areas == {a for v in CRITERIA.values() if isinstance(v, list) for a in v}
    assert read.acr_2016.fatigue == 2 and read.acr_2016.headaches is True


def test_started_criteria_need_every_part(
    fhir_client: FlaskClient, questionnaire: dict[str, Any]
) -> None:
    response = fhir_post(fhir_client, SCREEN_PATH, qr(questionnaire, wpi_none=["none"]))
    assert response.status_code == 422
    exprs = {e for _, x in issues_of(response.get_json(force=True)) for e in x}
    assert exprs == {where(q) for q in CRITERIA if q.startswith("sss_")} | {
        where("symptoms_3_months")
    }


@pytest.mark.parametrize("depth", [900, 5000])
def test_deeply_nested_json_is_not_a_server_error(
    fhir_client: FlaskClient, questionnaire: dict[str, Any], depth: int
) -> None:
    text = json.dumps(qr(questionnaire))
    nested = text[:-1] + ', "contained": ' + "[" * depth + "]" * depth + "}"
    response = fhir_post(fhir_client, SCREEN_PATH, data=nested)
    assert response.status_code in {200, 400}
    assert response.mimetype == "application/fhir+json"
