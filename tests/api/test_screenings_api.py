"""POST /api/v1/screenings: the result as JSON, validated by the screening form itself."""

from __future__ import annotations

import datetime as dt
import html
import re

from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.rules.findings import CATALOGUE
from ldn_screen.web.stores import current_reading
from tests.api.support import call, field_errors, screening_json
from tests.helpers import post_screening, today


def form_errors(client: FlaskClient, **answers: str) -> dict[str, str]:
    """The HTML form's error summary for these answers: field id -> message."""
    page = html.unescape(post_screening(client, **answers).get_data(as_text=True))
    assert "There is a problem" in page
    return dict(re.findall(r'<li><a href="#([a-z0-9_]+)">([^<]+)</a>', page))


def test_a_typical_patient_gets_the_whole_result(client: FlaskClient, token: str) -> None:
    response = call(client, token, "/screenings", screening_json())
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    result = response.get_json()
    assert result["verdict"] == "eligible"
    assert result["screened_on"] == today().isoformat()
    plan = result["dose_plan"]
    assert plan["starts_on"] == today().isoformat() and plan["formulation"] == "capsule"
    assert [s["number"] for s in plan["steps"]] == list(range(1, len(plan["steps"]) + 1))
    assert all(s["volume_ml"] is None for s in plan["steps"])
    assert result["review_on"] == plan["review_on"]
    assert result["side_effects"] and result["counselling"]
    for item in (*result["side_effects"], *result["counselling"]):
        assert item["source"]["label"] and item["source"]["kind"]
    assert [line["text"] for line in result["medication_list"]] == [
        "duloxetine 60 mg daily",
        "pregabalin 75 mg bid",
    ]
    assert {line["kind"] for line in result["medication_list"]} == {"medicine"}


def test_the_verdict_and_chart_note_are_the_html_summary_s(client: FlaskClient, token: str) -> None:
    page = html.unescape(post_screening(client).get_data(as_text=True))
    result = call(client, token, "/screenings", screening_json()).get_json()
    assert result["verdict_title"] in page
    # The chart note's lines are the summary's note, word for word.
    for line in result["chart_note"].splitlines():
        assert line in page, line


def test_findings_carry_code_severity_texts_and_source(client: FlaskClient, token: str) -> None:
    body = screening_json(
        medication_list="tramadol 50 mg bid\nzzzyxquin 10 mg daily", naltrexone_now="unsure"
    )
    result = call(client, token, "/screenings", body).get_json()
    assert result["verdict"] == "review"
    assert result["findings"]
    for finding in result["findings"]:
        assert set(finding) == {
            "code",
            "severity",
            "summary",
            "clinician_text",
            "patient_text",
            "source",
        }
        assert finding["code"] in CATALOGUE
        assert finding["summary"] and finding["clinician_text"]
        source = finding["source"]
        assert source["label"] and isinstance(source["identifiers"], dict)
        assert source["url"] or source["kind"].startswith("Clinic policy")
    codes = {f["code"] for f in result["findings"]}
    assert "opioid_in_medication_list" in codes
    lines = {line["text"]: line for line in result["medication_list"]}
    assert lines["tramadol 50 mg bid"]["kind"] == "opioid"
    assert "tramadol" in lines["tramadol 50 mg bid"]["ingredients"]
    assert lines["zzzyxquin 10 mg daily"]["kind"] == "unrecognised"


def test_a_source_lists_its_identifiers(client: FlaskClient, token: str) -> None:
    result = call(client, token, "/screenings", screening_json()).get_json()
    sources = [p["source"] for p in result["counselling"]] + [
        e["source"] for e in result["side_effects"]
    ]
    ids = [s["identifiers"] for s in sources]
    assert any("dailymed_setid" in i for i in ids)
    for source, found in zip(sources, ids, strict=True):
        for pmid in found.get("pmid", []):
            assert pmid in source["reference"] + (source["url"] or "") + str(source["also"])


