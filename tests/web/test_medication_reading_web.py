"""The medication list through the real form: the per-line table, the fail-closed prompt and the
clinician's one-click confirmation, each posted with the page's CSRF token."""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser

from flask.testing import FlaskClient

from tests.helpers import check_error_page, post_screening, today


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


class _Forms(HTMLParser):
    """Every form on a page: its action and the inputs it would post."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]], str]] = []
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((a.get("action", ""), [], ""))
        elif tag == "input" and self.forms and "name" in a:
            self.forms[-1][1].append((a["name"], a.get("value", "")))
        elif tag == "button" and self.forms:
            self._in_button = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = False

    def handle_data(self, data: str) -> None:
        if self._in_button and self.forms:
            action, fields, label = self.forms[-1]
            self.forms[-1] = (action, fields, label + data)


def confirm_form(page: str) -> tuple[str, list[tuple[str, str]]]:
    parser = _Forms()
    parser.feed(page)
    found = [(a, f) for a, f, label in parser.forms if label.strip().startswith("Confirm:")]
    assert len(found) == 1, [label for _, _, label in parser.forms]
    return found[0]


def test_every_line_is_shown_with_its_reading_opioid_lines_first(client: FlaskClient) -> None:
    meds = "duloxetine 60 mg daily\nAllergies: codeine (rash)\noxy ER 20 bid\nvitamin D3 1000 IU"
    response = post_screening(client, medication_list=meds)
    body = text_of(response)
    assert "Medication list: how each line was read" in body
    table = body[body.index("how each line was read") :]
    rows = re.findall(r'<tr class="med-(\w+)"', table)
    assert rows[0] == "opioid"  # the opioid line comes first, whatever its place in the list
    assert rows.count("allergy") == 1
    assert "Prescriber review needed" in body  # "No opioids" + an opioid line: never eligible
    assert "oxy ER 20 bid" in body and "long-acting" in body


def test_an_unread_medicine_line_holds_the_verdict_until_confirmed(client: FlaskClient) -> None:
    meds = "duloxetine 60 mg daily\nZyxoprine 10 mg bid"
    first = post_screening(client, medication_list=meds)
    body = text_of(first)
    assert "Prescriber review needed" in body
    assert "could not be read" in body
    assert "no opioid found" not in body.lower()

    action, fields = confirm_form(first.get_data(as_text=True))
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    assert data["confirmed_not_opioid_lines"] == ["Zyxoprine 10 mg bid"]
    assert "If you have checked this line and it is not an opioid, confirm it" in body
    assert data["csrf_token"][0]  # the real token, carried from the page

    second = client.post(action, data=data)
    assert second.status_code == 200
    confirmed = text_of(second)
    assert "Screening result: Eligible to start" in confirmed
    assert "Confirmed by the clinician as not opioids:" in confirmed
    assert "line 2: Zyxoprine 10 mg bid" in confirmed
    assert "Confirm:" not in confirmed  # nothing left to confirm


def test_a_confirmation_does_not_carry_over_to_a_changed_line(client: FlaskClient) -> None:
    response = post_screening(
        client,
        medication_list="Zyxoprine 10 mg bid\nQuarbelon 5 mg daily",
        confirmed_not_opioid_lines="Zyxoprine 10 mg bid",
    )
    body = text_of(response)
    assert "Prescriber review needed" in body
    assert "Quarbelon 5 mg daily" in body and "could not be read" in body


def test_a_confirmation_never_overrides_an_opioid_reading(client: FlaskClient) -> None:
    response = post_screening(
        client,
        medication_list="oxycodone 5 mg q6h prn",
        confirmed_not_opioid_lines="oxycodone 5 mg q6h prn",
    )
    assert "Prescriber review needed" in text_of(response)


def test_methadone_in_the_list_is_do_not_start_whatever_the_answer(client: FlaskClient) -> None:
    response = post_screening(
        client,
        opioid_use="recent",
        opioid_type="short_acting",
        last_opioid_dose_on=(today() - dt.timedelta(days=60)).isoformat(),
        medication_list="methadone 80 mg daily",
    )
    body = text_of(response)
    assert "Do not start" in body


def test_chart_note_lists_opioid_and_unread_lines(client: FlaskClient) -> None:
    response = post_screening(
        client, medication_list="tramadol 50 mg q6h prn\nZyxoprine 10 mg bid\ngabapentin 300 mg"
    )
    note = re.search(
        r'<textarea[^>]*id="chart-note"[^>]*>(.*?)</textarea>', text_of(response), re.S
    )
    assert note is not None
    text = note.group(1)
    assert "Medication list, opioid lines:" in text and "tramadol 50 mg q6h prn" in text
    assert "Medication list, lines not recognised:" in text and "Zyxoprine 10 mg bid" in text
    assert "gabapentin" not in text.split("Medication list, opioid lines:")[1].split("\n")[1]


def test_no_opioids_with_a_last_dose_date_is_a_form_error(client: FlaskClient) -> None:
    last = (today() - dt.timedelta(days=5)).isoformat()
    response = post_screening(client, opioid_use="none", last_opioid_dose_on=last)
    raw = check_error_page(
        response,
        "opioid_use",
        "You selected 'No opioids' but also gave a date of the last opioid dose",
    )
    assert f'value="{last}"' in raw  # every answer kept
    assert "Screening result" not in raw


def test_no_opioids_with_an_opioid_type_is_a_form_error(client: FlaskClient) -> None:
    response = post_screening(client, opioid_use="none", opioid_type="long_acting")
    assert "but also gave an opioid type" in text_of(response)


def test_stopped_with_the_date_unknown_and_no_date_is_review(client: FlaskClient) -> None:
    response = post_screening(client, opioid_use="recent_date_unknown")
    body = text_of(response)
    assert "Prescriber review needed" in body
    assert "Opioid stopped on a date nobody can confirm" in body


def test_stopped_with_the_date_unknown_counts_from_the_vouched_date(client: FlaskClient) -> None:
    since = today() - dt.timedelta(days=11)
    response = post_screening(
        client, opioid_use="recent_date_unknown", opioid_free_since=since.isoformat()
    )
    body = text_of(response)
    assert "Not yet" in body
    assert "the longer interval is counted from the date the patient was certainly" in body


def test_a_future_vouched_date_is_refused_at_the_field(client: FlaskClient) -> None:
    response = post_screening(
        client,
        opioid_use="recent_date_unknown",
        opioid_free_since=(today() + dt.timedelta(days=3)).isoformat(),
    )
    assert "must be today or in the past" in text_of(response)


def test_ultra_low_dose_protocol_shows_no_plan_and_no_sheet(client: FlaskClient) -> None:
    response = post_screening(
        client, opioid_use="current", opioid_type="long_acting", ultra_low_dose_protocol="yes"
    )
    raw = response.get_data(as_text=True)
    body = text_of(response)
    assert "Prescriber review needed" in body
    assert "outside what this tool calculates" in body
    assert "Titration calendar" not in body and "Dose plan" not in body
    assert "/sheet/print" not in raw
    note = body[body.index('id="chart-note"') : body.index("</textarea>")]
    assert " mg" not in note.replace("1 microgram", "")


def test_no_surgery_with_a_surgery_date_is_a_form_error(client: FlaskClient) -> None:
    when = (today() + dt.timedelta(days=9)).isoformat()
    response = post_screening(client, surgery_planned="no", surgery_on=when)
    raw = check_error_page(
        response,
        "surgery_planned",
        "You selected 'No' but also gave a date of planned surgery",
    )
    assert f'value="{when}"' in raw  # the date is kept for the clinician to correct
