"""The Questionnaire is generated from the screening form: every asked field is an item, with
the form's label, options, hint and required-ness, and the conditional questions carry
enableWhen. It is valid against HL7's R4 JSON Schema and the Questionnaire invariants."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.web.fhir.questionnaire import NOT_ASKED
from ldn_screen.web.forms.fields import YES_NO_UNSURE, Radios
from ldn_screen.web.forms.screening import ScreeningForm
from tests.fhir_support import (
    BASE,
    DONT_KNOW,
    NO,
    QUESTIONNAIRE_PATH,
    YES,
    fhir_get,
    fhirpath,
    schema_errors,
)


def _form(app: Flask) -> ScreeningForm:
    with app.test_request_context():
        return ScreeningForm(formdata=None, meta={"csrf": False})


def _items(questionnaire: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["linkId"]: item for item in questionnaire["item"]}


def test_served_as_fhir_json_without_a_cookie(fhir_client: FlaskClient) -> None:
    response = fhir_get(fhir_client, QUESTIONNAIRE_PATH)
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert "Set-Cookie" not in response.headers


def test_identity_version_and_canonical_url(questionnaire: dict[str, Any]) -> None:
    assert questionnaire["resourceType"] == "Questionnaire"
    assert questionnaire["url"] == f"{BASE}/Questionnaire/ldn-screening"
    assert questionnaire["version"] == version("ldn-screen")
    assert questionnaire["status"] == "active"


def test_canonical_base_follows_configuration(fhir_app: Flask) -> None:
    fhir_app.config["LDN_FHIR_CANONICAL_BASE"] = "https://other.example/r4/"
    body = fhir_get(fhir_app.test_client(), QUESTIONNAIRE_PATH).get_json(force=True)
    assert body["url"] == "https://other.example/r4/Questionnaire/ldn-screening"
    fhir_app.config["LDN_FHIR_CANONICAL_BASE"] = None
    fhir_app.config["LDN_PUBLIC_URL"] = "https://ldn.public.example"
    body = fhir_get(fhir_app.test_client(), QUESTIONNAIRE_PATH).get_json(force=True)
    assert body["url"] == "https://ldn.public.example/fhir/Questionnaire/ldn-screening"


def test_every_form_field_is_an_item_or_listed_as_not_asked(
    fhir_app: Flask, questionnaire: dict[str, Any]
) -> None:
    form = _form(fhir_app)
    names = [f.name for f in form if f.name != "csrf_token"]
    items = [item["linkId"] for item in questionnaire["item"]]
    assert [n for n in names if n not in NOT_ASKED] == items  # same fields, page order
    assert set(NOT_ASKED) <= set(names), "NOT_ASKED names a field the form no longer has"


def test_labels_hints_and_options_come_from_the_form(
    fhir_app: Flask, questionnaire: dict[str, Any]
) -> None:
    form = _form(fhir_app)
    for link_id, item in _items(questionnaire).items():
        field = form[link_id]
        assert item["text"] == field.label.text
        helps = [i for i in item.get("item", []) if i["type"] == "display"]
        assert [h["text"] for h in helps] == ([field.description] if field.description else [])
        options = getattr(field, "options", None)
        if options is None:
            assert "answerOption" not in item
            continue
        assert item["type"] == "choice"
        shown = [o["valueCoding"]["display"] for o in item["answerOption"]]
        assert shown == [label for _, label in options]


def test_not_sure_is_the_yesnodontknow_code(fhir_app: Flask, questionnaire: dict[str, Any]) -> None:
    form = _form(fhir_app)
    checked = 0
    for link_id, item in _items(questionnaire).items():
        field = form[link_id]
        values = [v for v, _ in getattr(field, "options", [])]
        if set(values) != {"yes", "no", "unsure"}:
            continue
        codes = [{k: o["valueCoding"][k] for k in ("system", "code")} for o in item["answerOption"]]
        assert codes == [YES, NO, DONT_KNOW]
        checked += 1
    assert checked == sum(1 for f in form if getattr(f, "options", None) == YES_NO_UNSURE)
    assert checked > 10
    # Any other question's "Not sure" is the same code (the opioid question's, for one).
    opioid = [o["valueCoding"] for o in _items(questionnaire)["opioid_use"]["answerOption"]]
    assert {k: opioid[-1][k] for k in ("system", "code")} == DONT_KNOW
    assert opioid[-1]["display"] == "Not sure"


def test_required_matches_what_the_form_demands(
    fhir_app: Flask, questionnaire: dict[str, Any]
) -> None:
    form = _form(fhir_app)
    items = _items(questionnaire)
    # A plain (not conditional) radio question is always required.
    for link_id, item in items.items():
        field = form[link_id]
        if isinstance(field, Radios) and not field.conditional:
            assert item["required"] is True, link_id
    for link_id in ("age_years", "start_on", "baseline_pain_nrs", "opioid_use"):
        assert items[link_id]["required"] is True
    for link_id in ("medication_list", "opioid_free_since", "wpi_none", "sss_fatigue"):
        assert items[link_id]["required"] is False


def test_enable_when_points_at_earlier_questions_and_listed_answers(
    questionnaire: dict[str, Any],
) -> None:
    items = _items(questionnaire)
    order = list(items)
    conditional = {k: v for k, v in items.items() if "enableWhen" in v}
    assert set(conditional) == {
        "opioid_type",
        "last_opioid_dose_on",
        "opioid_free_since",
        "ultra_low_dose_protocol",
        "surgery_on",
    }
    for link_id, item in conditional.items():
        for condition in item["enableWhen"]:
            trigger = items[condition["question"]]
            assert order.index(condition["question"]) < order.index(link_id)
            options = [o["valueCoding"] for o in trigger["answerOption"]]
            assert condition["answerCoding"] in options
        if len(item["enableWhen"]) > 1:
            assert item["enableBehavior"] == "any"


def test_valid_against_the_r4_json_schema(questionnaire: dict[str, Any]) -> None:
    assert schema_errors(questionnaire) == []


def test_schema_catches_a_broken_questionnaire(questionnaire: dict[str, Any]) -> None:
    broken = {**questionnaire, "status": "finished", "item": [{"linkId": 1}]}
    assert schema_errors(broken)


INVARIANTS = {
    # que-1: a group has children, a display item none
    "que-1": "Questionnaire.repeat(item).all((type='group' implies item.empty().not()) and "
    "(type.trace('type')='display' implies item.trace('item').empty()))",
    # que-6: display items are not required and do not repeat
    "que-6": "Questionnaire.repeat(item).all(type!='display' or (required.empty() and "
    "repeats.empty()))",
    # que-9: only choice items have answer options
    "que-9": "Questionnaire.repeat(item).all(answerOption.empty() or type='choice' or "
    "type='open-choice')",
    # que-12: several enableWhen need enableBehavior
    "que-12": "Questionnaire.repeat(item).all(enableWhen.count() > 1 implies "
    "enableBehavior.exists())",
    # que-2: linkIds are unique
    "que-2": "Questionnaire.repeat(item).linkId.isDistinct()",
    # R4 cardinalities the JSON Schema leaves out
    "cardinality": "Questionnaire.status.exists() and Questionnaire.repeat(item).all("
    "linkId.exists() and type.exists())",
    # que-7: enableWhen with operator 'exists' takes a boolean answer (none here use it)
    "que-7": "Questionnaire.repeat(item).enableWhen.all(operator = 'exists' implies "
    "(answer is Boolean))",
    # every enableWhen names a question that exists
    "enable-when-target": "Questionnaire.repeat(item).enableWhen.all(question in "
    "%resource.repeat(item).linkId)",
}


@pytest.mark.parametrize("name", sorted(INVARIANTS))
def test_fhirpath_invariants(questionnaire: dict[str, Any], name: str) -> None:
    assert fhirpath(questionnaire, INVARIANTS[name]) == [True], name


def test_an_invariant_fails_on_a_bad_questionnaire(questionnaire: dict[str, Any]) -> None:
    bad = {**questionnaire, "item": [*questionnaire["item"], questionnaire["item"][0]]}
    assert fhirpath(bad, INVARIANTS["que-2"]) == [False]
    dangling = {
        **questionnaire,
        "item": [{**questionnaire["item"][3], "enableWhen": [{"question": "nope"}]}],
    }
    assert fhirpath(dangling, INVARIANTS["enable-when-target"]) == [False]


def test_choices_are_drawn_as_on_the_page(fhir_app: Flask, questionnaire: dict[str, Any]) -> None:
    form = _form(fhir_app)
    control = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
    for link_id, item in _items(questionnaire).items():
        codes = [
            c["code"]
            for e in item.get("extension", [])
            if e["url"] == control
            for c in e["valueCodeableConcept"]["coding"]
        ]
        if item["type"] != "choice":
            assert codes == []
        elif isinstance(form[link_id], Radios):
            assert codes == ["radio-button"] and not item.get("repeats")
        else:
            assert codes == ["check-box"] and item["repeats"] is True
