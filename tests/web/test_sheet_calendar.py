"""The titration plan as a calendar file (.ics), and the QR code on the printed sheet.

The file is read back with icalendar (and its repeats expanded with dateutil, as calendar
apps do), and checked against the rules' own plan for the same inputs: both schedules,
capsules and liquid, a stop before surgery, and the review.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import segno
from dateutil.rrule import rrulestr
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar, Component
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from ldn_screen.app import create_app
from ldn_screen.config import UnsafeConfiguration
from ldn_screen.rules import DEFAULT_SETTINGS, Formulation, Schedule
from ldn_screen.rules.dose_reminders import REVIEW_NOTE, STEP_NOTE
from ldn_screen.rules.dosing import build_dose_plan, surgery_stop_dates
from ldn_screen.rules.model import DosePlan
from tests.helpers import PageCheckingClient, check_page, post_screening, today
from tests.web.test_sheet_from_summary import parse, post_sheet

START = today() + dt.timedelta(days=3)
ICS_PATH = "/sheet/calendar.ics"
PATIENT_ICS = "/sheet/patient/calendar.ics"
PUBLIC = "https://ldn.clinic.example"
SHEET_PARAMS = {"schedule", "start", "formulation", "mg_per_ml", "surgery", "v"}
REMINDER = dt.time(21, 30)  # the documented default of LDN_CALENDAR_REMINDER_TIME


def query(**params: Any) -> str:
    base: dict[str, Any] = {
        "schedule": "standard",
        "start": START.isoformat(),
        "formulation": "capsule",
        "mg_per_ml": None,
        "surgery": None,
        "v": 1,
    }
    base.update(params)
    return urlencode({k: v for k, v in base.items() if v is not None})


def ics(client: FlaskClient, **params: Any) -> TestResponse:
    response = client.get(f"{ICS_PATH}?{query(**params)}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def events(response: TestResponse) -> tuple[list[Component], Component]:
    """The step events (in date order) and the review event of a calendar file."""
    cal = Calendar.from_ical(response.data)
    found = [c for c in cal.walk("VEVENT")]
    review = [e for e in found if str(e["SUMMARY"]) == "LDN review"]
    assert len(review) == 1
    steps = sorted((e for e in found if e is not review[0]), key=lambda e: e.decoded("DTSTART"))
    return steps, review[0]


def occurrences(event: Component) -> list[dt.datetime]:
    """Every occurrence of an event, expanded from its RRULE as a calendar app does."""
    start = event.decoded("DTSTART")
    rule = event["RRULE"].to_ical().decode()
    return list(rrulestr(rule, dtstart=start))


def expected_summary(dose_mg: float, mg_per_ml: float | None) -> str:
    if mg_per_ml is None:
        return f"LDN {dose_mg:g} mg"
    return f"LDN {dose_mg:g} mg ({round(dose_mg / mg_per_ml, 2):g} mL)"


def assert_events_follow_the_plan(
    steps: list[Component], review: Component, plan: DosePlan, last_day: dt.date | None = None
) -> None:
    """One event per step (up to ``last_day``), each daily from its start to its end."""
    end_of_plan = last_day or plan.review_on - dt.timedelta(days=1)
    kept = [s for s in plan.steps if s.starts_on <= end_of_plan]
    assert len(steps) == len(kept)
    for event, step in zip(steps, kept, strict=True):
        days = occurrences(event)
        step_end = min(step.ends_on or end_of_plan, end_of_plan)
        expected = [
            dt.datetime.combine(step.starts_on + dt.timedelta(days=n), REMINDER)
            for n in range((step_end - step.starts_on).days + 1)
        ]
        assert days == expected, f"step {step.number}"
        assert str(event["SUMMARY"]) == expected_summary(step.dose_mg, plan.liquid_mg_per_ml)
    assert review.decoded("DTSTART") == plan.review_on
    assert not isinstance(review.decoded("DTSTART"), dt.datetime)  # an all-day event


@pytest.fixture()
def public_app(tmp_path: Path, app: Flask) -> Iterator[Flask]:
    """An app whose deployment names its public https address (a QR code on the sheet)."""
    qr_app = create_app(
        {
            "INSTANCE_PATH": app.instance_path,
            "TESTING": True,
            "LDN_PUBLIC_URL": PUBLIC,
        }
    )
    qr_app.test_client_class = PageCheckingClient
    yield qr_app
    qr_app.extensions["ldn_engine"].dispose()


# --- The file, against the plan ------------------------------------------------------------


@pytest.mark.parametrize("schedule", [Schedule.STANDARD, Schedule.GENTLE])
@pytest.mark.parametrize(
    ("formulation", "mg_per_ml"),
    [(Formulation.CAPSULE, None), (Formulation.LIQUID, 1.0), (Formulation.LIQUID, 2.5)],
    ids=["capsule", "liquid-1", "liquid-2.5"],
)
def test_events_match_the_plan(
    client: FlaskClient, schedule: Schedule, formulation: Formulation, mg_per_ml: float | None
) -> None:
    response = ics(
        client,
        schedule=schedule.value,
        formulation=formulation.value,
        mg_per_ml=None if mg_per_ml is None else f"{mg_per_ml:g}",
    )
    settings = DEFAULT_SETTINGS
    if mg_per_ml is not None:
        settings = dataclasses.replace(settings, liquid_mg_per_ml=mg_per_ml)
    plan = build_dose_plan(settings, schedule, formulation, START)
    assert len(plan.steps) == (3 if schedule is Schedule.STANDARD else 9)
    steps, review = events(response)
    assert_events_follow_the_plan(steps, review, plan)
    assert steps[0].decoded("DTSTART").date() == START
    if formulation is Formulation.CAPSULE:
        assert b"mL" not in response.data


def test_a_stop_before_surgery_ends_the_reminders_at_the_last_dose(client: FlaskClient) -> None:
    plan = build_dose_plan(DEFAULT_SETTINGS, Schedule.GENTLE, Formulation.CAPSULE, START)
    surgery = plan.steps[4].starts_on + dt.timedelta(days=2)  # inside the titration
    _, last_dose = surgery_stop_dates(DEFAULT_SETTINGS, surgery)
    response = ics(client, schedule="gentle", surgery=surgery.isoformat())
    steps, review = events(response)
    assert_events_follow_the_plan(steps, review, plan, last_day=last_dose)
    assert max(occurrences(steps[-1])).date() == last_dose
    assert len(steps) < len(plan.steps)


def test_the_reminder_is_a_floating_bedtime_alarm_that_shows_the_dose(
    client: FlaskClient,
) -> None:
    response = ics(client, formulation="liquid", mg_per_ml="1")
    steps, review = events(response)
    for event in steps:
        start = event.decoded("DTSTART")
        assert start.tzinfo is None and start.time() == REMINDER  # floating local time
        alarms = [c for c in event.subcomponents if c.name == "VALARM"]
        assert len(alarms) == 1
        alarm = alarms[0]
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert str(alarm["DESCRIPTION"]) == str(event["SUMMARY"])  # required for DISPLAY
        assert alarm.decoded("TRIGGER") == dt.timedelta(0)  # at the dose time itself
        assert str(event["TRANSP"]) == "TRANSPARENT"  # never blocks the patient's day
    assert not [c for c in review.subcomponents if c.name == "VALARM"]
    text = response.data.decode()
    # No time zone to get wrong: no TZID, no VTIMEZONE, and only DTSTAMP is in UTC.
    assert "TZID" not in text and "VTIMEZONE" not in text
    for line in text.split("\r\n"):
        if line.startswith(("DTSTART", "DTEND")):
            assert not line.endswith("Z"), line
        if line.startswith("DTSTAMP"):
            assert re.fullmatch(r"DTSTAMP:\d{8}T\d{6}Z", line), line


def test_the_reminder_time_is_a_deployment_setting(tmp_path: Path, app: Flask) -> None:
    morning = create_app(
        {
            "INSTANCE_PATH": app.instance_path,
            "TESTING": True,
            "LDN_CALENDAR_REMINDER_TIME": "07:15",
        }
    )
    steps, _ = events(ics(morning.test_client()))
    assert {e.decoded("DTSTART").time() for e in steps} == {dt.time(7, 15)}
    morning.extensions["ldn_engine"].dispose()


@pytest.mark.parametrize("bad", ["9pm", "21:30:00", "25:00", "2130", ""])
def test_a_reminder_time_that_is_not_hh_mm_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(UnsafeConfiguration, match="LDN_CALENDAR_REMINDER_TIME"):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path / "i"),
                "TESTING": True,
                "LDN_CALENDAR_REMINDER_TIME": bad,
            }
        )


# --- The file's form: RFC 5545, headers, UIDs, privacy -------------------------------------


def test_rfc_5545_basics(client: FlaskClient) -> None:
    data = ics(client, schedule="gentle", formulation="liquid", mg_per_ml="1").data
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines) and b"\r" not in b"".join(lines)  # CRLF only
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    assert any(line.startswith(b" ") for line in lines), "long notes are folded, not cut"
    assert lines[0] == b"BEGIN:VCALENDAR" and lines[-1] == b"END:VCALENDAR"
    cal = Calendar.from_ical(data)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]).startswith("-//ldn-screen//")
    for event in cal.walk("VEVENT"):
        for required in ("UID", "DTSTAMP", "DTSTART", "SUMMARY"):
            assert required in event, required
    # Folding keeps the text: the unfolded note reads whole.
    assert "delete these events and add the new calendar file." in str(
        cal.walk("VEVENT")[0]["DESCRIPTION"]
    )


def test_the_download_headers(client: FlaskClient) -> None:
    response = ics(client)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="ldn-plan.ics"'
    assert response.headers["Cache-Control"] == "no-store"


def test_uids_are_stable_across_downloads_and_distinct_per_event(client: FlaskClient) -> None:
    def uids(response: TestResponse) -> list[str]:
        return [str(e["UID"]) for e in Calendar.from_ical(response.data).walk("VEVENT")]

    first = uids(ics(client, schedule="gentle"))
    again = uids(ics(client, schedule="gentle"))
    assert first == again
    assert len(set(first)) == len(first) == 10  # nine steps and the review
    other = uids(ics(client, schedule="standard"))
    assert not set(other) & set(first), "another plan's events are other events"
    moved = uids(ics(client, schedule="gentle", start=(START + dt.timedelta(days=1)).isoformat()))
    assert not set(moved) & set(first)


def test_the_file_says_ldn_and_the_dose_and_nothing_else(client: FlaskClient) -> None:
    cal = Calendar.from_ical(ics(client, formulation="liquid", mg_per_ml="2").data)
    summaries = {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    dose = re.compile(r"LDN \d+(\.\d+)? mg \(\d+(\.\d+)? mL\)")
    assert summaries - {"LDN review"}
    assert all(dose.fullmatch(s) for s in summaries - {"LDN review"}), summaries
    descriptions = {str(e["DESCRIPTION"]) for e in cal.walk("VEVENT")}
    assert descriptions == {STEP_NOTE, REVIEW_NOTE}  # one note for the steps, one for review
    assert str(cal["X-WR-CALNAME"]) == "LDN"
    # Only these properties: nothing that could carry a name, a place or a person.
    names = {
        line.split(":", 1)[0].split(";", 1)[0]
        for line in cal.to_ical().decode().replace("\r\n ", "").split("\r\n")
        if line
    }
    assert names == {
        *("BEGIN", "END", "VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-CALNAME"),
        *("UID", "DTSTAMP", "DTSTART", "DTEND", "RRULE", "SUMMARY", "DESCRIPTION", "TRANSP"),
        *("ACTION", "TRIGGER"),
    }
    text = cal.to_ical().decode().lower()
    for words in ("fibromyalgia", "naltrexone", "opioid", "surgery", "operation", "pain"):
        assert words not in text, words


# --- From a link: the same address rules as the sheet --------------------------------------


def test_a_link_without_a_version_is_pinned_like_the_sheet(client: FlaskClient) -> None:
    response = client.get(f"{ICS_PATH}?schedule=standard&start={START}&formulation=capsule")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert target.path == ICS_PATH
    assert dict(parse_qsl(target.query))["v"] == "1"


@pytest.mark.parametrize(
    "bad",
    [
        {"schedule": "fast"},
        {"name": "Jane Doe"},
        {"formulation": "liquid", "mg_per_ml": None},
        {"v": "999"},
    ],
    ids=["schedule", "unknown-part", "no-strength", "no-version"],
)
def test_a_bad_link_gets_the_chooser_not_a_file(client: FlaskClient, bad: dict[str, Any]) -> None:
    response = client.get(f"{ICS_PATH}?{query(**bad)}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert b"BEGIN:VCALENDAR" not in response.data
    check_page(response.get_data(as_text=True))


def test_the_reprint_sheet_links_to_its_own_calendar_file(client: FlaskClient) -> None:
    sheet_query = query(formulation="liquid", mg_per_ml="2")
    sheet = client.get(f"/sheet/print?{sheet_query}")
    assert sheet.status_code == 200
    links = [h for h in parse(sheet).hrefs if urlsplit(html.unescape(h)).path == ICS_PATH]
    assert len(links) == 1
    link = urlsplit(html.unescape(links[0]))
    assert dict(parse_qsl(link.query)) == dict(parse_qsl(sheet_query))
    assert {k for k, _ in parse_qsl(link.query)} <= SHEET_PARAMS
    assert 'download="ldn-plan.ics"' in sheet.get_data(as_text=True)
    assert client.get(html.unescape(links[0])).mimetype == "text/calendar"


# --- From a summary: a POST of the answers, screened again ---------------------------------

ANSWER_TEXT = ("duloxetine", "pregabalin")  # valid_answers' medication list


def calendar_form(sheet: TestResponse) -> list[tuple[str, str]]:
    forms = [f for f in parse(sheet).forms if f[0].get("action") == PATIENT_ICS]
    assert len(forms) == 1, "the patient's sheet offers one calendar form"
    attrs, fields, buttons = forms[0]
    assert attrs["method"] == "post"
    assert buttons == ["Download the dose calendar (.ics)"]
    return fields


def test_the_patient_sheet_posts_its_answers_for_the_calendar_file(client: FlaskClient) -> None:
    start = today() + dt.timedelta(days=10)
    surgery = start + dt.timedelta(days=20)
    summary = post_screening(
        client,
        start_on=start.isoformat(),
        surgery_planned="yes",
        surgery_on=surgery.isoformat(),
        formulation="liquid",
    )
    sheet = post_sheet(client, summary)
    assert sheet.status_code == 200
    fields = calendar_form(sheet)
    assert dict(fields)["csrf_token"]
    response = client.post(PATIENT_ICS, data=MultiDict(fields))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="ldn-plan.ics"'
    # The plan the rules make for these answers, with the stop before the operation.
    plan = build_dose_plan(
        DEFAULT_SETTINGS, Schedule.STANDARD, Formulation.LIQUID, start, surgery_on=surgery
    )
    assert plan.surgery_stop is not None and plan.surgery_stop.last_dose_on is not None
    steps, review = events(response)
    assert_events_follow_the_plan(steps, review, plan, last_day=plan.surgery_stop.last_dose_on)
    # Nothing the nurse typed or chose reaches the file, and no UID changes with the answers.
    text = response.data.decode()
    for answer in ANSWER_TEXT:
        assert answer.lower() not in text.lower(), answer


def test_the_patient_calendar_uids_are_those_of_the_same_plan_s_link(client: FlaskClient) -> None:
    summary = post_screening(client, start_on=START.isoformat())
    fields = calendar_form(post_sheet(client, summary))
    posted = Calendar.from_ical(client.post(PATIENT_ICS, data=MultiDict(fields)).data)
    linked = Calendar.from_ical(ics(client).data)
    assert [str(e["UID"]) for e in posted.walk("VEVENT")] == [
        str(e["UID"]) for e in linked.walk("VEVENT")
    ]


def test_a_tampered_post_gets_no_calendar_file(client: FlaskClient) -> None:
    summary = post_screening(client)
    fields = calendar_form(post_sheet(client, summary))
    # A ticked condition changes its checklist too, as the form would send it.
    tampering = {"naltrexone_allergy": "yes", "safety_conditions": "naltrexone_allergy"}
    assert set(tampering) <= {k for k, _ in fields}
    refused = [(k, tampering.get(k, v)) for k, v in fields]
    response = client.post(PATIENT_ICS, data=MultiDict(refused))
    assert response.status_code == 422
    assert b"BEGIN:VCALENDAR" not in response.data
    no_token = [(k, v) for k, v in fields if k != "csrf_token"]
    response = client.post(PATIENT_ICS, data=MultiDict(no_token))
    assert response.status_code == 400
    assert b"BEGIN:VCALENDAR" not in response.data
    assert client.get(PATIENT_ICS).status_code == 405  # never from an address


# --- The QR code ---------------------------------------------------------------------------


def qr_svg(body: str) -> str | None:
    found = re.findall(r'<figure class="calendar-qr">\s*(<svg .*?</svg>)', body, flags=re.S)
    assert len(found) <= 1
    return found[0] if found else None


def test_no_qr_code_without_a_public_address(client: FlaskClient) -> None:
    body = client.get(f"/sheet/print?{query()}").get_data(as_text=True)
    assert qr_svg(body) is None
    assert "calendar-qr" not in body and "Scan this code" not in body


def test_the_qr_code_holds_the_public_calendar_address_of_the_sheet(public_app: Flask) -> None:
    client = public_app.test_client()
    sheet_query = query(schedule="gentle", formulation="liquid", mg_per_ml="1")
    body = client.get(f"/sheet/print?{sheet_query}").get_data(as_text=True)
    svg = qr_svg(body)
    assert svg is not None
    assert 'role="img"' in svg and 'aria-label="QR code: a link to the calendar file' in svg
    assert "<title>QR code: a link to the calendar file of this plan</title>" in svg
    assert "style=" not in svg and "<script" not in svg  # the CSP allows neither inline
    assert "Scan this code with your phone" in body
    # The code is exactly the one for the public https address of this sheet's calendar
    # file: its parameters are the sheet's own, nothing more.
    expected = segno.make(f"{PUBLIC}{ICS_PATH}?{sheet_query}", error="m", micro=False)
    expected_path = re.search(r' d="([^"]+)"', expected.svg_inline())
    shown_path = re.search(r' d="([^"]+)"', svg)
    assert expected_path and shown_path and expected_path.group(1) == shown_path.group(1)
    assert client.get(f"{ICS_PATH}?{sheet_query}").mimetype == "text/calendar"


def test_the_patient_sheet_has_no_qr_code_even_with_a_public_address(public_app: Flask) -> None:
    client = public_app.test_client()
    sheet = post_sheet(client, post_screening(client))
    assert sheet.status_code == 200
    body = sheet.get_data(as_text=True)
    assert qr_svg(body) is None and "Scan this code" not in body
    calendar_form(sheet)  # the download is still there, as a POST


@pytest.mark.parametrize(
    "bad", ["http://ldn.clinic.example", "https://ldn.clinic.example/", "ldn.clinic.example"]
)
def test_a_public_address_that_is_not_https_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(UnsafeConfiguration, match="LDN_PUBLIC_URL"):
        create_app({"INSTANCE_PATH": str(tmp_path / "i"), "TESTING": True, "LDN_PUBLIC_URL": bad})


# --- Memory: the libraries load only when used ---------------------------------------------

LAZY_CHECK = """
import sys, datetime as dt
from ldn_screen.app import create_app
app = create_app({"INSTANCE_PATH": sys.argv[1], "TESTING": True})
client = app.test_client()
start = (dt.date.today() + dt.timedelta(days=3)).isoformat()
query = f"schedule=standard&start={start}&formulation=capsule&v=1"
assert client.get("/").status_code == 200
assert client.get("/sheet/print?" + query).status_code == 200
print("before", "icalendar" in sys.modules, "segno" in sys.modules)
assert client.get("/sheet/calendar.ics?" + query).status_code == 200
print("after", "icalendar" in sys.modules, "segno" in sys.modules)
"""


def test_icalendar_and_segno_are_imported_only_when_used(tmp_path: Path) -> None:
    # A fresh interpreter: this test session has imported both already.
    out = subprocess.run(
        [sys.executable, "-c", LAZY_CHECK, str(tmp_path / "instance")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert "before False False" in out
    assert "after True False" in out  # no public address: no QR code, no segno
