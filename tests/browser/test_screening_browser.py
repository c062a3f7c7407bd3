"""A clinician completes the screening by keyboard only; axe finds no serious violations."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import screenshot, serious_axe_violations
from tests.browser.keyboard import (
    answer_the_safety_questions_no,
    choose_radio_by_keyboard,
    type_into,
)

pytestmark = pytest.mark.browser


def test_keyboard_only_screening_reaches_the_verdict(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    page.keyboard.press("Tab")  # skip link first
    expect(page.locator(".skip-link")).to_be_focused()
    type_into(page, "age_years", "52")
    choose_radio_by_keyboard(page, "fibromyalgia_diagnosed", "Yes")
    choose_radio_by_keyboard(page, "opioid_use", "Stopped recently")
    # The conditional questions appear once "Stopped recently" is chosen.
    expect(page.locator("#opioid_type")).to_be_visible()
    choose_radio_by_keyboard(page, "opioid_type", "Short-acting (immediate-release)")
    page.keyboard.press("Tab")
    # Chromium's date field takes month, day and year in the en-US locale.
    long_ago = dt.date.today() - dt.timedelta(days=60)  # the interval is complete
    page.keyboard.type(long_ago.strftime("%m%d%Y"))
    answer_the_safety_questions_no(page, medication_list="duloxetine 60 mg daily")
    choose_radio_by_keyboard(page, "formulation", "Liquid")
    choose_radio_by_keyboard(page, "schedule", "Standard")
    type_into(page, "baseline_pain_nrs", "7")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    errors = page.locator(".error-summary")
    assert errors.count() == 0, errors.inner_text()
    expect(page.locator("h1")).to_contain_text("Screening result: Eligible to start")
    calendar = page.locator("table", has=page.locator("caption", has_text="Titration calendar"))
    expect(calendar).to_contain_text("1.5 mL")
    screenshot(page, "screening-summary-eligible")


def test_errors_are_announced_and_linked(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    page.get_by_role("button", name="Screen patient").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.title().startswith("Error: ")
    summary.get_by_role("link", name="Select whether the patient takes any opioid medicine").click()
    expect(page.locator("#opioid_use")).to_be_focused()
    screenshot(page, "screening-form-errors")


def test_conditional_questions_hide_without_the_answer_that_needs_them(
    page: Page, live_server: str
) -> None:
    page.goto(live_server + "/")
    expect(page.locator("#last_opioid_dose_on")).to_be_hidden()
    page.locator('label[for="opioid_use-2"]').click()  # Stopped recently
    expect(page.locator("#last_opioid_dose_on")).to_be_visible()


@pytest.mark.parametrize("state", ["empty", "errors", "summary"])
def test_no_serious_axe_violations(axe_page: Page, live_server: str, state: str) -> None:
    axe_page.goto(live_server + "/")
    if state == "errors":
        axe_page.get_by_role("button", name="Screen patient").click()
        expect(axe_page.locator(".error-summary")).to_be_visible()
    elif state == "summary":
        fill_valid(axe_page)
        axe_page.get_by_role("button", name="Screen patient").click()
        expect(axe_page.locator("h1")).to_contain_text("Screening result")
    assert serious_axe_violations(axe_page) == []


def fill_valid(page: Page) -> None:
    page.fill("#age_years", "45")
    for name, value in {
        "fibromyalgia_diagnosed": "yes",
        "opioid_use": "none",
        "opioid_conditions": "none",
        "safety_conditions": "surgery_planned",
        "surgery_planned": "unsure",
        "formulation": "capsule",
        "schedule": "standard",
    }.items():
        page.check(f'input[name="{name}"][value="{value}"]')
    page.fill("#medication_list", "tramadol 50 mg q6h prn\nduloxetine 60 mg")
    page.fill("#baseline_pain_nrs", "6")
