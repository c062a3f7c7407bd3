"""Keyboard only, end to end: screening form → summary → counselling sheet.

Only Tab, Space, the arrow keys, typing and Enter are used (no clicks, no ``focus()``), so a
control that cannot be reached or used from the keyboard fails the test. The sheet must show
the same dose plan as the summary, and both must match the rules package's own plan for the
same answers, so two pages that agreed on a wrong plan would still fail.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from ldn_screen.rules import Formulation, Schedule
from ldn_screen.rules.dosing import build_dose_plan
from ldn_screen.rules.units import fmt_date, fmt_mg, fmt_ml
from ldn_screen.web.forms.screening import CONDITION_GROUPS, QUESTIONS
from tests.browser.helpers import screenshot
from tests.browser.keyboard import (
    CountingKeyboard,
    answer_the_safety_questions_no,
    choose_radio_by_keyboard,
    tab_until,
    type_date,
    type_into,
    walk_form,
)

pytestmark = pytest.mark.browser

# A start a week ahead, so the plan's dates cannot coincide with today's by accident.
START = dt.date.today() + dt.timedelta(days=7)

# (step, from, to or None for "until the review", daily dose, liquid volume)
Row = tuple[str, str, str | None, str, str]


def summary_rows(page: Page) -> list[Row]:
    """The titration calendar of the screening summary, cell by cell."""
    rows: list[Row] = []
    table = page.locator("section[aria-labelledby='h-plan'] table tbody tr")
    for i in range(table.count()):
        cells = [c.strip() for c in table.nth(i).locator("td").all_inner_texts()]
        step, starts, ends, dose, volume = cells
        rows.append((step, starts, None if ends == "until the review" else ends, dose, volume))
    return rows


def sheet_rows(page: Page) -> list[Row]:
    """The patient sheet's dose calendar, in the same shape as ``summary_rows``."""
    rows: list[Row] = []
    table = page.locator(".calendar tbody tr:not(.review-row)")
    for i in range(table.count()):
        row = table.nth(i)
        step = row.locator("th").inner_text().strip()
        dates = row.locator("td.dates").inner_text().strip()
        starts, _, ends = dates.partition(" to ")
        dose, volume = (c.strip() for c in row.locator("td.dose").all_inner_texts())
        rows.append((step, starts, None if ends == "your review" else ends, dose, volume))
    return rows


def test_keyboard_only_screening_to_summary_to_sheet(
    page: Page, live_server: str, live_app: Flask
) -> None:
    page.goto(live_server + "/")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.locator(".skip-link")).to_be_focused()

    type_into(page, "age_years", "38")
    choose_radio_by_keyboard(page, "fibromyalgia_diagnosed", "Yes")
    choose_radio_by_keyboard(page, "opioid_use", "No opioids")
    answer_the_safety_questions_no(
        page, medication_list="duloxetine 60 mg daily\npregabalin 75 mg twice daily"
    )
    type_date(page, "start_on", START)
    # Gentle and liquid: the longest calendar (nine steps) and a volume column to compare.
    choose_radio_by_keyboard(page, "formulation", "Liquid")
    choose_radio_by_keyboard(page, "schedule", "Gentle (smaller, slower steps)")
    type_into(page, "baseline_pain_nrs", "6")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits the form from the last text field

    errors = page.locator(".error-summary")
    assert errors.count() == 0, errors.inner_text()
    expect(page.locator("h1")).to_have_text("Screening result: Eligible to start")
    screenshot(page, "keyboard-path-summary")

    # The plan the rules package makes for these answers with the server's current settings.
    current = live_app.extensions["ldn_settings"].read().active
    plan = build_dose_plan(current.settings, Schedule.GENTLE, Formulation.LIQUID, START)
    expected: list[Row] = [
        (
            str(s.number),
            fmt_date(s.starts_on),
            fmt_date(s.ends_on) if s.ends_on else None,
            fmt_mg(s.dose_mg),
            fmt_ml(s.volume_ml or 0),
        )
        for s in plan.steps
    ]
    assert len(expected) >= 2  # a real titration, not a single row that trivially matches
    on_summary = summary_rows(page)
    assert on_summary == expected
    summary_text = page.locator("main").inner_text()
    assert f"Review on {fmt_date(plan.review_on)}" in " ".join(summary_text.split())
    meta = page.locator("p.meta").inner_text()
    version = re.search(r"settings version (\d+) of", meta)
    assert version, meta
    assert int(version.group(1)) == current.number

    # Reach the sheet button with Tab alone, as a keyboard user would, and press Enter. The
    # header's "Counselling sheet" (the blank chooser) is a link; the plan's is a button in
    # <main> that posts the answers into a new tab.
    tab_until(
        page,
        "el => el.tagName === 'BUTTON' && el.textContent.trim().startsWith('Counselling sheet')"
        " && !!el.closest('main')",
        "the summary's Counselling sheet button",
    )
    with page.context.expect_page() as new_tab:
        page.keyboard.press("Enter")
    summary = page
    page = new_tab.value
    expect(page.locator("h1")).to_have_text("Your low-dose naltrexone (LDN) plan")
    assert "?" not in page.url  # nothing about the plan in the address
    expect(summary.locator("h1")).to_have_text("Screening result: Eligible to start")
    screenshot(page, "keyboard-path-sheet")

    assert sheet_rows(page) == on_summary
    sheet_meta = " ".join(page.locator(".sheet-meta").inner_text().split())
    assert f"Starts {fmt_date(START)}." in sheet_meta
    assert f"Review {fmt_date(plan.review_on)}." in sheet_meta
    # The sheet uses the very settings version the summary used (in the staff footer line).
    staff = page.locator("footer .staff-meta").inner_text()
    assert f"settings version {current.number} of" in staff


