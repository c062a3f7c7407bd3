"""The optional 2016 criteria section of the screening form, over HTTP with CSRF on."""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient

from tests.helpers import check_page, csrf_token, post_screening
from tests.web.source_links import linked


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def criteria(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    """WPI 7 across all 5 regions (chest included), SSS 5, for more than 3 months: met."""
    answers: dict[str, str | list[str]] = {
        "wpi_left_upper": ["shoulder_left"],
        "wpi_right_upper": ["shoulder_right"],
        "wpi_left_lower": ["hip_left"],
        "wpi_right_lower": ["hip_right"],
        "wpi_axial": ["neck", "upper_back", "chest"],
        "sss_fatigue": "2",
        "sss_waking_unrefreshed": "2",
        "sss_cognitive": "1",
        "sss_headaches": "no",
        "sss_lower_abdominal": "no",
        "sss_depression": "no",
        "symptoms_3_months": "yes",
    }
    answers.update(overrides)
    return answers


def test_the_section_is_collapsed_and_every_input_is_labelled(client: FlaskClient) -> None:
    raw = client.get("/").get_data(as_text=True)
    assert '<details class="details">' in raw  # closed on an empty form
    for legend in (
        "Widespread Pain Index: where has the patient had pain in the past week?",
        "Left upper region",
        "Right upper region",
        "Left lower region",
        "Right lower region",
        "Axial region",
        "Fatigue in the past week",
        "Bothered by depression in the previous 6 months?",
        "Have the symptoms been present for at least 3 months?",
    ):
        assert "<legend" in raw and legend in html.unescape(raw), legend
    criteria = raw[raw.index('<details class="details">') : raw.index("</details>")]
    # 19 areas and "no pain in any of these areas"
    assert criteria.count('type="checkbox"') == 20


def test_blank_section_says_not_checked(client: FlaskClient) -> None:
    body = text_of(post_screening(client))
    assert "Screening result: Eligible to start" in body
    assert "Diagnosis not checked with the 2016 criteria." in body
    assert "Not checked (section left blank)" in body


def test_met_criteria_show_the_scores_and_the_rule(client: FlaskClient) -> None:
    response = post_screening(client, **criteria())
    body = text_of(response)
    assert "Screening result: Eligible to start" in body
    assert "2016 fibromyalgia criteria met (WPI 7, SSS 5)." in body
    assert "Criterion 1 met: WPI 7 (7 or more) with SSS 5 (5 or more)" in body
    assert linked("wolfe_2016") in body
    # Answers given list the areas by name.
    assert "Neck; Upper back; Chest" in body


def test_unmet_criteria_lead_to_review_by_default(client: FlaskClient) -> None:
    body = text_of(post_screening(client, **criteria(sss_cognitive="0")))  # SSS 4
    assert "Screening result: Prescriber review needed" in body
    assert "2016 fibromyalgia criteria not met (WPI 7, SSS 4): prescriber review." in body
    assert "Criterion 1 not met: with WPI 7, SSS must be 5 or more, and it is 4" in body


def test_no_pain_anywhere_is_a_valid_answer(client: FlaskClient) -> None:
    answers = criteria(
        wpi_left_upper=[],
        wpi_right_upper=[],
        wpi_left_lower=[],
        wpi_right_lower=[],
        wpi_axial=[],
        wpi_none=["none"],
    )
    body = text_of(post_screening(client, **answers))
    assert "2016 fibromyalgia criteria not met (WPI 0, SSS 5)" in body


PARTIAL = [
    # (answers, field in error, message)
    (
        {"wpi_axial": ["neck"], "wpi_left_upper": ["jaw_left"]},
        "sss_fatigue",
        "Select how much of a problem fatigue was in the past week",
    ),
    (
        {"wpi_axial": ["neck"]},
        "symptoms_3_months",
        "Select whether the symptoms have been present for at least 3 months",
    ),
    (
        {"sss_fatigue": "3"},
        "wpi_left_upper",
        "Select the areas where the patient had pain in the past week, or 'No pain in any of "
        "these areas'",
    ),
    (
        criteria(wpi_none=["none"]),
        "wpi_left_upper",
        "Select painful areas or 'No pain in any of these areas', not both",
    ),
    (criteria(wpi_axial=["neck", "knee"]), "wpi_axial", "Select areas from the list only"),
    (
        criteria(sss_depression=""),
        "sss_depression",
        "Select whether depression bothered the patient in the previous 6 months",
    ),
]


@pytest.mark.parametrize(("answers", "field", "message"), PARTIAL)
def test_a_partly_filled_section_gets_a_specific_error_and_stays_open(
    client: FlaskClient, answers: dict[str, str | list[str]], field: str, message: str
) -> None:
    response = post_screening(client, **answers)
    raw = response.get_data(as_text=True)
    body = html.unescape(raw)
    assert check_page(raw).title.startswith("Error: ")
    link = re.search(rf'<a href="#{field}">([^<]+)</a>', body)
    assert link and message in link.group(1)
    assert re.search(rf'id="{field}-error">.*{re.escape(message)}', body)
    assert '<details class="details" open>' in raw
    # What was ticked stays ticked, and the rest of the screening stays filled in.
    for name, value in answers.items():
        for v in value if isinstance(value, list) else [value]:
            if v and v != "knee" and name != field:
                assert re.search(rf'name="{name}" value="{v}" checked', raw), (name, v)
    assert 'value="45"' in raw and "duloxetine 60 mg daily" in body


def test_change_answers_keeps_the_ticked_areas(client: FlaskClient) -> None:
    summary = post_screening(client, **criteria()).get_data(as_text=True)
    edit_form = summary[summary.index('action="/edit"') :]
    data: dict[str, list[str]] = {}
    for name, value in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', edit_form
    ):
        data.setdefault(name, []).append(html.unescape(value))
    data["csrf_token"] = [csrf_token(edit_form)]
    raw = client.post("/edit", data=data).get_data(as_text=True)
    assert "There is a problem" not in raw
    assert '<details class="details" open>' in raw
    for area in ("neck", "upper_back", "chest"):
        assert f'name="wpi_axial" value="{area}" checked' in raw
    assert 'name="sss_fatigue" value="2" checked' in raw
