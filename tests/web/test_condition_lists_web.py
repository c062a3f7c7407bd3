"""The screening form's checklists ("None of these apply", or the conditions that apply, each
with a "Yes" / "Not sure" follow-up), over HTTP with the real CSRF token.

The rules must receive exactly the per-question answers they received when every question
was a row of radios, so each grouped post is compared with the per-question post it stands
for, through ``ScreeningForm.to_answers`` and through the verdict on the summary.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from ldn_screen.rules import PatientAnswers
from ldn_screen.web.forms.fields import CONDITION_UNKNOWN_MESSAGE, ConditionGroup
from ldn_screen.web.forms.screening import (
    OPIOID_CONDITIONS,
    SAFETY_CONDITIONS,
    SELECT_MESSAGES,
    SURGERY_DATE_UNTICKED_MESSAGE,
    YES_NO_CONDITIONS,
    ScreeningForm,
)
from tests.helpers import check_error_page, csrf_token, today, valid_answers

GROUPS = (OPIOID_CONDITIONS, SAFETY_CONDITIONS)
Post = list[tuple[str, str]]


def grouped(ticks: dict[str, list[str]] | None = None, **overrides: str) -> Post:
    """valid_answers as the new form posts them: no per-question radios, each list "none"
    unless ``ticks`` says otherwise; ``overrides`` add or replace single fields."""
    ticks = {g.name: ["none"] for g in GROUPS} | (ticks or {})
    items = {q for g in GROUPS for q in g.items}
    data = [(k, v) for k, v in valid_answers().items() if k not in items and k not in overrides]
    data += [(name, value) for name, values in ticks.items() for value in values]
    data += list(overrides.items())
    return data


def post(client: FlaskClient, data: Post):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/").get_data(as_text=True))
    return client.post("/", data=MultiDict([("csrf_token", token), *data]))


def answers_from(app: Flask, data: Post) -> PatientAnswers | dict[str, list[str]]:
    """What the form hands the rules for ``data``, or its errors."""
    app.config["WTF_CSRF_ENABLED"] = False
    with app.test_request_context("/", method="POST", data=MultiDict(data)):
        form = ScreeningForm(today=today())
        if not form.validate():
            return form.errors
        return form.to_answers()


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    raw = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(raw).split())


def verdict(response) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r"<h1[^>]*>(.*?)</h1>", response.get_data(as_text=True), re.S)
    assert found
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_none_of_these_is_the_same_as_no_to_every_question(app: Flask) -> None:
    assert answers_from(app, grouped()) == answers_from(app, list(valid_answers().items()))


@pytest.mark.parametrize(
    ("group", "item", "follow_up"),
    [
        (g, q, answer)
        for g in GROUPS
        for q in g.items
        # A yes/no question has no "Not sure".
        for answer in (("yes",) if q in YES_NO_CONDITIONS else ("yes", "unsure"))
    ],
    ids=lambda x: getattr(x, "name", x),
)
def test_each_ticked_condition_gives_its_question_the_follow_up_answer(
    app: Flask, client: FlaskClient, group: ConditionGroup, item: str, follow_up: str
) -> None:
    # A yes/no question has no follow-up: ticking it is the "Yes".
    data = grouped({group.name: [item]}, **({} if item in YES_NO_CONDITIONS else {item: follow_up}))
    if item == "surgery_planned" and follow_up == "yes":
        data.append(("surgery_on", (today() + dt.timedelta(days=30)).isoformat()))
    per_question = dict(valid_answers(**{item: follow_up}))
    if item == "surgery_planned" and follow_up == "yes":
        per_question["surgery_on"] = (today() + dt.timedelta(days=30)).isoformat()
    from_list = answers_from(app, data)
    assert isinstance(from_list, PatientAnswers), from_list
    assert getattr(from_list, item).value == follow_up
    assert from_list == answers_from(app, list(per_question.items()))
    # And the summary reaches the same verdict either way ("Not sure" leads to review).
    assert verdict(post(client, data)) == verdict(post(client, list(per_question.items())))


def test_not_sure_leads_to_prescriber_review(client: FlaskClient) -> None:
    response = post(
        client,
        grouped({"safety_conditions": ["other_liver_disease"]}, other_liver_disease="unsure"),
    )
    assert "Prescriber review needed" in verdict(response)
    body = text_of(response)
    assert "Other liver disease or cirrhosis? Not sure" in body
    assert "Kidney impairment? No" in body
    # The answers list shows each question once, never the list itself.
    assert "Do any of these apply to the patient?" not in body


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
def test_a_list_with_nothing_ticked_is_an_error_never_none(
    client: FlaskClient, group: ConditionGroup
) -> None:
    data = [(k, v) for k, v in grouped() if k != group.name]
    raw = check_error_page(post(client, data), group.name, group.missing)
    # The other answers are kept.
    assert 'value="45"' in raw and "pregabalin 75 mg bid" in raw


def test_questions_posted_one_by_one_must_all_be_answered(client: FlaskClient) -> None:
    # Without the list, as before the lists: a missing answer is asked for at its question,
    # never read as "No".
    data = [(k, v) for k, v in valid_answers().items() if k != "breastfeeding"]
    raw = check_error_page(post(client, data), "breastfeeding", SELECT_MESSAGES["breastfeeding"])
    assert 'value="45"' in raw


def test_a_follow_up_alone_does_not_answer_the_list(client: FlaskClient) -> None:
    # Without JavaScript: a follow-up answered, no box ticked. The other conditions were
    # never answered, so they are not "No": the list asks to be answered.
    data = [(k, v) for k, v in grouped() if k != "safety_conditions"] + [
        ("kidney_impairment", "yes")
    ]
    raw = check_error_page(post(client, data), "safety_conditions", SAFETY_CONDITIONS.missing)
    assert re.search(r'name="kidney_impairment" value="yes" checked', raw)
    assert not re.search(r'name="safety_conditions" value="[^"]+" checked', raw)


def test_none_together_with_a_condition_is_refused(client: FlaskClient) -> None:
    data = grouped({"safety_conditions": ["none", "kidney_impairment"]}, kidney_impairment="yes")
    raw = check_error_page(post(client, data), "safety_conditions", SAFETY_CONDITIONS.conflict)
    # Both stay ticked, and the follow-up answer stays, for the clinician to correct.
    assert re.search(r'value="none" checked', raw)
    assert re.search(r'value="kidney_impairment" checked', raw)
    assert re.search(r'name="kidney_impairment" value="yes" checked', raw)


def test_none_with_an_answered_follow_up_is_refused(client: FlaskClient) -> None:
    # Without JavaScript every follow-up shows: a "Yes" under "None" is a contradiction.
    data = grouped(naltrexone_allergy="yes")
    check_error_page(post(client, data), "safety_conditions", SAFETY_CONDITIONS.conflict)


def test_a_follow_up_answered_under_an_unticked_condition_counts(app: Flask) -> None:
    data = grouped({"safety_conditions": ["kidney_impairment"]}, kidney_impairment="unsure")
    data.append(("naltrexone_allergy", "yes"))  # answered, its box left unticked
    answers = answers_from(app, data)
    assert isinstance(answers, PatientAnswers), answers
    assert answers.naltrexone_allergy.value == "yes"
    assert answers.kidney_impairment.value == "unsure"
    assert answers.breastfeeding.value == "no"


def test_a_ticked_condition_needs_its_follow_up(client: FlaskClient) -> None:
    data = grouped({"safety_conditions": ["breastfeeding"]})
    raw = check_error_page(post(client, data), "breastfeeding", SELECT_MESSAGES["breastfeeding"])
    assert re.search(r'value="breastfeeding" checked', raw)


def test_a_surgery_date_without_the_tick_is_refused(client: FlaskClient) -> None:
    soon = (today() + dt.timedelta(days=20)).isoformat()
    data = grouped(surgery_on=soon)
    raw = check_error_page(post(client, data), "surgery_planned", SURGERY_DATE_UNTICKED_MESSAGE)
    assert f'value="{soon}"' in raw


def test_an_unknown_value_in_a_list_is_refused(client: FlaskClient) -> None:
    data = grouped({"opioid_conditions": ["none", "heroin"]})
    check_error_page(post(client, data), "opioid_conditions", CONDITION_UNKNOWN_MESSAGE)


def test_the_list_is_drawn_none_first_then_or_then_the_conditions(client: FlaskClient) -> None:
    raw = client.get("/").get_data(as_text=True)
    for group in GROUPS:
        start = raw.index(f'data-condition-list="{group.name}"')
        block = raw[start : raw.index("</fieldset>", raw.rindex(f'value="{group.items[-1]}"'))]
        values = re.findall(rf'name="{group.name}" value="([^"]+)"', block)
        assert values == ["none", *group.items]
        assert (
            block.index("None of these apply")
            < block.index(">or<")
            < block.index(f'value="{group.items[0]}"')
        )
        # Nothing is pre-selected: no tick, no follow-up answer.
        assert " checked" not in block


def test_change_answers_keeps_the_lists(client: FlaskClient) -> None:
    soon = (today() + dt.timedelta(days=40)).isoformat()
    data = grouped(
        {"safety_conditions": ["surgery_planned", "thyroid_condition"]},
        surgery_planned="yes",
        surgery_on=soon,
    )
    summary = post(client, data).get_data(as_text=True)
    assert "Screening result" in summary
    edit_form = summary[summary.index('action="/edit"') :]
    edit_form = edit_form[: edit_form.index("</form>")]
    fields = [
        (k, html.unescape(v))
        for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', edit_form)
    ]
    posted = dict(fields)
    # Every question travels back with its own answer, the lists with their ticks.
    assert posted["breastfeeding"] == "no" and posted["surgery_planned"] == "yes"
    assert posted["thyroid_condition"] == "yes" and posted["opioid_conditions"] == "none"
    assert sorted(v for k, v in fields if k == "safety_conditions") == [
        "surgery_planned",
        "thyroid_condition",
    ]
    raw = client.post("/edit", data=MultiDict(fields)).get_data(as_text=True)
    assert "There is a problem" not in raw
    assert re.search(r'value="surgery_planned" checked', raw)
    assert re.search(r'value="thyroid_condition" checked', raw)
    assert re.search(r'name="surgery_planned" value="yes" checked', raw)
    assert f'value="{soon}"' in raw
    assert not re.search(r'name="safety_conditions" value="none" checked', raw)
    # Screening the sent-back answers again gives the same result.
    again = client.post(
        "/",
        data=MultiDict(
            [(k, v) for k, v in fields if k != "csrf_token"] + [("csrf_token", csrf_token(raw))]
        ),
    )
    assert verdict(again) == verdict(post(client, data))
