"""The counselling sheet over HTTP: the chooser, the sheet, its address and its errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.rules import DEFAULT_SETTINGS, Formulation, RuleSettings, Schedule
from ldn_screen.rules.dosing import build_dose_plan
from ldn_screen.rules.sheet_text import sheet_text
from ldn_screen.rules.units import fmt_date, fmt_mg, fmt_ml
from tests.helpers import check_page, today

START = today() + dt.timedelta(days=3)
ALLOWED_PARAMS = {"schedule", "start", "formulation", "mg_per_ml", "surgery", "v"}


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def sheet_url(**params: Any) -> str:
    """A sheet address in the app's own parameter order; ``None`` leaves a parameter out."""
    base: dict[str, Any] = {
        "schedule": "standard",
        "start": START.isoformat(),
        "formulation": "capsule",
        "mg_per_ml": None,
        "v": 1,
    }
    base.update(params)
    return "/sheet/print?" + urlencode({k: v for k, v in base.items() if v is not None})


def publish(app: Flask, **changes: Any) -> int:
    store = app.extensions["ldn_settings"]
    current = store.read().active
    values = {**current.settings.as_dict(), **changes}
    # Some variants lie outside the safe ranges on purpose (a 3 mg start): say so.
    why = "sheet test: values outside the safe range on purpose"
    return store.publish(
        values, "test", "sheet test", based_on=current.number, departure_reason=why
    ).number


