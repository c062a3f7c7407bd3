"""A clinician completes a follow-up by keyboard only; axe finds no serious violations."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import screenshot, serious_axe_violations
from tests.browser.keyboard import (
    choose_radio_by_keyboard,
    tick_by_keyboard,
    type_date,
    type_into,
)
from tests.browser.test_screening_browser import fill_valid

pytestmark = pytest.mark.browser

TODAY = dt.date.today()


def test_keyboard_only_followup_reaches_a_recommendation_and_a_new_sheet(
    page: Page, live_server: str
) -> None:
    page.goto(live_server + "/followup")
    page.keyboard.press("Tab")  # skip link first
    expect(page.locator(".skip-link")).to_be_focused()
    type_date(page, "started_on", TODAY - dt.timedelta(days=130))
    # The follow-up date is already today.
    expect(page.locator("#followup_on")).to_have_value(TODAY.isoformat())
    choose_radio_by_keyboard(page, "schedule", "Standard")
    choose_radio_by_keyboard(page, "formulation", "Liquid")
    type_into(page, "current_dose_mg", "4.5")
    choose_radio_by_keyboard(page, "dose_timing", "At night")
    choose_radio_by_keyboard(page, "target_reached", "Yes")
    expect(page.locator("#target_reached_on")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.type((TODAY - dt.timedelta(days=100)).strftime("%m%d%Y"))
    choose_radio_by_keyboard(page, "pain_method", "PEG: 3 questions, each from 0 to 10")
    expect(page.locator("#baseline_peg_pain")).to_be_visible()
    expect(page.locator("#baseline_nrs")).to_be_hidden()
    for field, value in (
        ("baseline_peg_pain", "7"),
        ("baseline_peg_enjoyment", "7"),
        ("baseline_peg_activity", "6"),
        ("current_peg_pain", "3"),
        ("current_peg_enjoyment", "4"),
        ("current_peg_activity", "3"),
    ):
        type_into(page, field, value)
    choose_radio_by_keyboard(page, "side_effects_any", "Yes")
    expect(page.locator("#side_effects")).to_be_visible()
    expect(page.locator("#severity_headache")).to_be_hidden()
    tick_by_keyboard(page, "side_effects-2")  # Headache
    expect(page.locator("#severity_headache")).to_be_visible()
    choose_radio_by_keyboard(page, "severity_headache", "Troublesome and not settling")
    choose_radio_by_keyboard(page, "opioids_since_start", "No")
    for name in ("pregnant_or_planning", "liver_symptoms", "surgery_planned"):
        choose_radio_by_keyboard(page, name, "No")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    errors = page.locator(".error-summary")
    assert errors.count() == 0, errors.inner_text()
    expect(page.locator("h1")).to_have_text(
        "Follow-up result: Responding (substantial improvement)"
    )
    expect(page.locator(".verdict-title")).to_contain_text("Halve the dose to 2.25 mg a day")
    expect(page.locator("main")).to_contain_text("PEG change judged with the IMMPACT pain")
    screenshot(page, "followup-summary-halve")

    # The new plan's counselling sheet is one keyboard step away, in a new tab, so the
    # follow-up result stays where it was (Back would otherwise ask to resubmit the form).
    summary_url = page.url
    link = page.get_by_role("link", name="Counselling sheet for the new plan (opens in a new tab)")
    link.focus()
    with page.context.expect_page() as new_tab:
        page.keyboard.press("Enter")
    sheet = new_tab.value
    sheet.wait_for_load_state()
    expect(sheet.locator("h1")).to_contain_text("LDN")
    assert "schedule=gentle" in sheet.url and "formulation=liquid" in sheet.url
    assert sheet.evaluate("window.opener") is None
    assert page.url == summary_url
    expect(page.locator(".verdict-title")).to_contain_text("Halve the dose to 2.25 mg a day")
    sheet.close()


def test_errors_are_announced_and_linked(page: Page, live_server: str) -> None:
    page.goto(live_server + "/followup")
    page.get_by_role("button", name="Assess the response").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.title().startswith("Error: ")
    summary.get_by_role("link", name="Select how pain was measured").click()
    expect(page.locator("#pain_method")).to_be_focused()
    screenshot(page, "followup-form-errors")


def fill_followup(page: Page, current_dose: str = "4.5", followup: dt.date = TODAY) -> None:
    page.fill("#started_on", (TODAY - dt.timedelta(days=130)).isoformat())
    page.fill("#followup_on", followup.isoformat())
    page.fill("#current_dose_mg", current_dose)
    for name, value in {
        "schedule": "standard",
        "formulation": "capsule",
        "dose_timing": "night",
        "target_reached": "yes",
        "pain_method": "nrs",
        "side_effects_any": "yes",
        "opioids_since_start": "none",
        "pregnant_or_planning": "no",
        "liver_symptoms": "no",
        "surgery_planned": "no",
    }.items():
        page.check(f'input[name="{name}"][value="{value}"]')
    # The conditional questions show once the answers above call for them.
    page.fill("#target_reached_on", (TODAY - dt.timedelta(days=100)).isoformat())
    page.fill("#baseline_nrs", "8")
    page.fill("#current_nrs", "6")
    page.check('input[name="side_effects"][value="vivid_dreams"]')
    page.check('input[name="severity_vivid_dreams"][value="persistent"]')


def test_bad_dose_and_date_are_explained_in_the_browser(page: Page, live_server: str) -> None:
    page.goto(live_server + "/followup")
    fill_followup(page, current_dose="9", followup=TODAY - dt.timedelta(days=200))
    page.get_by_role("button", name="Assess the response").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("The current daily dose must be 4.5 mg or less")
    expect(summary).to_contain_text(
        "The date of this follow-up must be on or after the date LDN was started"
    )
    # The answers are still there, including the revealed severity question.
    expect(page.locator("#severity_vivid_dreams")).to_be_visible()
    expect(page.locator('input[name="severity_vivid_dreams"][value="persistent"]')).to_be_checked()
    expect(page.locator("#current_dose_mg")).to_have_value("9")


@pytest.mark.parametrize("state", ["empty", "errors", "summary"])
def test_no_serious_axe_violations_on_the_followup(
    axe_page: Page, live_server: str, state: str
) -> None:
    axe_page.goto(live_server + "/followup")
    if state == "errors":
        axe_page.get_by_role("button", name="Assess the response").click()
        expect(axe_page.locator(".error-summary")).to_be_visible()
    elif state == "summary":
        fill_followup(axe_page)
        axe_page.get_by_role("button", name="Assess the response").click()
        expect(axe_page.locator("h1")).to_contain_text("Follow-up result")
    assert serious_axe_violations(axe_page) == []


def test_criteria_section_opens_by_keyboard_and_passes_axe(
    axe_page: Page, live_server: str
) -> None:
    page = axe_page
    page.goto(live_server + "/")
    expect(page.locator("#wpi_axial")).to_be_hidden()
    tab_to_summary = page.locator("summary.details-summary")
    for _ in range(300):
        if page.evaluate("document.activeElement && document.activeElement.tagName") == "SUMMARY":
            break
        page.keyboard.press("Tab")
    expect(tab_to_summary).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#wpi_axial")).to_be_visible()
    assert serious_axe_violations(page) == []
    # Partly filled: the errors show inside the open section and still pass axe.
    fill_valid(page)
    page.check('input[name="wpi_axial"][value="neck"]')
    page.get_by_role("button", name="Screen patient").click()
    expect(page.locator(".error-summary")).to_contain_text("Select how much of a problem fatigue")
    expect(page.locator("#sss_fatigue")).to_be_visible()
    expect(page.locator('input[name="wpi_axial"][value="neck"]')).to_be_checked()
    assert serious_axe_violations(page) == []
    screenshot(page, "screening-criteria-errors")
