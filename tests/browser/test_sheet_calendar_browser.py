"""The calendar file in real Chromium: the printed QR code keeps the sheet on two pages, the
download is reached by keyboard without JavaScript, and what arrives is the plan's file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from icalendar import Calendar
from playwright.sync_api import Browser, Page, expect

from ldn_screen.app import create_app
from ldn_screen.rules import Formulation, Schedule
from ldn_screen.rules.dose_reminders import QR_CAPTION
from ldn_screen.rules.dosing import build_dose_plan
from ldn_screen.rules.units import fmt_date
from tests.browser.helpers import screenshot, serious_axe_violations, serve
from tests.browser.keyboard import tab_until
from tests.browser.test_accessibility_sweep import fill_answers
from tests.browser.test_sheet_print import (
    START,
    assert_rows_whole,
    print_on_two_pages,
    sheet_query,
)

pytestmark = pytest.mark.browser

PUBLIC = "https://ldn.clinic.example"
MM_PER_CSS_PX = 25.4 / 96


@pytest.fixture(scope="module")
def qr_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = create_app(
        {"INSTANCE_PATH": str(tmp_path_factory.mktemp("qr-instance")), "LDN_PUBLIC_URL": PUBLIC}
    )
    yield app
    app.extensions["ldn_engine"].dispose()


@pytest.fixture(scope="module")
def qr_server(qr_app: Flask) -> Iterator[str]:
    with serve(qr_app) as base:
        yield base


def version(app: Flask) -> int:
    number: int = app.extensions["ldn_settings"].read().active.number
    return number


@pytest.mark.parametrize("paper", ["Letter", "A4"])
@pytest.mark.parametrize("surgery", [False, True], ids=["plain", "surgery-stop"])
def test_the_sheet_with_a_qr_code_still_prints_on_two_pages(
    page: Page, qr_app: Flask, qr_server: str, paper: str, surgery: bool
) -> None:
    """The longest reprint (gentle, liquid), with the QR code beside the title."""
    settings = qr_app.extensions["ldn_settings"].read().active.settings
    path = sheet_query(Schedule.GENTLE, Formulation.LIQUID, version(qr_app))
    surgery_on = None
    if surgery:
        plain = build_dose_plan(settings, Schedule.GENTLE, Formulation.LIQUID, START)
        surgery_on = plain.target_reached_on + dt.timedelta(days=20)
        # Out of the canonical order: the app redirects to its one address for the plan.
        path += f"&surgery={surgery_on.isoformat()}"
    page.goto(qr_server + path)
    expect(page.locator("h1")).to_have_text("Your low-dose naltrexone (LDN) plan")
    qr = page.locator("figure.calendar-qr svg[role=img]")
    expect(qr).to_have_count(1)
    name = f"sheet-qr-{paper.lower()}-{'surgery' if surgery else 'plain'}"
    per_page = print_on_two_pages(page, name, paper)
    plan = build_dose_plan(
        settings, Schedule.GENTLE, Formulation.LIQUID, START, surgery_on=surgery_on
    )
    if not surgery:
        assert_rows_whole(per_page, plan, Formulation.LIQUID)
    else:
        assert plan.surgery_stop is not None and plan.surgery_stop.last_dose_on is not None
        assert f"Take your last dose on {fmt_date(plan.surgery_stop.last_dose_on)}." in " ".join(
            per_page
        )
    # The code and its words are at the top of the first page.
    assert QR_CAPTION in per_page[0]
    assert per_page[0].index(QR_CAPTION) < per_page[0].index("1. What is LDN")
    # On paper the code is 24 mm square: large enough for a phone camera.
    page.emulate_media(media="print")
    box = qr.bounding_box()
    assert box is not None
    assert abs(box["width"] * MM_PER_CSS_PX - 24) < 0.5
    assert abs(box["height"] * MM_PER_CSS_PX - 24) < 0.5
    page.emulate_media(media="screen")
    # Printing leaves out the on-screen download link, as it does every button.
    assert "Download the dose calendar" not in " ".join(per_page)


def test_the_qr_sheet_has_no_serious_axe_violations(axe_page: Page, qr_server: str) -> None:
    axe_page.goto(qr_server + sheet_query(Schedule.STANDARD, Formulation.CAPSULE, 1))
    expect(axe_page.locator("figure.calendar-qr")).to_have_count(1)
    assert serious_axe_violations(axe_page) == []
    screenshot(axe_page, "sheet-screen-qr")


def _keyboard_download(page: Page, what: str) -> Path:
    """Tab to the download control and press Enter; the file it brings, saved."""
    tab_until(
        page,
        "el => el.classList.contains('calendar-download')",
        "the calendar download",
    )
    assert "Download the dose calendar (.ics)" in page.evaluate(
        "document.activeElement.textContent"
    )
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "ldn-plan.ics"
    saved = Path(download.value.path())
    assert saved.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n"), what
    return saved


def test_the_reprint_download_works_by_keyboard_without_javascript(
    browser: Browser, live_server: str, live_app: Flask
) -> None:
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(
            live_server + sheet_query(Schedule.GENTLE, Formulation.CAPSULE, version(live_app))
        )
        saved = _keyboard_download(page, "reprint")
        events = Calendar.from_ical(saved.read_bytes()).walk("VEVENT")
        assert len(events) == 10  # nine gentle steps and the review
        # No public address on this app: no QR code.
        expect(page.locator("figure.calendar-qr")).to_have_count(0)
    finally:
        context.close()


def test_the_patient_sheet_download_posts_by_keyboard(browser: Browser, live_server: str) -> None:
    context = browser.new_context(accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(live_server + "/")
        fill_answers(page, formulation="liquid")
        page.get_by_role("button", name="Screen patient").click()
        with page.expect_popup() as popup:
            page.get_by_role("button", name="Counselling sheet").click()
        sheet = popup.value
        expect(sheet.locator("h1")).to_have_text("Your low-dose naltrexone (LDN) plan")
        # No script is involved in the download: the form posts the answers again.
        expect(sheet.locator("form.calendar-request")).to_have_attribute("method", "post")
        saved = _keyboard_download(sheet, "patient")
        events = Calendar.from_ical(saved.read_bytes()).walk("VEVENT")
        summaries = {str(e["SUMMARY"]) for e in events}
        assert "LDN review" in summaries
        assert any(s.endswith(" mL)") for s in summaries if s.startswith("LDN "))
        # The sheet is still there after the download (a download does not navigate).
        expect(sheet.locator("h1")).to_have_text("Your low-dose naltrexone (LDN) plan")
    finally:
        context.close()