class _Calendar(HTMLParser):
    """The titration table's body rows as cell texts, plus the tick boxes in each row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.boxes: list[int] = []
        self._in_calendar = self._in_body = self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and "calendar" in classes:
            self._in_calendar = True
        elif self._in_calendar and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
            self.boxes.append(0)
        elif self._in_body and tag in {"td", "th"}:
            self._in_cell = True
            self.rows[-1].append("")
        elif self._in_body and tag == "span" and "tick" in classes:
            self.boxes[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"}:
            self._in_cell = False
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._in_calendar = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.rows[-1][-1] = " ".join((self.rows[-1][-1] + data).split())


def calendar_rows(body: str) -> list[list[str]]:
    parser = _Calendar()
    parser.feed(body)
    return parser.rows


def assert_calendar_matches_rules(
    body: str, settings: RuleSettings, schedule: Schedule, formulation: Formulation
) -> None:
    """Row by row, the printed calendar is ``build_dose_plan`` for the same inputs."""
    parser = _Calendar()
    parser.feed(body)
    plan = build_dose_plan(settings, schedule, formulation, START)
    assert len(parser.rows) == len(plan.steps) + 1
    for row, boxes, step in zip(parser.rows, parser.boxes, plan.steps, strict=False):
        end = fmt_date(step.ends_on) if step.ends_on else "your review"
        want = [str(step.number), f"{fmt_date(step.starts_on)} to {end}", fmt_mg(step.dose_mg)]
        if formulation is Formulation.LIQUID:
            assert step.volume_ml == round(step.dose_mg / settings.liquid_mg_per_ml, 2)
            want.append(fmt_ml(step.volume_ml))
        if step.ends_on is None:  # the last step: a box a week until the review
            want_boxes, unit = settings.review_weeks, "weeks"
        else:
            days = (step.ends_on - step.starts_on).days + 1
            want_boxes, unit = (days, "days") if days <= 14 else (-(-days // 7), "weeks")
        assert row == [*want, f"{want_boxes} {unit}"]
        assert boxes == want_boxes
    assert parser.rows[-1][0] == f"Review {fmt_date(plan.review_on)}"


# --- The chooser ----------------------------------------------------------------------------


def test_chooser_is_a_get_form_with_accessible_fields(client: FlaskClient) -> None:
    response = client.get("/sheet")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    page = check_page(body)
    assert page.title.startswith("Make a counselling sheet")
    assert page.forms == [
        {
            "method": "get",
            "action": "/sheet/print",
            "novalidate": None,
            "class": "screening-form sheet-form",
        }
    ]
    # A GET of plan parameters only (dates, no answers): no CSRF token, no other field names.
    assert "csrf_token" not in body
    names = set(re.findall(r'<input[^>]* name="([^"]+)"', body))
    assert names == {"schedule", "start", "formulation", "mg_per_ml", "surgery", "language"}
    assert f'value="{today().isoformat()}"' in body  # the start date defaults to today
    assert 'id="mg_per_ml" name="mg_per_ml" value="1"' in body  # the current strength


def test_chooser_prefills_a_plan_from_the_query(client: FlaskClient) -> None:
    response = client.get(
        "/sheet?" + urlencode({"schedule": "gentle", "start": "2026-12-01", "mg_per_ml": "2.5"})
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'value="gentle" checked' in body
    assert 'value="2026-12-01"' in body
    assert 'value="2.5"' in body
    assert "There is a problem" not in body  # nothing was submitted yet


# --- A valid plan ---------------------------------------------------------------------------


def test_a_plan_without_a_version_is_pinned_to_the_current_one(client: FlaskClient) -> None:
    response = client.get(sheet_url(v=None, formulation="liquid", mg_per_ml="1"))
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/sheet/print"
    assert parse_qs(location.query) == {
        "schedule": ["standard"],
        "start": [START.isoformat()],
        "formulation": ["liquid"],
        "mg_per_ml": ["1"],
        "v": ["1"],
    }


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ({"mg_per_ml": "1"}, {}),  # capsules have no concentration
        (
            {"formulation": "liquid", "mg_per_ml": "1.0"},
            {"formulation": "liquid", "mg_per_ml": "1"},
        ),
        ({"start": START.strftime("%d/%m/%Y")}, {}),
    ],
)
def test_equivalent_addresses_redirect_to_one_canonical_address(
    client: FlaskClient, given: dict[str, str], canonical: dict[str, str]
) -> None:
    response = client.get(sheet_url(**given))
    assert response.status_code == 302
    assert response.headers["Location"] == sheet_url(**canonical)
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize("schedule", list(Schedule))
@pytest.mark.parametrize("formulation", list(Formulation))
def test_the_sheet_shows_the_plan_from_the_rules(
    client: FlaskClient, schedule: Schedule, formulation: Formulation
) -> None:
    liquid = formulation is Formulation.LIQUID
    url = sheet_url(
        schedule=schedule.value, formulation=formulation.value, mg_per_ml="1" if liquid else None
    )
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    page = check_page(body)
    assert page.title.startswith("Your low-dose naltrexone (LDN) plan")
    assert_calendar_matches_rules(body, DEFAULT_SETTINGS, schedule, formulation)
    plan = build_dose_plan(DEFAULT_SETTINGS, schedule, formulation, START)
    text = text_of(response)
    assert f"Review {fmt_date(plan.review_on)}" in text
    # The version is for staff: a small footer line (and a print-only line), not the header.
    head = body[
        body.index('<header class="sheet-head">') : body.index(
            "</header>", body.index('class="sheet-head"')
        )
    ]
    assert "ersion" not in head
    footer = body[body.index('<footer class="site-footer">') :]
    assert f"For staff: settings version 1 of {fmt_date(today())}." in html.unescape(footer)
    assert '<p class="sheet-staff print-only">For staff: settings version 1 of' in body
    assert "is now current" not in text  # the linked version is the current one
    # Every sentence of the measured text is what the page prints.
    for sentence in (
        *sheet_text(DEFAULT_SETTINGS, plan).about,
        *sheet_text(DEFAULT_SETTINGS, plan).opioids,
    ):
        assert sentence in text
    # The print button is there, and so is the way to print without JavaScript.
    assert "data-print" in body
    assert "browser's Print command" in text


SETTINGS_VARIANTS = {
    "weekly 1 mg steps to 6 mg at 2 mg/mL": {
        "standard_start_dose_mg": 1.0,
        "standard_step_mg": 1.0,
        "target_dose_mg": 6.0,
        "max_dose_mg": 6.0,
        "liquid_mg_per_ml": 2.0,
    },
    "slow gentle steps at 5 mg/mL": {
        "gentle_start_dose_mg": 0.25,
        "gentle_step_mg": 0.5,
        "gentle_step_interval_days": 21,
        "liquid_mg_per_ml": 5.0,
        "review_weeks": 8,
    },
    "one step": {
        "standard_start_dose_mg": 3.0,
        "gentle_start_dose_mg": 3.0,
        "target_dose_mg": 3.0,
    },
}


@pytest.mark.parametrize("changes", list(SETTINGS_VARIANTS.values()), ids=list(SETTINGS_VARIANTS))
@pytest.mark.parametrize("schedule", list(Schedule))
def test_calendar_and_volumes_match_the_rules_for_other_settings(
    app: Flask, client: FlaskClient, changes: dict[str, float], schedule: Schedule
) -> None:
    version = publish(app, **changes)
    settings = dataclasses.replace(DEFAULT_SETTINGS, **changes)
    mg_per_ml = f"{settings.liquid_mg_per_ml:g}"
    response = client.get(
        sheet_url(schedule=schedule.value, formulation="liquid", mg_per_ml=mg_per_ml, v=version)
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert_calendar_matches_rules(body, settings, schedule, Formulation.LIQUID)
    assert f"Your liquid has {mg_per_ml} mg of LDN in each mL" in text_of(response)


def test_the_link_s_concentration_sets_the_volumes(client: FlaskClient) -> None:
    response = client.get(sheet_url(schedule="gentle", formulation="liquid", mg_per_ml="2"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    settings = dataclasses.replace(DEFAULT_SETTINGS, liquid_mg_per_ml=2.0)
    assert_calendar_matches_rules(body, settings, Schedule.GENTLE, Formulation.LIQUID)
    assert calendar_rows(body)[0][:4] == [
        "1",
        f"{fmt_date(START)} to {fmt_date(START + dt.timedelta(days=13))}",
        "0.5 mg",
        "0.25 mL",
    ]
    text = text_of(response)
    # The sheet says the strength differs from the settings and which one the volumes use.
    assert "Settings version 1 uses 1 mg per mL" in text
    assert "The volumes below are worked out for 2 mg per mL" in text
    assert "Your liquid has 2 mg of LDN in each mL" in text


def test_clinic_details_print_when_set_and_leave_lines_when_not(
    app: Flask, client: FlaskClient
) -> None:
    blank = client.get(sheet_url())
    assert blank.status_code == 200
    blank_body = blank.get_data(as_text=True)
    # Blank lines: the patient's name, the clinic's name and phone, and the card's four.
    assert blank_body.count('class="line long"') == 3
    assert blank_body.count('class="line card"') == 4
    assert "(555)" not in blank_body
    # Never "call the clinic" with nowhere to find the number: the printed prompt on the
    # blank line, and the staff warning (not printed) that it must be filled in by hand.
    blank_text = text_of(blank)
    assert 'Call the clinic (the number is under "Your clinic")' in blank_text
    assert "Phone (write the number in)" in blank_text
    assert "Clinic details missing. The clinic's name and phone number are not set" in blank_text
    tools = blank_body[
        blank_body.index('class="sheet-tools no-print"') : blank_body.index("<article")
    ]
    assert "Clinic details missing" in tools  # on screen for the nurse, never on the paper

    version = publish(app, clinic_name="Riverside <Pain> Clinic", clinic_phone="(555) 010-4477")
    response = client.get(sheet_url(v=version))
    body = response.get_data(as_text=True)
    # "Get help right away", section 7 and the wallet card.
    assert body.count("(555) 010-4477") == 3
    assert "Call the clinic on (555) 010-4477, or call your emergency number" in text_of(response)
    assert "Clinic details missing" not in body
    assert body.count('class="line long"') == 1  # only the patient's name is left blank
    assert body.count('class="line card"') == 2  # the card's name and dose
    assert "Riverside &lt;Pain&gt; Clinic" in body  # escaped, never raw HTML
    assert "<Pain>" not in body


def test_the_sheet_has_lines_for_the_name_and_date_and_a_wallet_card(
    client: FlaskClient,
) -> None:
    text = text_of(client.get(sheet_url()))
    assert "Name (write it in by hand) Date (write it in by hand)" in text
    assert "I take low-dose naltrexone (an opioid blocker)." in text
    assert "My LDN dose (mg a day)" in text
    assert "Clinic phone" in text
    assert "Cut out the card along the dashed line" in text


# --- Stale versions -------------------------------------------------------------------------


def test_a_stale_version_renders_its_own_values_and_offers_the_current(
    app: Flask, client: FlaskClient
) -> None:
    newer = publish(app, standard_start_dose_mg=1.0, standard_step_mg=1.0, clinic_phone="555-0199")
    response = client.get(sheet_url(v=1))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    text = text_of(response)
    # Version 1's plan: 1.5 mg steps, not the newer 1 mg ones, and not the newer phone.
    assert_calendar_matches_rules(body, DEFAULT_SETTINGS, Schedule.STANDARD, Formulation.CAPSULE)
    assert "555-0199" not in text
    assert f"This sheet uses settings version 1 of {fmt_date(today())}" in text
    assert f"Version {newer} of {fmt_date(today())} is now current" in text
    link = html.unescape(
        re.search(r'<a href="([^"]+)">Show this plan with the current settings', body).group(1)  # type: ignore[union-attr]
    )
    assert link == sheet_url(v=newer)
    current = client.get(link)
    assert current.status_code == 200
    assert "is now current" not in text_of(current)
    assert "555-0199" in text_of(current)


# --- Invalid addresses ---------------------------------------------------------------------

INVALID = [
    ({"schedule": None}, "Select the standard or gentle schedule", "#schedule"),
    ({"schedule": "weekly"}, "Select the standard or gentle schedule", "#schedule"),
    ({"start": None}, "Enter the start date, for example 2026-12-01", "#start"),
    ({"start": "2026-02-30"}, "Enter the start date as a real date", "#start"),
    ({"start": "tomorrow"}, "Enter the start date as a real date", "#start"),
    (
        {"start": (today() - dt.timedelta(days=400)).isoformat()},
        "The start date must be within the last year",
        "#start",
    ),
    (
        {"start": (today() + dt.timedelta(days=400)).isoformat()},
        "The start date must be within the next year",
        "#start",
    ),
    ({"formulation": None}, "Select capsule or liquid", "#formulation"),
    ({"formulation": "tablet"}, "Select capsule or liquid", "#formulation"),
    (
        {"formulation": "liquid"},
        "Enter the liquid concentration in mg per mL, for example 1",
        "#mg_per_ml",
    ),
    (
        {"formulation": "liquid", "mg_per_ml": "one"},
        "Enter the liquid concentration as a number",
        "#mg_per_ml",
    ),
    ({"formulation": "liquid", "mg_per_ml": "nan"}, "as a number", "#mg_per_ml"),
    ({"formulation": "liquid", "mg_per_ml": "inf"}, "as a number", "#mg_per_ml"),
    ({"formulation": "liquid", "mg_per_ml": "1" * 40}, "as a number", "#mg_per_ml"),
    ({"formulation": "liquid", "mg_per_ml": "\uff11"}, "as a number", "#mg_per_ml"),
    ({"formulation": "liquid", "mg_per_ml": "0"}, "must be 0.5 mg per mL or more", "#mg_per_ml"),
    ({"formulation": "liquid", "mg_per_ml": "-1"}, "must be 0.5 mg per mL or more", "#mg_per_ml"),
    ({"formulation": "liquid", "mg_per_ml": "5.5"}, "must be 5 mg per mL or less", "#mg_per_ml"),
    ({"formulation": "liquid", "mg_per_ml": "1.25"}, "a multiple of 0.5 mg per mL", "#mg_per_ml"),
    ({"v": "abc"}, "The settings version in this link is not a whole number", None),
    ({"v": "0"}, "The settings version in this link is not a whole number", None),
    ({"v": "-1"}, "The settings version in this link is not a whole number", None),
    ({"v": "9" * 30}, "The settings version in this link is not a whole number", None),
    ({"v": "99"}, "Settings version 99 does not exist", None),
    ({"name": "Jane Doe"}, "This link has parts the sheet does not use (name)", None),
]


@pytest.mark.parametrize(("params", "message", "anchor"), INVALID)
def test_invalid_addresses_get_a_400_page_listing_what_to_fix(
    client: FlaskClient, params: dict[str, str | None], message: str, anchor: str | None
) -> None:
    response = client.get(sheet_url(**params))
    assert response.status_code == 400
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    page = check_page(body)  # the summary's links land on real fields
    assert page.title.startswith("Error: Make a counselling sheet")
    summary = body[body.index('class="error-summary"') : body.index("<h1")]
    assert message in html.unescape(summary)
    if anchor:
        assert f'href="{anchor}"' in summary
    # The form is there to fix it, and a patient's name is never echoed back.
    assert 'action="/sheet/print"' in body
    assert "Jane" not in body


def test_repeated_parameters_are_refused(client: FlaskClient) -> None:
    response = client.get(sheet_url() + "&schedule=gentle")
    assert response.status_code == 400
    assert "This link gives schedule more than once" in text_of(response)


def test_every_problem_is_listed_at_once(client: FlaskClient) -> None:
    response = client.get(
        sheet_url(schedule="x", start="2026-13-45", formulation="liquid", mg_per_ml="9", v="77")
    )
    assert response.status_code == 400
    text = text_of(response)
    for message in (
        "Settings version 77 does not exist",
        "Select the standard or gentle schedule",
        "Enter the start date as a real date",
        "The liquid concentration must be 5 mg per mL or less",
    ):
        assert message in text


def test_an_unreadable_older_version_gets_the_settings_unavailable_page(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    publish(app, clinic_phone="555-0100")
    store = app.extensions["ldn_settings"]

    def broken(number: int) -> None:
        raise OperationalError("SELECT", {}, Exception("database is down"))

    monkeypatch.setattr(store, "version", broken)
    response = client.get(sheet_url(v=1))
    # Never a 500, and never another version's values passed off as version 1.
    assert response.status_code == 503
    assert "Settings unavailable" in text_of(response)