def test_the_liquid_plan_gives_ml_for_every_step(client: FlaskClient, token: str) -> None:
    result = call(client, token, "/screenings", screening_json(formulation="liquid")).get_json()
    plan = result["dose_plan"]
    strength = plan["liquid_mg_per_ml"]
    assert strength
    for step in plan["steps"]:
        assert step["volume_ml"] == step["dose_mg"] / strength
    for earlier, later in zip(plan["steps"], plan["steps"][1:], strict=False):
        ends = dt.date.fromisoformat(earlier["ends_on"])
        assert dt.date.fromisoformat(later["starts_on"]) == ends + dt.timedelta(days=1)
    assert plan["steps"][-1]["ends_on"] is None


def test_the_settings_version_is_the_one_in_force(
    app: Flask, client: FlaskClient, token: str
) -> None:
    result = call(client, token, "/screenings", screening_json()).get_json()
    with app.test_request_context():
        active = current_reading().active
    assert result["settings_version"] == {
        "number": active.number,
        "date": active.created_at.date().isoformat(),
    }
    assert f"Settings version {active.number} of" in result["chart_note"]


def test_a_recent_opioid_gives_not_yet_with_the_start_date(client: FlaskClient, token: str) -> None:
    last = today() - dt.timedelta(days=2)
    body = screening_json(
        opioid_use="recent", opioid_type="short_acting", last_opioid_dose_on=last.isoformat()
    )
    result = call(client, token, "/screenings", body).get_json()
    assert result["verdict"] == "not_yet"
    assert dt.date.fromisoformat(result["earliest_start_on"]) > last


def test_form_errors_come_in_the_form_s_own_words(client: FlaskClient, token: str) -> None:
    cases = [
        {"age_years": "150"},
        {"baseline_pain_nrs": "11"},
        {"opioid_use": "recent"},
        {"surgery_planned": "yes"},
        {"start_on": (today() - dt.timedelta(days=3)).isoformat()},
    ]
    for answers in cases:
        expected = form_errors(client, **answers)
        body = screening_json(
            **{
                k: int(v) if k in {"age_years", "baseline_pain_nrs"} else v
                for k, v in answers.items()
            }
        )
        got = field_errors(call(client, token, "/screenings", body))
        assert {k: v[0] for k, v in got.items()} == expected, answers


def test_every_error_is_listed_at_once(client: FlaskClient, token: str) -> None:
    body = screening_json(age_years=130, opioid_use="recent", breastfeeding=None)
    errors = field_errors(call(client, token, "/screenings", body))
    assert errors["age_years"] == ["Age must be between 0 and 120"]
    assert "last_opioid_dose_on" in errors and "opioid_type" in errors
    assert errors["breastfeeding"] == ["Select whether the patient is breastfeeding"]


def test_an_unanswered_question_is_never_read_as_no(client: FlaskClient, token: str) -> None:
    for name in ("naltrexone_allergy", "opioid_withdrawal", "pregnant_or_planning"):
        errors = field_errors(call(client, token, "/screenings", screening_json(**{name: None})))
        assert list(errors) == [name]
    unanswered = screening_json(
        opioid_dependence=None, opioid_withdrawal=None, kratom_or_similar=None
    )
    errors = field_errors(call(client, token, "/screenings", unanswered))
    assert set(errors) == {"opioid_dependence", "opioid_withdrawal", "kratom_or_similar"}


