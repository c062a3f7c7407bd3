"""The follow-up form over HTTP, with CSRF on and the real token taken from the page."""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from urllib.parse import parse_qs, urlparse

import itsdangerous.timed
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import check_error_page, check_page, csrf_token, today
from tests.web.source_links import linked


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def days_ago(n: int) -> str:
    return (today() - dt.timedelta(days=n)).isoformat()


def followup_answers(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    """On 4.5 mg for 100 days (past the 12-week review point), pain 8 -> 4, no concerns."""
    answers: dict[str, str | list[str]] = {
        "started_on": days_ago(130),
        "followup_on": today().isoformat(),
        "schedule": "standard",
        "formulation": "capsule",
        "current_dose_mg": "4.5",
        "dose_timing": "night",
        "target_reached": "yes",
        "target_reached_on": days_ago(100),
        "pain_method": "nrs",
        "baseline_nrs": "8",
        "current_nrs": "4",
        "side_effects_any": "no",
        "opioids_since_start": "none",
        "pregnant_or_planning": "no",
        "liver_symptoms": "no",
        "surgery_planned": "no",
    }
    answers.update(overrides)
    return answers


def post_followup(client: FlaskClient, **overrides: str | list[str]):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/followup").get_data(as_text=True))
    return client.post("/followup", data={"csrf_token": token, **followup_answers(**overrides)})


def test_form_page_meets_the_page_contract(client: FlaskClient) -> None:
    response = client.get("/followup")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    raw = response.get_data(as_text=True)
    page = check_page(raw)
    assert page.title.startswith("Follow-up: is LDN working for this patient?")
    form_start = raw.index("<form")
    assert "novalidate" in raw[form_start : form_start + 200]
    assert raw.index('name="csrf_token"', form_start) < raw.index("<section", form_start)
    assert f'id="followup_on" name="followup_on" value="{today().isoformat()}"' in raw
    # The nav shows where we are, and the target dose hint reads the settings.
    assert re.search(r'href="/followup" aria-current="page">Follow-up</a>', raw)
    assert "The target in the settings is 4.5 mg a day" in raw


def test_a_responder_is_told_to_continue(client: FlaskClient) -> None:
    response = post_followup(client)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = text_of(response)
    assert "Follow-up result: Responding (substantial improvement)" in body
    assert "Recommendation: Continue LDN at 4.5 mg a day." in body
    assert "4 points lower; 50% less pain" in body
    assert linked("immpact_2008") in body
    assert "this tool counts every reduction from 10% up to, but not including, 30% as minimal" in (
        body
    )
    assert "settings version 1 of" in body
    assert 'id="chart-note"' in body and "LDN follow-up (" in body
    assert "Counselling sheet for the new plan" not in body


def test_peg_is_labelled_as_borrowing_the_immpact_thresholds(client: FlaskClient) -> None:
    body = text_of(
        post_followup(
            client,
            pain_method="peg",
            baseline_peg_pain="7",
            baseline_peg_enjoyment="7",
            baseline_peg_activity="6",
            current_peg_pain="5",
            current_peg_enjoyment="5",
            current_peg_activity="4",
            baseline_nrs="9",  # a hidden NRS left over from before is ignored
        )
    )
    assert "Follow-up result: Responding (moderate improvement)" in body
    assert "PEG score: mean of 3 items" in body
    assert "Moderate improvement (by analogy: PEG)" in body
    assert "PEG change judged with the IMMPACT pain thresholds, by analogy." in body
    assert linked("krebs_2009") in body
    assert "6.7" in body and "2 points lower; 30% less pain" in body
    assert "Pain at the start (baseline), 0 to 10" not in body  # the unused NRS is cleared


def test_too_early_gives_the_date_it_can_be_judged(client: FlaskClient) -> None:
    body = text_of(post_followup(client, target_reached_on=days_ago(30), current_nrs="8"))
    judge_on = today() - dt.timedelta(days=30) + dt.timedelta(weeks=12)
    assert "Follow-up result: Too early to judge" in body
    assert f"From {judge_on:%a} {judge_on.day} {judge_on:%b %Y}" in body
    assert "Recommendation: Continue LDN at 4.5 mg a day, and judge the response from" in body


def test_no_response_at_the_review_point_suggests_stopping(client: FlaskClient) -> None:
    body = text_of(post_followup(client, current_nrs="8"))
    assert "Follow-up result: No meaningful response" in body
    assert "consider stopping LDN" in body
    assert "Bested 2023, FINAL 2024 and INNOVA" in body


def test_halving_links_a_new_counselling_sheet_with_plan_parameters_only(
    client: FlaskClient,
) -> None:
    response = post_followup(
        client,
        formulation="liquid",
        side_effects_any="yes",
        side_effects=["headache", "vivid_dreams"],
        severity_headache="persistent",
        severity_vivid_dreams="mild",
    )
    body = text_of(response)
    assert "Recommendation: Halve the dose to 2.25 mg a day" in body
    link = re.search(r'href="(/sheet/print\?[^"]+)"', response.get_data(as_text=True))
    assert link is not None
    query = parse_qs(urlparse(html.unescape(link.group(1))).query)
    assert query == {
        "schedule": ["gentle"],
        "start": [today().isoformat()],
        "formulation": ["liquid"],
        "mg_per_ml": ["1"],
        "v": ["1"],
    }
    sheet = client.get(html.unescape(link.group(1)))
    assert sheet.status_code == 200


def test_a_current_opioid_puts_safety_first(client: FlaskClient) -> None:
    body = text_of(post_followup(client, opioids_since_start="current"))
    assert "Recommendation: Do not take LDN with the opioid" in body
    assert "Taking an opioid while on LDN" in body
    assert "STOP" in body


def in_days(n: int) -> str:
    return (today() + dt.timedelta(days=n)).isoformat()


def chart_note_of(body: str) -> str:
    match = re.search(r'<textarea[^>]*id="chart-note"[^>]*>(.*?)</textarea>', body, re.S)
    assert match is not None
    return match.group(1)


SAFETY_FIRST = [
    (
        {"liver_symptoms": "yes"},
        "Stop LDN and review with the prescriber now: possible symptoms of acute hepatitis.",
    ),
    (
        {"pregnant_or_planning": "yes"},
        "Pregnant or planning pregnancy: review with the prescriber before LDN continues.",
    ),
    (
        {"opioids_since_start": "current"},
        "Do not take LDN with the opioid: review with the prescriber before the next dose.",
    ),
    (
        {"surgery_planned": "yes", "surgery_on": in_days(2)},
        "Stop LDN now for surgery on {surgery} (in 2 days); restart only once off opioid "
        "painkillers.",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "advice"), SAFETY_FIRST, ids=["hepatitis", "pregnancy", "opioid_now", "surgery"]
)
def test_a_responder_with_a_safety_finding_is_given_the_safety_action(
    client: FlaskClient, overrides: dict[str, str], advice: str
) -> None:
    response = post_followup(client, **overrides)
    assert response.status_code == 200
    body = text_of(response)
    surgery = today() + dt.timedelta(days=2)
    advice = advice.format(surgery=f"{surgery:%a} {surgery.day} {surgery:%b %Y}")
    assert "Recommendation: Continue" not in body
    assert f"Recommendation: {advice}" in body
    assert "Follow-up result: Safety finding first; response: Responding" in body
    assert "Only if the prescriber agrees" not in body
    assert "Counselling sheet for the new plan" not in body
    note = chart_note_of(body)
    assert f"Recommendation: {advice}" in note
    assert "Continue LDN" not in note


def test_surgery_soon_uses_the_hold_from_the_settings(app: Flask, client: FlaskClient) -> None:
    store = app.extensions["ldn_settings"]
    values = store.read().active.settings.as_dict()
    store.publish(
        {**values, "surgery_hold_days": 1},
        "test",
        "one day hold",
        based_on=1,
        departure_reason="Testing a one-day hold",
    )
    body = text_of(post_followup(client, surgery_planned="yes", surgery_on=in_days(1)))
    surgery = today() + dt.timedelta(days=1)
    assert (
        f"Recommendation: Stop LDN now for surgery on {surgery:%a} {surgery.day} "
        f"{surgery:%b %Y} (in 1 day); restart only once off opioid painkillers."
    ) in body
    assert f"LDN should stop 1 day before surgery, from {today():%a} {today().day}" in body
    assert "restart at the previous dose of 4.5 mg a day once off opioid painkillers" in body
    assert "1 days" not in body


def test_surgery_with_time_left_adds_the_last_dose_under_the_advice(client: FlaskClient) -> None:
    body = text_of(post_followup(client, surgery_planned="yes", surgery_on=in_days(4)))
    surgery, stop_by = today() + dt.timedelta(days=4), today() + dt.timedelta(days=1)
    line = (
        f"Before surgery on {surgery:%a} {surgery.day} {surgery:%b %Y}: last dose on "
        f"{today():%a} {today().day} {today():%b %Y}, then stop from {stop_by:%a} {stop_by.day} "
        f"{stop_by:%b %Y} (3 days before); restart once off opioid painkillers."
    )
    assert "Recommendation: Continue LDN at 4.5 mg a day." in body
    assert line in body
    assert line in chart_note_of(body)


def test_a_small_change_has_one_title_for_the_response(client: FlaskClient) -> None:
    body = text_of(post_followup(client, baseline_nrs="7", current_nrs="6"))
    assert "Follow-up result: Partial response (minimal improvement)" in body
    assert (
        "Recommendation: Partial response (minimal improvement) on the target dose: "
        "consider stopping LDN."
    ) in body
    assert "No meaningful response" not in body
    assert "1 point lower; 14.3% less pain" in body
    assert "1 points" not in body


def test_percentages_are_rounded_not_cut(client: FlaskClient) -> None:
    body = text_of(post_followup(client, baseline_nrs="7", current_nrs="4"))
    assert "3 points lower; 42.9% less pain" in body
    assert "42.8%" not in body
    assert "LDN follow-up (" in chart_note_of(body) and "42.9% less pain" in chart_note_of(body)


def test_a_value_just_under_a_band_edge_is_shown_inside_its_band(
    app: Flask, client: FlaskClient
) -> None:
    store = app.extensions["ldn_settings"]
    values = store.read().active.settings.as_dict()
    store.publish({**values, "responder_pct_substantial": 63}, "test", "edge", based_on=1)
    body = text_of(
        post_followup(
            client,
            pain_method="peg",
            baseline_peg_pain="9",
            baseline_peg_enjoyment="9",
            baseline_peg_activity="9",
            current_peg_pain="4",
            current_peg_enjoyment="3",
            current_peg_activity="3",
        )
    )
    # 17/27 = 62.96%: moderate, so it must not read as 63%, the substantial edge.
    assert "Follow-up result: Responding (moderate improvement)" in body
    assert "62.9% less pain" in body
    assert "63% less pain" not in body


# --- Bad input: a specific message at the field and in the summary; nothing lost ----------

BAD_INPUT = [
    (
        {"current_dose_mg": "6"},
        "current_dose_mg",
        "The current daily dose must be 4.5 mg or less, the maximum daily dose in the settings",
    ),
    ({"current_dose_mg": ""}, "current_dose_mg", "Enter the current daily dose in mg"),
    ({"current_dose_mg": "four"}, "current_dose_mg", "as a number of mg"),
    ({"current_dose_mg": "nan"}, "current_dose_mg", "as a number of mg"),
    ({"current_dose_mg": "1e1"}, "current_dose_mg", "as a number of mg"),
    ({"current_dose_mg": "0"}, "current_dose_mg", "must be more than 0 mg"),
    ({"current_dose_mg": "2.3"}, "current_dose_mg", "must be a multiple of 0.25 mg"),
    (
        {"followup_on": days_ago(140)},
        "followup_on",
        "The date of this follow-up must be on or after the date LDN was started",
    ),
    (
        {"followup_on": (today() + dt.timedelta(days=1)).isoformat()},
        "followup_on",
        "The date of this follow-up must be today or in the past",
    ),
    ({"followup_on": "2026-02-30"}, "followup_on", "as a real date"),
    ({"started_on": ""}, "started_on", "Enter the date LDN was started, for example 2026-08-03"),
    (
        {"target_reached_on": days_ago(131)},
        "target_reached_on",
        "must be on or after the date LDN was started",
    ),
    (
        {"target_reached_on": "", "followup_on": days_ago(120)},
        "target_reached_on",
        "Enter the date the target dose was reached",
    ),
    (
        {"target_reached": "no"},
        "target_reached",
        "The current dose is the maximum of 4.5 mg a day, so select 'Yes'",
    ),
    ({"pain_method": ""}, "pain_method", "Select how pain was measured"),
    ({"current_nrs": ""}, "current_nrs", "Enter the current pain score from 0 to 10"),
    (
        {"baseline_nrs": "11"},
        "baseline_nrs",
        "The baseline pain score must be a whole number from 0 to 10",
    ),
    (
        {"pain_method": "peg", "baseline_peg_pain": "7", "baseline_peg_enjoyment": "7"},
        "baseline_peg_activity",
        "Enter the baseline PEG interference with general activity (G) from 0 to 10",
    ),
    (
        {"side_effects_any": "yes"},
        "side_effects",
        "Select the side effects the patient has had",
    ),
    (
        {"side_effects_any": "yes", "side_effects": ["nausea"]},
        "severity_nausea",
        "Select how bad the nausea is",
    ),
    (
        {"side_effects_any": "yes", "side_effects": ["nausea", "bogus"]},
        "side_effects",
        "Select side effects from the list only",
    ),
    (
        {"surgery_planned": "yes", "surgery_on": days_ago(1)},
        "surgery_on",
        "The date of the planned surgery must be on or after the date of this follow-up",
    ),
    ({"liver_symptoms": "maybe"}, "liver_symptoms", "symptoms of acute hepatitis"),
    ({"dose_timing": ""}, "dose_timing", "Select whether the patient takes LDN at night"),
    ({"schedule": "fast"}, "schedule", "Select the standard or gentle schedule"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_INPUT)
def test_bad_input_is_explained_and_answers_are_kept(
    client: FlaskClient, overrides: dict[str, str | list[str]], field: str, message: str
) -> None:
    response = post_followup(client, **overrides)
    raw = check_error_page(response, field, message)
    # Every other answer stays filled in.
    if field != "started_on":
        assert f'value="{days_ago(130)}"' in raw
    if field != "baseline_nrs" and "pain_method" not in overrides:
        assert 'id="baseline_nrs" name="baseline_nrs" value="8"' in raw
    if field != "current_dose_mg":
        assert 'name="current_dose_mg" value="4.5"' in raw
    assert re.search(r'name="opioids_since_start" value="none" checked', raw)
    for name, value in overrides.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            if name != field and v and v != "bogus":
                assert f'value="{html.escape(v)}"' in raw, (name, v)


def test_a_higher_maximum_in_the_settings_allows_a_higher_dose(
    app: Flask, client: FlaskClient
) -> None:
    store = app.extensions["ldn_settings"]
    values = store.read().active.settings.as_dict()
    store.publish({**values, "max_dose_mg": 6.0}, "test", "FINAL dose", based_on=1)
    body = text_of(post_followup(client, current_dose_mg="6", current_nrs="6"))
    assert "Follow-up result: Partial response" in body
    assert "settings version 2 of" in body


def test_post_without_a_csrf_token_is_refused(client: FlaskClient) -> None:
    client.get("/followup")
    response = client.post("/followup", data=followup_answers())
    assert response.status_code == 400
    edit = client.post("/followup/edit", data=followup_answers())
    assert edit.status_code == 400


def test_expired_csrf_token_keeps_every_answer(client: FlaskClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    class TwoHoursAgo:
        @staticmethod
        def time() -> float:
            return time.time() - 7200

    monkeypatch.setattr(itsdangerous.timed, "time", TwoHoursAgo)
    old_token = csrf_token(client.get("/followup").get_data(as_text=True))
    monkeypatch.undo()
    answers = followup_answers(current_nrs="5")
    response = client.post("/followup", data={"csrf_token": old_token, **answers})
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    assert "open for a long time" in html.unescape(raw)
    assert 'name="current_nrs" value="5"' in raw
    fresh = csrf_token(raw)
    assert fresh != old_token
    again = client.post("/followup", data={"csrf_token": fresh, **answers})
    assert "Follow-up result:" in text_of(again)


def test_change_answers_returns_to_a_filled_form(client: FlaskClient) -> None:
    summary = post_followup(
        client,
        side_effects_any="yes",
        side_effects=["nausea", "anxiety"],
        severity_nausea="mild",
        severity_anxiety="mild",
    ).get_data(as_text=True)
    edit_form = summary[summary.index('action="/followup/edit"') :]
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', edit_form)
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(html.unescape(value))
    data["csrf_token"] = [csrf_token(edit_form)]
    response = client.post("/followup/edit", data=data)
    raw = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" not in raw
    assert 'name="side_effects" value="nausea" checked' in raw
    assert 'name="side_effects" value="anxiety" checked' in raw
    assert 'name="severity_anxiety" value="mild" checked' in raw
    assert 'name="baseline_nrs" value="8"' in raw


def test_answers_never_travel_in_the_url(client: FlaskClient) -> None:
    response = client.get("/followup?baseline_nrs=8&current_nrs=4")
    assert "Follow-up result" not in response.get_data(as_text=True)
    assert 'value="8"' not in response.get_data(as_text=True)