# The common case: a patient with no contraindication, no opioid, no medication list pasted
# (it is optional), the start date left at today, capsules on the standard schedule.
COMMON_CASE = {
    "age_years": "38",
    "fibromyalgia_diagnosed": "yes",
    "opioid_use": "none",
    "opioid_conditions": "none",
    "safety_conditions": "none",
    "formulation": "capsule",
    "schedule": "standard",
    "baseline_pain_nrs": "6",
}
MOST_KEY_PRESSES = 25


def test_the_common_case_takes_at_most_25_key_presses(page: Page, live_server: str) -> None:
    """Every key press counts: each Tab, Space, arrow and Enter, and each typed character.

    The shortest keyboard path through the form, as ``walk_form`` takes it:

    ====================================================  =====
    Tab, Enter: the skip link, past the site header           2
    Tab, "3", "8": age                                        3
    Tab, Space: fibromyalgia diagnosed, "Yes"                 2
    Tab, Space: opioids, "No opioids"                         2
    Tab, Space: opioid checklist, "None of these apply"       2
    Tab: medication list, optional, left empty                1
    Tab, Space: safety checklist, "None of these apply"       2
    Tab x 4: start date, already today (month, day, year
      and the calendar button are each a stop in Chromium)    4
    Tab, Space: capsule                                       2
    Tab, Space: standard schedule                             2
    Tab, "6": pain                                            2
    Enter: sends the form from the pain field                 1
    ====================================================  =====

    25 presses, 14 of them Tab. The form before the checklists took 52 presses (28 Tab) on
    the same path: 15 yes/no/not-sure questions at 2 presses each (Tab, then an arrow to
    "No"), the criteria's summary and the submit button on the way. Tabbing through the
    site header instead of using the skip link adds 4 Tabs and removes the Enter.
    """
    page.goto(live_server + "/")
    keys = CountingKeyboard(page)
    walk_form(page, keys, COMMON_CASE, submit_from="baseline_pain_nrs")
    print(f"common case: {keys.keys} key presses, {keys.tabs} Tab")
    errors = page.locator(".error-summary")
    assert errors.count() == 0, errors.inner_text()
    expect(page.locator("h1")).to_have_text("Screening result: Eligible to start")
    assert keys.keys <= MOST_KEY_PRESSES, f"{keys.keys} key presses ({keys.tabs} Tab)"
    # "None of these apply" recorded an explicit "No" for every question of both lists.
    for group in CONDITION_GROUPS:
        for name in group.items:
            row = page.locator(".summary-row", has=page.locator("dt", has_text=QUESTIONS[name]))
            expect(row.locator("dd")).to_have_text("No")