def test_json_types_unknown_fields_and_unlisted_values_are_refused(
    client: FlaskClient, token: str
) -> None:
    body = screening_json(
        age_years="45",
        baseline_pain_nrs=7.5,
        opioid_use="no",
        breastfeeding=None,
        start_on="01/12/2026",
        medication_list=["a list"],
        wpi_axial=["not_an_area"],
        pregnant=False,
    )
    body["breastfeeding"] = None  # JSON null is no answer of any type
    errors = field_errors(call(client, token, "/screenings", body))
    assert errors["age_years"] == ["'Age' must be a whole number (a JSON number, not text)"]
    assert "whole number" in errors["baseline_pain_nrs"][0]
    assert errors["opioid_use"] == ["Select whether the patient takes any opioid medicine"]
    assert errors["breastfeeding"] == ["Select whether the patient is breastfeeding"]
    assert "YYYY-MM-DD" in errors["start_on"][0]
    assert "text" in errors["medication_list"][0]
    assert errors["wpi_axial"] == ["Select areas from the list only"]
    assert "not a question of this form" in errors["pregnant"][0]


def test_a_whole_float_is_a_whole_number(client: FlaskClient, token: str) -> None:
    response = call(client, token, "/screenings", screening_json(age_years=45.0))
    assert response.status_code == 200


def test_the_optional_criteria_are_all_or_nothing(client: FlaskClient, token: str) -> None:
    errors = field_errors(call(client, token, "/screenings", screening_json(sss_fatigue="2")))
    assert "sss_cognitive" in errors and "wpi_left_upper" in errors
    full = screening_json(
        wpi_left_upper=["shoulder_left", "upper_arm_left"],
        wpi_axial=["neck", "upper_back"],
        sss_fatigue="2",
        sss_waking_unrefreshed="2",
        sss_cognitive="1",
        sss_headaches="yes",
        sss_lower_abdominal="no",
        sss_depression="no",
        symptoms_3_months="yes",
    )
    assert call(client, token, "/screenings", full).status_code == 200


def test_bad_bodies_get_400_and_415_problems(client: FlaskClient, token: str) -> None:
    cases = [
        (400, {"data": "{not json", "content_type": "application/json"}),
        (400, {"data": "[1, 2]", "content_type": "application/json"}),
        (400, {"data": '{"age_years": NaN}', "content_type": "application/json"}),
        (400, {"data": "[" * 100_000, "content_type": "application/json"}),
        (400, {"data": b"\xff\xfe{}", "content_type": "application/json"}),
        (400, {"data": "", "content_type": "application/json"}),
        (415, {"data": "age_years=45"}),
        (415, {"data": "{}", "content_type": "text/plain"}),
    ]
    for status, kwargs in cases:
        response = call(client, token, "/screenings", **kwargs)
        assert response.status_code == status, kwargs
        assert response.mimetype == "application/problem+json"
        problem = response.get_json()
        assert problem["status"] == status and problem["title"] and problem["type"]


def test_errors_outside_the_views_are_problems_too(client: FlaskClient, token: str) -> None:
    assert call(client, token, "/nowhere", method="GET").mimetype == "application/problem+json"
    wrong = call(client, token, "/screenings", method="GET")
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
    assert "POST" in wrong.headers["Allow"]
    huge = call(
        client, token, "/screenings", data="x" * (3 * 1024 * 1024), content_type="application/json"
    )
    assert huge.status_code == 413 and huge.get_json()["status"] == 413


def test_a_server_error_is_a_problem_and_logs_no_answer(
    app: Flask, client: FlaskClient, token: str, monkeypatch
) -> None:
    import ldn_screen.web.api as api

    def broken(*_args, **_kwargs):
        raise RuntimeError("zebrafinch")

    monkeypatch.setattr(api, "screen", broken)
    response = call(client, token, "/screenings", screening_json())
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "zebrafinch" not in response.get_data(as_text=True)


def test_unreadable_settings_give_a_503_problem(
    app: Flask, client: FlaskClient, token: str, monkeypatch
) -> None:
    from ldn_screen.store.settings_store import SettingsUnavailable

    def unavailable(*_args, **_kwargs):
        raise SettingsUnavailable("no version")

    monkeypatch.setattr(app.extensions["ldn_settings"], "read", unavailable)
    response = call(client, token, "/screenings", screening_json())
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith("#problem-unavailable")
