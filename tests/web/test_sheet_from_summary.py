"""The counselling sheet from a screening summary: a POST into a new tab, screened again.

The summary's sheet button posts the screening answers (never an address). The server runs
``screen()`` on them again, so a tampered post cannot print a sheet the rules refuse, and
the sheet adds what applies to this patient only.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.test import TestResponse

from ldn_screen.rules import DEFAULT_SETTINGS, Formulation, Schedule
from ldn_screen.rules.dosing import build_dose_plan, surgery_stop_dates
from ldn_screen.rules.findings import CATALOGUE
from ldn_screen.rules.units import fmt_date
from tests.admin_support import create_admin, login
from tests.helpers import check_page, csrf_token, post_screening, today

SHEET_ACTION = "/sheet/patient"
SHEET_H1 = "Your low-dose naltrexone (LDN) plan"
YESTERDAY = today() - dt.timedelta(days=1)


def text_of(response: TestResponse) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


class _Forms(HTMLParser):
    """Every form's attributes and the (name, value) pairs a browser would send."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[dict[str, str | None], list[tuple[str, str]], list[str]]] = []
        self.hrefs: list[str] = []
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append((a, [], []))
        elif tag == "input" and self.forms and a.get("name"):
            kind = a.get("type")
            if kind in {"radio", "checkbox"} and "checked" not in a:
                return
            self.forms[-1][1].append((a["name"] or "", a.get("value") or ""))
        elif tag == "button" and self.forms:
            self._button = []
        if a.get("href") is not None:
            self.hrefs.append(a["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None and self.forms:
            self.forms[-1][2].append(" ".join("".join(self._button).split()))
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.append(data)


def parse(response: TestResponse) -> _Forms:
    parser = _Forms()
    parser.feed(response.get_data(as_text=True))
    return parser


def sheet_form(summary: TestResponse) -> tuple[dict[str, str | None], list[tuple[str, str]], str]:
    forms = [f for f in parse(summary).forms if f[0].get("action") == SHEET_ACTION]
    assert len(forms) == 1, "the summary offers exactly one sheet form"
    attrs, fields, buttons = forms[0]
    assert len(buttons) == 1
    return attrs, fields, buttons[0]


def no_sheet_form(summary: TestResponse) -> bool:
    return not any(f[0].get("action") == SHEET_ACTION for f in parse(summary).forms)


def post_sheet(client: FlaskClient, summary: TestResponse, **changes: str) -> TestResponse:
    """Press the summary's sheet button, optionally after tampering with what it sends."""
    _, fields, _ = sheet_form(summary)
    assert set(changes) <= {k for k, _ in fields}, "tamper only with fields the form sends"
    data = [(k, changes.get(k, v)) for k, v in fields]
    return client.post(SHEET_ACTION, data=MultiDict(data))


def crafted_post(client: FlaskClient, summary: TestResponse, **changes: str) -> TestResponse:
    """A POST to the sheet built from the "Change answers" form (for summaries that offer no
    sheet button): the same answers and real CSRF token, with ``changes`` applied."""
    forms = [f for f in parse(summary).forms if f[0].get("action") == "/edit"]
    assert len(forms) == 1
    assert set(changes) <= {k for k, _ in forms[0][1]}
    data = [(k, changes.get(k, v)) for k, v in forms[0][1]]
    return client.post(SHEET_ACTION, data=MultiDict(data))


def for_you(response: TestResponse) -> dict[str, str]:
    """The "Just for you" box's lines by key ({} when the box is absent)."""
    body = response.get_data(as_text=True)
    found = re.findall(r'<li class="for-you-([a-z_]+)">(.*?)</li>', body, flags=re.S)
    return {key: " ".join(html.unescape(text).split()) for key, text in found}


RECENT_OPIOID = {
    "opioid_use": "recent",
    "opioid_type": "short_acting",
    "last_opioid_dose_on": YESTERDAY.isoformat(),
}


# --- The button on the summary -------------------------------------------------------------


def test_the_summary_posts_the_sheet_into_a_new_tab_with_the_real_token(
    client: FlaskClient,
) -> None:
    summary = post_screening(client)
    attrs, fields, label = sheet_form(summary)
    assert attrs["method"] == "post"
    assert attrs["target"] == "_blank"
    assert "noopener" in (attrs["rel"] or "").split()
    assert label == "Counselling sheet (opens in a new tab)"
    names = [k for k, _ in fields]
    assert names.count("csrf_token") == 1
    assert dict(fields)["csrf_token"] == csrf_token(summary.get_data(as_text=True))
    response = post_sheet(client, summary)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = check_page(response.get_data(as_text=True))
    assert page.title.startswith(SHEET_H1)


def test_no_address_on_the_summary_or_the_sheet_carries_patient_data(
    client: FlaskClient,
) -> None:
    start = today() + dt.timedelta(days=20)
    surgery = start + dt.timedelta(days=40)
    summary = post_screening(
        client,
        **RECENT_OPIOID,
        start_on=start.isoformat(),
        surgery_planned="yes",
        surgery_on=surgery.isoformat(),
        formulation="liquid",
    )
    assert summary.status_code == 200
    sheet = post_sheet(client, summary)
    assert sheet.status_code == 200
    dates = {d.isoformat() for d in (start, surgery, YESTERDAY)}
    for response in (summary, sheet):
        parsed = parse(response)
        addresses = parsed.hrefs + [f[0].get("action") or "" for f in parsed.forms]
        assert addresses
        for address in addresses:
            parts = urlsplit(html.unescape(address))
            if not parts.netloc:  # the app's own addresses carry no query at all
                assert not parts.query, address
            assert not any(d in address for d in dates), address
            assert "/sheet/print" not in address, address
    assert not any(f[0].get("method") == "get" for f in parse(summary).forms)


@pytest.mark.parametrize(
    ("answers", "label"),
    [
        ({}, "Counselling sheet"),
        ({"surgery_planned": "unsure"}, "Print after the prescriber approves"),
        (
            RECENT_OPIOID,
            f"Counselling sheet (plan from {fmt_date(YESTERDAY + dt.timedelta(days=10))})",
        ),
    ],
    ids=["eligible", "review", "not-yet"],
)
def test_the_button_says_when_the_sheet_may_be_given(
    client: FlaskClient, answers: dict[str, str], label: str
) -> None:
    summary = post_screening(client, **answers)
    assert summary.status_code == 200
    assert sheet_form(summary)[2] == f"{label} (opens in a new tab)"


def test_no_sheet_button_when_no_start_is_possible(client: FlaskClient) -> None:
    summary = post_screening(client, naltrexone_allergy="yes")
    assert "Do not start" in text_of(summary)
    assert no_sheet_form(summary)
    assert "opens in a new tab" not in text_of(summary)
    assert "Print after the prescriber approves" not in text_of(summary)


# --- A POST the rules refuse ------------------------------------------------------------------


@pytest.mark.parametrize(
    "tampering",
    [
        # A ticked condition changes its checklist too, as the form would send it.
        {"naltrexone_allergy": "yes", "safety_conditions": "naltrexone_allergy"},
        {"opioid_use": "current", "opioid_type": "short_acting", "ultra_low_dose_protocol": "no"},
        {
            "acute_hepatitis_or_liver_failure": "yes",
            "safety_conditions": "acute_hepatitis_or_liver_failure",
        },
    ],
    ids=["allergy", "opioid-now", "hepatitis"],
)
def test_a_crafted_post_for_a_do_not_start_patient_gets_no_sheet(
    client: FlaskClient, tampering: dict[str, str]
) -> None:
    # The button of an eligible summary, with answers changed to a "do not start" patient.
    summary = post_screening(client)
    response = post_sheet(client, summary, **tampering)
    assert response.status_code == 422
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    page = check_page(body)
    assert page.title.startswith("No counselling sheet for this screening")
    assert SHEET_H1 not in body
    assert 'class="calendar' not in body
    assert "do not start" in text_of(response)
    assert "Traceback" not in body


def test_answers_that_contradict_their_checklist_get_the_form_back_not_a_sheet(
    client: FlaskClient,
) -> None:
    # "None of these apply" with an allergy ticked: the form's own conflict check, so no sheet.
    summary = post_screening(client)
    response = post_sheet(client, summary, naltrexone_allergy="yes")
    assert response.status_code == 400
    assert SHEET_H1 not in response.get_data(as_text=True)


def test_a_do_not_start_summary_s_own_answers_get_no_sheet(client: FlaskClient) -> None:
    summary = post_screening(client, naltrexone_allergy="yes")
    response = crafted_post(client, summary)
    assert response.status_code == 422
    assert SHEET_H1 not in response.get_data(as_text=True)


def test_a_stop_before_the_first_dose_gets_no_sheet(client: FlaskClient) -> None:
    # Surgery two days after the start: LDN would stop before the first dose.
    start = today() + dt.timedelta(days=5)
    summary = post_screening(
        client,
        start_on=start.isoformat(),
        surgery_planned="yes",
        surgery_on=(start + dt.timedelta(days=2)).isoformat(),
    )
    assert no_sheet_form(summary)
    response = crafted_post(client, summary)
    assert response.status_code == 422
    assert "too soon after the start" in text_of(response)


def test_a_post_without_a_token_is_refused(client: FlaskClient) -> None:
    summary = post_screening(client)
    _, fields, _ = sheet_form(summary)
    data = MultiDict([(k, v) for k, v in fields if k != "csrf_token"])
    response = client.post(SHEET_ACTION, data=data)
    assert response.status_code == 400
    assert SHEET_H1 not in response.get_data(as_text=True)


def test_an_old_token_brings_the_answers_back_not_a_sheet(client: FlaskClient) -> None:
    summary = post_screening(client, age_years="61")
    response = post_sheet(client, summary, csrf_token="not-the-token")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert SHEET_H1 not in body
    assert 'id="age_years" name="age_years"' in body and 'value="61"' in body
    assert "Error: " in body[: body.index("</title>")]


def test_answers_gone_out_of_date_bring_the_form_back(client: FlaskClient) -> None:
    # A summary from yesterday: its start date is now in the past.
    summary = post_screening(client)
    response = post_sheet(client, summary, start_on=YESTERDAY.isoformat())
    assert response.status_code == 400
    assert SHEET_H1 not in response.get_data(as_text=True)
    assert "No sheet was made" in text_of(response)


def test_get_of_the_post_address_is_the_house_405(client: FlaskClient) -> None:
    response = client.get(SHEET_ACTION)
    assert response.status_code == 405


# --- What the sheet says about this patient ---------------------------------------------------


def test_an_eligible_capsule_patient_gets_no_patient_lines(client: FlaskClient) -> None:
    response = post_sheet(client, post_screening(client))
    assert response.status_code == 200
    assert for_you(response) == {}
    assert "Just for you" not in text_of(response)


def test_no_opioids_before_the_start_while_the_interval_runs(client: FlaskClient) -> None:
    summary = post_screening(client, **RECENT_OPIOID)
    response = post_sheet(client, summary)
    assert response.status_code == 200
    start = YESTERDAY + dt.timedelta(days=DEFAULT_SETTINGS.washout_days_short_acting)
    lines = for_you(response)
    assert set(lines) == {"no_opioids"}
    assert lines["no_opioids"].startswith(f"Take no opioid medicines before {fmt_date(start)}.")
    # The calendar starts on that day too.
    assert f"Starts {fmt_date(start)}." in text_of(response)


def test_no_opioid_line_once_the_interval_is_over(client: FlaskClient) -> None:
    long_ago = today() - dt.timedelta(days=DEFAULT_SETTINGS.washout_days_short_acting + 5)
    summary = post_screening(
        client, **{**RECENT_OPIOID, "last_opioid_dose_on": long_ago.isoformat()}
    )
    response = post_sheet(client, summary)
    assert response.status_code == 200
    assert "no_opioids" not in for_you(response)


def test_the_thyroid_line_is_the_findings_sentence(client: FlaskClient) -> None:
    with_thyroid = post_sheet(client, post_screening(client, thyroid_condition="yes"))
    assert with_thyroid.status_code == 200
    assert for_you(with_thyroid) == {"thyroid": CATALOGUE["thyroid"].patient_text}
    assert "every 2 to 3 months" in for_you(with_thyroid)["thyroid"]
    assert "Gentle schedule" in text_of(with_thyroid)
    without = post_sheet(client, post_screening(client, thyroid_condition="no"))
    assert "thyroid" not in for_you(without)


def test_the_liquid_strength_line_follows_the_settings(app: Flask, client: FlaskClient) -> None:
    store = app.extensions["ldn_settings"]
    values = {**store.read().active.settings.as_dict(), "liquid_mg_per_ml": 2.5}
    store.publish(values, "test", "2.5 mg per mL liquid", based_on=1)
    response = post_sheet(client, post_screening(client, formulation="liquid"))
    assert response.status_code == 200
    assert for_you(response) == {
        "liquid": "Your liquid has 2.5 mg of LDN in each mL. Check that the pharmacy label says "
        "the same. If it does not, call the clinic before you take any."
    }
    capsules = post_sheet(client, post_screening(client, formulation="capsule"))
    assert "liquid" not in for_you(capsules)


@pytest.mark.parametrize("hold", [3, 5])
@pytest.mark.parametrize(
    ("days_after_start", "verdict"),
    [(10, "Prescriber review needed"), (40, "Eligible to start"), (150, "Eligible to start")],
    ids=["during-titration", "after-titration", "after-the-review"],
)
def test_the_surgery_line_dates_the_stop_from_the_settings(
    app: Flask, client: FlaskClient, hold: int, days_after_start: int, verdict: str
) -> None:
    store = app.extensions["ldn_settings"]
    if hold != DEFAULT_SETTINGS.surgery_hold_days:
        values = {**store.read().active.settings.as_dict(), "surgery_hold_days": hold}
        store.publish(values, "test", "hold", based_on=1)
    settings = store.read().active.settings
    start = today() + dt.timedelta(days=3)
    surgery = start + dt.timedelta(days=days_after_start)
    summary = post_screening(
        client, start_on=start.isoformat(), surgery_planned="yes", surgery_on=surgery.isoformat()
    )
    assert verdict in text_of(summary)
    response = post_sheet(client, summary)
    assert response.status_code == 200
    stop_from, last_dose = surgery_stop_dates(settings, surgery)
    assert stop_from == surgery - dt.timedelta(days=hold)
    line = for_you(response)["surgery"]
    assert line.startswith(
        f"Your operation is on {fmt_date(surgery)}. Stop LDN on {fmt_date(stop_from)}, {hold} "
        f"days before it: take your last dose on {fmt_date(last_dose)}."
    )
    # Inside the calendar, the calendar's stop row marks the same stop and says how to
    # restart; after it, the line says so itself.
    plan = build_dose_plan(settings, Schedule.STANDARD, Formulation.CAPSULE, start)
    in_calendar = surgery <= plan.review_on
    assert ('class="surgery-stop"' in response.get_data(as_text=True)) is in_calendar
    if in_calendar:
        assert line.endswith("The Stop row of your calendar says when to start again.")
        assert "Start again only when the clinic tells you" in text_of(response)
    else:
        assert "Start again only when you no longer need opioid pain medicines" in line


def test_surgery_before_the_start_says_opioids_may_move_it(client: FlaskClient) -> None:
    surgery = today() + dt.timedelta(days=2)
    start = surgery + dt.timedelta(days=DEFAULT_SETTINGS.surgery_review_days_before_start + 5)
    summary = post_screening(
        client, start_on=start.isoformat(), surgery_planned="yes", surgery_on=surgery.isoformat()
    )
    response = post_sheet(client, summary)
    assert response.status_code == 200
    line = for_you(response)["surgery"]
    assert line.startswith(f"Your operation on {fmt_date(surgery)} comes before your LDN starts.")
    assert "Stop LDN" not in line


def test_every_line_at_once_in_page_order(client: FlaskClient) -> None:
    surgery = today() + dt.timedelta(days=40)
    summary = post_screening(
        client,
        **RECENT_OPIOID,
        surgery_planned="yes",
        surgery_on=surgery.isoformat(),
        thyroid_condition="yes",
        formulation="liquid",
    )
    response = post_sheet(client, summary)
    assert response.status_code == 200
    assert list(for_you(response)) == ["no_opioids", "surgery", "thyroid", "liquid"]
    body = response.get_data(as_text=True)
    # The box comes right after the sheet's header, before the first numbered section.
    assert body.index("</header>", body.index("sheet-head")) < body.index('id="h-for-you"')
    assert body.index('id="h-for-you"') < body.index('id="h-about"')


def test_the_sheet_runs_the_rules_again_rather_than_trusting_the_summary(
    client: FlaskClient,
) -> None:
    # The posted answers decide, through screen(): a thyroid answer added to the post shows.
    summary = post_screening(client)
    response = post_sheet(
        client, summary, thyroid_condition="yes", safety_conditions="thyroid_condition"
    )
    assert response.status_code == 200
    assert "thyroid" in for_you(response)


# --- Review, versions and clinic details -------------------------------------------------------


def test_a_review_sheet_tells_staff_to_wait_for_the_prescriber(client: FlaskClient) -> None:
    response = post_sheet(client, post_screening(client, surgery_planned="unsure"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    tools = body[body.index('class="sheet-tools no-print"') : body.index("<article")]
    assert "only after the prescriber has reviewed" in html.unescape(tools)
    eligible = post_sheet(client, post_screening(client)).get_data(as_text=True)
    assert "only after the prescriber" not in eligible


def test_the_sheet_uses_the_current_settings_and_says_when_they_changed(
    app: Flask, client: FlaskClient
) -> None:
    summary = post_screening(client)
    store = app.extensions["ldn_settings"]
    values = {**store.read().active.settings.as_dict(), "standard_start_dose_mg": 1.0}
    values["standard_step_mg"] = 1.0
    store.publish(values, "test", "smaller steps", based_on=1)
    response = post_sheet(client, summary)
    assert response.status_code == 200
    text = text_of(response)
    assert "The summary used settings version 1; this sheet uses the current version, 2" in text
    assert "Start with 1 mg a day" in text
    assert f"For staff: settings version 2 of {fmt_date(today())}." in text
    # Without a change, no such warning.
    fresh = post_sheet(client, post_screening(client))
    assert "The summary used settings version" not in text_of(fresh)


def test_the_calendar_is_the_rules_plan(client: FlaskClient) -> None:
    start = today() + dt.timedelta(days=4)
    answers: dict[str, Any] = {"start_on": start.isoformat(), "schedule": "gentle"}
    response = post_sheet(client, post_screening(client, **answers))
    assert response.status_code == 200
    plan = build_dose_plan(DEFAULT_SETTINGS, Schedule.GENTLE, Formulation.CAPSULE, start)
    body = response.get_data(as_text=True)
    assert body.count('<tr>\n          <th scope="row">') == len(plan.steps)
    assert f"Review {fmt_date(plan.review_on)}" in text_of(response)


def test_clinic_details_missing_warns_on_the_chooser_and_admin_home(
    app: Flask, client: FlaskClient
) -> None:
    create_admin(app)
    login(client)
    for path in ("/sheet", "/admin/"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = text_of(response)
        assert "Clinic details missing. The clinic's name and phone number are not set" in text
    admin_home = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/settings#clinic_name"' in admin_home
    store = app.extensions["ldn_settings"]
    store.publish(
        {**store.read().active.settings.as_dict(), "clinic_name": "Riverside Clinic"},
        "test",
        "clinic name",
        based_on=1,
    )
    text = text_of(client.get("/sheet"))
    assert "The clinic's phone number is not set in the settings" in text
    store.publish(
        {**store.read().active.settings.as_dict(), "clinic_phone": "555-0100"},
        "test",
        "clinic phone",
        based_on=2,
    )
    for path in ("/sheet", "/admin/"):
        assert "Clinic details missing" not in text_of(client.get(path)), path


def test_the_patient_sheet_prints_the_clinic_phone_or_a_line_for_it(
    app: Flask, client: FlaskClient
) -> None:
    blank = post_sheet(client, post_screening(client))
    assert 'Call the clinic (the number is under "Your clinic")' in text_of(blank)
    assert "Phone (write the number in)" in text_of(blank)
    store = app.extensions["ldn_settings"]
    store.publish(
        {**store.read().active.settings.as_dict(), "clinic_phone": "555-0100"},
        "test",
        "clinic phone",
        based_on=1,
    )
    filled = post_sheet(client, post_screening(client))
    assert "Call the clinic on 555-0100, or call your emergency number" in text_of(filled)
    assert "write the number in" not in text_of(filled)


def test_the_chooser_shows_the_version_in_the_staff_footer(client: FlaskClient) -> None:
    body = client.get("/sheet").get_data(as_text=True)
    main = body[body.index("<main") : body.index("</main>")]
    footer = body[body.index('<footer class="site-footer">') :]
    assert "version 1 of" not in main  # the version is for staff, in the footer
    assert "For staff: sheets made here use the current settings, version 1 of" in footer


def test_the_sheet_and_the_summary_give_the_same_start(client: FlaskClient) -> None:
    summary = post_screening(client, **RECENT_OPIOID)
    start = YESTERDAY + dt.timedelta(days=DEFAULT_SETTINGS.washout_days_short_acting)
    assert f"not before {fmt_date(start)}" in text_of(summary)
    assert f"Starts {fmt_date(start)}." in text_of(post_sheet(client, summary))
