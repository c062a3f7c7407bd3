"""The screening form over HTTP, with CSRF on and the real token taken from the page."""

from __future__ import annotations

import datetime as dt
import html
import re
import time

import itsdangerous.timed
import pytest
from flask.testing import FlaskClient

from tests.conftest import (
    TODAY,
    check_error_page,
    check_page,
    csrf_token,
    post_screening,
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
    assert f'value="{TODAY.isoformat()}"' in body  # the start date defaults to today


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
    check_page(response.get_data(as_text=True))
    assert "Screening result: Eligible to start" in body
    assert "settings version 1 of" in body
    assert "1.5 mg" in body and "4.5 mg" in body
    assert "Vivid dreams or nightmares" in body
    assert "off-label" in body
    assert 'id="chart-note"' in body and "LDN screening (" in body
    # The sheet link carries only plan parameters, never an answer.
    link = re.search(r'href="(/sheet/print\?[^"]+)"', response.get_data(as_text=True))
    assert link is not None
    assert "schedule=standard" in link.group(1) and "v=1" in link.group(1)
    for private in ("age", "pain", "duloxetine", "medication"):
        assert private not in link.group(1)


def test_review_case_lists_each_finding_with_its_source(client: FlaskClient) -> None:
    body = text_of(post_screening(client, pregnant_or_planning="yes", kidney_impairment="unsure"))
    assert "Screening result: Prescriber review needed" in body
    assert "Pregnant or planning pregnancy: prescriber review." in body
    assert "Not sure: Kidney impairment" in body
    assert linked("label_pregnancy") in body
    assert "Verify against the label." in body  # the pregnancy wording was not read in the label


def test_not_yet_shows_the_earliest_date(client: FlaskClient) -> None:
    last = TODAY - dt.timedelta(days=3)
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

FUTURE = (TODAY + dt.timedelta(days=2)).isoformat()
PAST = (TODAY - dt.timedelta(days=2)).isoformat()

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
    check_page(response.get_data(as_text=True))
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
    check_page(raw)
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
    check_page(raw)
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
    check_page(raw)
    assert "Start a new screening" in raw


def test_oversized_post_gets_413(client: FlaskClient) -> None:
    response = client.post("/", data={"medication_list": "x" * 3_000_000})
    assert response.status_code == 413
    check_page(response.get_data(as_text=True))


def test_healthz_reports_the_settings_version(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "settings_version": 1}


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
