"""The screening form over HTTP, with CSRF on and the real token taken from the page."""

from __future__ import annotations

import datetime as dt
import html
import re
import time

import itsdangerous.timed
import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from tests.helpers import (
    check_error_page,
    check_page,
    csrf_token,
    post_screening,
    today,
    valid_answers,
)
from tests.web.source_links import linked


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def test_form_page_meets_the_page_contract(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = check_page(response.get_data(as_text=True))
    assert page.title.startswith("Screen a patient for low-dose naltrexone")
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    # CSRF token is the first thing in the form, and the form is validated on the server.
    form_start = body.index("<form")
    assert body.index('name="csrf_token"', form_start) < body.index("<section", form_start)
    assert "novalidate" in body[form_start : form_start + 200]
    assert f'value="{today().isoformat()}"' in body  # the start date defaults to today


def test_security_headers(client: FlaskClient) -> None:
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # only when TLS is configured


def test_valid_answers_give_an_eligible_summary(client: FlaskClient) -> None:
    response = post_screening(client)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = text_of(response)
    assert "Screening result: Eligible to start" in body
    assert "settings version 1 of" in body
    assert "1.5 mg" in body and "4.5 mg" in body
    assert "Vivid dreams or nightmares" in body
    assert "off-label" in body
    assert 'id="chart-note"' in body and "LDN screening (" in body
    # The sheet is a POST of the answers (tests/web/test_sheet_from_summary.py): no address.
    raw = response.get_data(as_text=True)
    assert _sheet_button(raw) == "Counselling sheet"
    assert "/sheet/print" not in raw


def test_review_case_lists_each_finding_with_its_source(client: FlaskClient) -> None:
    body = text_of(post_screening(client, pregnant_or_planning="yes", kidney_impairment="unsure"))
    assert "Screening result: Prescriber review needed" in body
    assert "Pregnant or planning pregnancy: prescriber review." in body
    assert "Not sure: Kidney impairment" in body
    assert linked("label_pregnancy") in body
    assert "Verify against the label." in body  # the pregnancy wording was not read in the label


def test_not_yet_shows_the_earliest_date(client: FlaskClient) -> None:
    last = today() - dt.timedelta(days=3)
    body = text_of(
        post_screening(
            client,
            opioid_use="recent",
            opioid_type="short_acting",
            last_opioid_dose_on=last.isoformat(),
        )
    )
    earliest = last + dt.timedelta(days=10)
    assert "Screening result: Not yet: earliest start" in body
    assert f"{earliest.day} {earliest:%b %Y}" in body
    assert "Do not take any opioid medicine before" in body


def test_do_not_start_explains_and_has_no_plan(client: FlaskClient) -> None:
    body = text_of(
        post_screening(
            client, opioid_use="current", ultra_low_dose_protocol="no", opioid_type="long_acting"
        )
    )
    assert "Screening result: Do not start" in body
    assert "precipitated" in body or "withdrawal" in body
    assert "Titration calendar" not in body


# --- Bad input: a specific message at the field and in the summary; nothing lost ----------

FUTURE = (today() + dt.timedelta(days=2)).isoformat()
PAST = (today() - dt.timedelta(days=2)).isoformat()

BAD_INPUT = [
    ({"age_years": ""}, "age_years", "Enter the patient's age in years"),
    ({"age_years": "130"}, "age_years", "Age must be between 0 and 120"),
    ({"age_years": "-1"}, "age_years", "Age must be between 0 and 120"),
    ({"age_years": "forty"}, "age_years", "Age must be between 0 and 120"),
    ({"baseline_pain_nrs": "11"}, "baseline_pain_nrs", "Pain must be a whole number from 0 to 10"),
    ({"baseline_pain_nrs": "6.5"}, "baseline_pain_nrs", "Pain must be a whole number from 0 to 10"),
    ({"opioid_use": ""}, "opioid_use", "Select whether the patient takes any opioid medicine"),
    ({"opioid_use": "bogus"}, "opioid_use", "Select whether the patient takes any opioid medicine"),
    (
        {"opioid_use": "recent", "opioid_type": "short_acting"},
        "last_opioid_dose_on",
        "Enter the date of the last opioid dose, for example 2026-11-03",
    ),
    (
        {"opioid_use": "recent", "opioid_type": "short_acting", "last_opioid_dose_on": FUTURE},
        "last_opioid_dose_on",
        "The date of the last opioid dose must be today or in the past",
    ),
    (
        {
            "opioid_use": "recent",
            "opioid_type": "short_acting",
            "last_opioid_dose_on": "2026-02-30",
        },
        "last_opioid_dose_on",
        "Enter the date of the last opioid dose as a real date",
    ),
    (
        {"opioid_use": "recent", "last_opioid_dose_on": PAST},
        "opioid_type",
        "Select what kind of opioid the patient took",
    ),
    (
        {"opioid_use": "current"},
        "ultra_low_dose_protocol",
        "Select whether this is a supervised ultra-low-dose protocol",
    ),
    ({"start_on": PAST}, "start_on", "The start date must be today or in the future"),
    ({"start_on": ""}, "start_on", "Enter the start date"),
    ({"surgery_planned": "yes"}, "surgery_on", "Enter the date of the planned surgery"),
    (
        {"surgery_planned": "yes", "surgery_on": PAST},
        "surgery_on",
        "The date of the planned surgery must be today or in the future",
    ),
    (
        {"kidney_impairment": "maybe"},
        "kidney_impairment",
        "Select whether the patient has kidney impairment",
    ),
    ({"medication_list": "x" * 20_001}, "medication_list", "must be 20,000 characters or fewer"),
    ({"medication_list": "a\n" * 401}, "medication_list", "must be 400 lines or fewer"),
    ({"medication_list": "tramadol 50 mg\n" * 10_000}, "medication_list", "characters or fewer"),
    ({"medication_list": "\x00\x1b[31m\ud7ff" * 40_000}, "medication_list", "characters or fewer"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_INPUT)
def test_bad_input_is_explained_and_answers_are_kept(
    client: FlaskClient, overrides: dict[str, str], field: str, message: str
) -> None:
    response = post_screening(client, **overrides)
    raw = check_error_page(response, field, message)
    body = html.unescape(raw)
    # Answers given stay filled in.
    if field != "age_years":
        assert 'value="45"' in raw
    if field != "medication_list":
        assert "duloxetine 60 mg daily" in body
    assert re.search(r'name="fibromyalgia_diagnosed" value="yes" checked', raw)


def test_post_without_a_csrf_token_is_refused(client: FlaskClient) -> None:
    client.get("/")
    response = client.post("/", data=valid_answers())
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_expired_csrf_token_keeps_every_answer(client: FlaskClient, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    class TwoHoursAgo:
        @staticmethod
        def time() -> float:
            return time.time() - 7200

    monkeypatch.setattr(itsdangerous.timed, "time", TwoHoursAgo)
    old_token = csrf_token(client.get("/").get_data(as_text=True))
    monkeypatch.undo()
    response = client.post("/", data={"csrf_token": old_token, **valid_answers(age_years="52")})
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    assert "open for a long time" in html.unescape(raw)
    assert 'value="52"' in raw and "duloxetine 60 mg daily" in raw
    fresh = csrf_token(raw)
    assert fresh != old_token
    again = client.post("/", data={"csrf_token": fresh, **valid_answers(age_years="52")})
    assert "Screening result: Eligible to start" in text_of(again)


def test_change_answers_returns_to_a_filled_form(client: FlaskClient) -> None:
    summary = post_screening(client, age_years="61", surgery_planned="no").get_data(as_text=True)
    edit_form = summary[summary.index('action="/edit"') :]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', edit_form))
    fields = {k: html.unescape(v) for k, v in fields.items()}
    fields["csrf_token"] = csrf_token(edit_form)
    response = client.post("/edit", data=fields)
    raw = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="61"' in raw and "pregabalin 75 mg bid" in raw
    assert "There is a problem" not in raw


def test_answers_never_travel_in_the_url(client: FlaskClient) -> None:
    body = client.get("/").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/"', body)
    # A GET with answers in the query string is ignored, not screened.
    response = client.get("/?age_years=45&opioid_use=none")
    assert "Screening result" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/no-such-page", 404),
        ("delete", "/", 405),
        ("put", "/healthz", 405),
    ],
)
def test_error_pages_are_the_house_ones(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == status
    raw = response.get_data(as_text=True)
    assert "Start a new screening" in raw


def test_oversized_post_gets_413(client: FlaskClient) -> None:
    response = client.post("/", data={"medication_list": "x" * 3_000_000})
    assert response.status_code == 413


def test_healthz_reports_the_settings_version(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "settings_version": 1, "store": "writable"}


def test_static_files_get_the_security_headers_but_may_be_cached(client: FlaskClient) -> None:
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    # Flask's own caching header is kept: the browser revalidates after a deploy.
    assert response.headers.getlist("Cache-Control") == ["no-cache"]
    assert "Pragma" not in response.headers


def test_error_pages_get_the_security_headers_once(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers.getlist("Content-Security-Policy") == [
        client.get("/").headers["Content-Security-Policy"]
    ]
    assert response.headers.getlist("Cache-Control") == ["no-store"]


def test_a_screening_leaves_the_session_cookie_alone(client: FlaskClient) -> None:
    # The form's GET sets the session (it holds the CSRF secret); the screening itself then
    # neither rewrites it nor sends any other cookie, e.g. a remember-me deletion.
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/", data={"csrf_token": token, **valid_answers()})
    assert "Screening result" in response.get_data(as_text=True)
    assert response.headers.getlist("Set-Cookie") == []
    assert client.get("/").headers.getlist("Set-Cookie") == []


# --- Issue 12: rule interactions, through the real form -------------------------------------


@pytest.mark.parametrize(("answer", "state"), [("unsure", "not known"), ("no", "not confirmed")])
def test_an_unconfirmed_diagnosis_gives_review(
    client: FlaskClient, answer: str, state: str
) -> None:
    body = text_of(post_screening(client, fibromyalgia_diagnosed=answer))
    assert "Screening result: Prescriber review needed" in body
    assert f"Fibromyalgia diagnosis {state}: prescriber review." in body


def test_the_naltrexone_question_is_asked_with_nothing_preselected(client: FlaskClient) -> None:
    raw = client.get("/").get_data(as_text=True)
    assert (
        "Is the patient taking naltrexone now (for example Revia, Vivitrol, Contrave, or LDN)?"
        in html.unescape(raw)
    )
    # Asked in the safety checklist: its box, then the follow-up "Yes" or "Not sure" once
    # ticked ("No" is leaving it unticked after answering the list). Nothing is pre-selected.
    box = re.findall(r'<input[^>]*name="safety_conditions" value="naltrexone_now"[^>]*>', raw)
    radios = re.findall(r'<input[^>]*name="naltrexone_now"[^>]*>', raw)
    assert [re.search(r'value="(\w+)"', r).group(1) for r in radios] == ["yes", "unsure"]  # type: ignore[union-attr]
    assert len(box) == 1
    assert not any("checked" in r for r in [*box, *radios])


def test_the_naltrexone_question_is_required(client: FlaskClient) -> None:
    response = post_screening(client, naltrexone_now="")
    check_error_page(
        response, "naltrexone_now", "Select whether the patient is taking naltrexone now"
    )


@pytest.mark.parametrize(
    ("answer", "summary", "shown"),
    [
        ("yes", "Already taking naltrexone (answered yes): duplicate therapy.", "Yes"),
        (
            "unsure",
            "Not sure: Taking naltrexone now (Revia, Vivitrol, Contrave or LDN)",
            "Not sure",
        ),
    ],
)
def test_current_naltrexone_gives_review_and_is_recorded(
    client: FlaskClient, answer: str, summary: str, shown: str
) -> None:
    response = post_screening(client, naltrexone_now=answer)
    raw = response.get_data(as_text=True)
    body = html.unescape(raw)
    assert "Screening result: Prescriber review needed" in body
    assert summary in body
    # "Answers given", the chart note and the hidden "change answers" fields all carry it.
    answers_part = body[body.index('id="h-answers"') :]
    assert re.search(
        r"<dt>Is the patient taking naltrexone now \(for example Revia, Vivitrol, Contrave, or "
        rf"LDN\)\?</dt><dd>{shown}</dd>",
        answers_part,
    )
    note = body[body.index('id="chart-note"') : body.index("</textarea>")]
    assert f"Taking naltrexone now (Revia, Vivitrol, Contrave or LDN): {shown}." in note
    assert f'<input type="hidden" name="naltrexone_now" value="{answer}">' in raw


def test_the_chart_note_records_a_no_to_current_naltrexone(client: FlaskClient) -> None:
    body = text_of(post_screening(client))
    assert "Taking naltrexone now (Revia, Vivitrol, Contrave or LDN): No." in body


def _answers_given(body: str) -> dict[str, str]:
    part = body[body.index('id="h-answers"') :]
    part = part[: part.index("</section>")]
    return dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", part))


def _verdict_area(body: str) -> str:
    start = body.index('<div class="verdict ')
    return body[start : body.index("</div>", start)]  # the panel holds no nested <div>


@pytest.mark.parametrize(
    ("overrides", "reasons"),
    [
        ({"thyroid_condition": "yes"}, "thyroid hormone or Hashimoto's"),
        (
            {"thyroid_condition": "yes", "sensitive_to_medicines": "yes"},
            "sensitive to medicines; thyroid hormone or Hashimoto's",
        ),
    ],
)
def test_a_chosen_standard_schedule_changed_by_the_answers_is_said_openly(
    client: FlaskClient, overrides: dict[str, str], reasons: str
) -> None:
    body = text_of(post_screening(client, schedule="standard", **overrides))
    assert "Gentle schedule used because of the answer" in _verdict_area(body)
    shown = _answers_given(body)["Titration schedule"]
    assert shown == f"Standard (changed to gentle: {reasons})"
    assert "0.5 mg" in body  # the calendar is the gentle one
    assert "Gentle schedule used because" in body[body.index('id="chart-note"') :]


def test_a_followed_schedule_choice_is_shown_as_chosen(client: FlaskClient) -> None:
    body = text_of(post_screening(client, schedule="gentle", sensitive_to_medicines="yes"))
    assert _answers_given(body)["Titration schedule"] == "Gentle (smaller, slower steps)"
    assert "Gentle schedule used because" not in body
    plain = text_of(post_screening(client))
    assert _answers_given(plain)["Titration schedule"] == "Standard"


def _sheet_form(raw: str) -> str | None:
    match = re.search(r'<form method="post" action="/sheet/patient"[^>]*>(.*?)</form>', raw, re.S)
    return match.group(1) if match else None


def _sheet_button(raw: str) -> str | None:
    """The label of the summary's sheet button, if the summary offers one."""
    form = _sheet_form(raw)
    label = re.search(r"<button[^>]*>([^<]+)<span", form) if form else None
    return html.unescape(label.group(1)) if label else None


def _sheet(client: FlaskClient, raw: str) -> str:
    """Press the summary's sheet button: the sheet page, unescaped."""
    form = _sheet_form(raw)
    assert form is not None
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)
    data = MultiDict([(k, html.unescape(v)) for k, v in fields])
    response = client.post("/sheet/patient", data=data)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_a_review_plan_is_conditional_and_its_sheet_waits_for_the_prescriber(
    client: FlaskClient,
) -> None:
    raw = post_screening(client, kidney_impairment="yes").get_data(as_text=True)
    body = html.unescape(raw)
    assert "Dose plan (only if the prescriber approves)</h2>" in body
    assert "Do not start LDN, and do not give the patient the sheet, until a prescriber" in body
    assert _sheet_button(raw) == "Print after the prescriber approves"
    note = body[body.index('id="chart-note"') : body.index("</textarea>")]
    assert "Plan (only if the prescriber approves):" in note
    assert "Counselled" not in note and "Counselling to give" not in note
    assert "Counselling not given: give it only once the prescriber approves the start." in note


def test_do_not_start_offers_no_plan_no_sheet_and_no_counselling(client: FlaskClient) -> None:
    raw = post_screening(client, naltrexone_allergy="yes").get_data(as_text=True)
    body = html.unescape(raw)
    assert "Screening result: Do not start" in body
    assert _sheet_button(raw) is None and "/sheet/" not in raw
    assert 'id="h-plan"' not in raw
    note = body[body.index('id="chart-note"') : body.index("</textarea>")]
    assert "Counselled" not in note and "Counselling to give" not in note
    assert "Counselling not given: LDN is not to be started." in note


def test_a_not_yet_sheet_is_the_plan_from_the_earliest_date(client: FlaskClient) -> None:
    last = today() - dt.timedelta(days=3)
    earliest = last + dt.timedelta(days=10)
    raw = post_screening(
        client,
        opioid_use="recent",
        opioid_type="short_acting",
        last_opioid_dose_on=last.isoformat(),
    ).get_data(as_text=True)
    body = html.unescape(raw)
    shown = f"{earliest:%a} {earliest.day} {earliest:%b %Y}"
    assert f"Dose plan (not before {shown})</h2>" in body
    assert _sheet_button(raw) == f"Counselling sheet (plan from {shown})"
    assert f"Starts {shown}." in _sheet(client, raw)
    assert "Counselled" not in body


def test_an_eligible_chart_note_lists_counselling_to_give(client: FlaskClient) -> None:
    raw = post_screening(client).get_data(as_text=True)
    body = html.unescape(raw)
    assert _sheet_button(raw) == "Counselling sheet"
    assert "Counselling to give: opioid blockade, wallet card, surgery" in body
    assert "Counselled" not in body


def _day(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def _shown(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def test_surgery_the_day_after_a_later_start_never_says_stop_before_the_first_dose(
    client: FlaskClient,
) -> None:
    raw = post_screening(
        client,
        start_on=_day(15).isoformat(),
        surgery_planned="yes",
        surgery_on=_day(16).isoformat(),
    ).get_data(as_text=True)
    body = html.unescape(raw)
    assert "Screening result: Prescriber review needed" in body
    assert "too soon after the start" in body
    assert "last dose" not in body.lower()
    # The calendar marks it, and no sheet is offered for a plan that cannot be followed.
    assert '<tr class="surgery-stop">' in raw and "before the first dose" in body
    assert _sheet_button(raw) is None


def test_surgery_just_before_a_later_start_gives_review(client: FlaskClient) -> None:
    raw = post_screening(
        client,
        start_on=_day(60).isoformat(),
        surgery_planned="yes",
        surgery_on=_day(55).isoformat(),
    ).get_data(as_text=True)
    body = html.unescape(raw)
    assert "Screening result: Prescriber review needed" in body
    assert f"Surgery on {_shown(_day(55))}, 5 days before the start" in body
    assert "last dose" not in body.lower()
    assert '<tr class="surgery-stop">' not in raw  # before the calendar: nothing to mark
    assert _sheet_button(raw) is not None
    assert '<tr class="surgery-stop">' not in _sheet(client, raw)


def test_surgery_during_the_titration_marks_the_stop_on_the_summary_and_the_sheet(
    client: FlaskClient,
) -> None:
    raw = post_screening(client, surgery_planned="yes", surgery_on=_day(10).isoformat()).get_data(
        as_text=True
    )
    body = html.unescape(raw)
    assert "Screening result: Prescriber review needed" in body
    assert "falls during the titration" in body
    last, stop = _shown(_day(6)), _shown(_day(7))
    assert f"Stop for surgery: last dose on {last}; no LDN from {stop}" in body
    assert _sheet_button(raw) == "Print after the prescriber approves"
    sheet = _sheet(client, raw)
    assert f"Take your last dose on {last}. Take no LDN from {stop}." in sheet
    assert sheet.count('scope="row"') == 3  # step 1, the stop and the review


def test_the_sheet_refuses_a_stop_before_the_first_dose(client: FlaskClient) -> None:
    query = (
        f"schedule=standard&start={_day(15).isoformat()}&formulation=capsule"
        f"&surgery={_day(16).isoformat()}&v=1"
    )
    response = client.get(f"/sheet/print?{query}")
    assert response.status_code == 400
    assert "too soon after the start to stop LDN 3 days before it" in html.unescape(
        response.get_data(as_text=True)
    )
    before = query.replace(f"surgery={_day(16).isoformat()}", f"surgery={_day(10).isoformat()}")
    response = client.get(f"/sheet/print?{before}")
    assert response.status_code == 400
    assert "must be on or after the start date" in response.get_data(as_text=True)


def test_the_chart_note_records_the_baseline_pain_for_the_follow_up(client: FlaskClient) -> None:
    body = text_of(post_screening(client, baseline_pain_nrs="6"))
    note = body[body.index('id="chart-note"') : body.index("</textarea>")]
    assert "Baseline pain (average, past week): 6 out of 10." in note


@pytest.mark.parametrize(
    ("overrides", "label"),
    [
        ({}, "Eligible to start"),
        ({"kidney_impairment": "yes"}, "Prescriber review needed"),
        ({"acute_hepatitis_or_liver_failure": "yes"}, "Do not start"),
    ],
)
def test_the_verdict_icon_is_a_drawn_picture_with_a_text_alternative(
    client: FlaskClient, overrides: dict[str, str], label: str
) -> None:
    raw = post_screening(client, **overrides).get_data(as_text=True)
    icon = re.search(r'<svg class="verdict-icon"[^>]*>', raw)
    assert icon is not None
    assert 'role="img"' in icon.group(0) and f'aria-label="{label}' in icon.group(0)
    for glyph in ("⏸", "✖", "✔"):  # font glyphs some systems cannot draw
        assert glyph not in raw


def test_the_site_icon_is_served(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).startswith("<svg")
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in page and "favicon.svg" in page
