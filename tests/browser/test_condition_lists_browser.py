"""The screening checklists in Chromium: "None of these apply" excludes the conditions, a
ticked condition reveals its "Yes" / "Not sure" follow-up, and without JavaScript every
follow-up shows and the server refuses "None" together with a condition."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from ldn_screen.web.forms.screening import SAFETY_CONDITIONS
from tests.browser.helpers import serious_axe_violations
from tests.browser.test_screening_browser import fill_valid

pytestmark = pytest.mark.browser

NONE = "#safety_conditions"
KIDNEY = "#safety_conditions-kidney_impairment"


@pytest.fixture()
def no_js_page(browser: Browser) -> Iterator[Page]:
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 900})
    yield ctx.new_page()
    ctx.close()


def test_a_ticked_condition_reveals_its_follow_up(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    expect(page.locator("#kidney_impairment")).to_be_hidden()
    page.locator(KIDNEY).check()
    expect(page.locator("#kidney_impairment")).to_be_visible()
    expect(page.locator("#kidney_impairment-1")).to_have_value("unsure")
    # Nothing is chosen for the clinician.
    expect(page.locator('input[name="kidney_impairment"]:checked')).to_have_count(0)


def test_none_unticks_and_disables_the_conditions(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    page.locator(KIDNEY).check()
    page.locator('label[for="kidney_impairment"]').click()  # "Yes"
    page.locator(NONE).check()
    expect(page.locator(KIDNEY)).not_to_be_checked()
    expect(page.locator(KIDNEY)).to_be_disabled()
    # The hidden follow-up lost its "Yes", so it cannot be sent for an unticked condition.
    expect(page.locator("#kidney_impairment")).to_be_hidden()
    expect(page.locator('input[name="kidney_impairment"]:checked')).to_have_count(0)
    page.locator(NONE).uncheck()
    expect(page.locator(KIDNEY)).to_be_enabled()


def test_unticking_a_condition_clears_its_follow_up(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    page.locator(KIDNEY).check()
    page.locator('label[for="kidney_impairment-1"]').click()  # "Not sure"
    page.locator(KIDNEY).uncheck()
    expect(page.locator('input[name="kidney_impairment"]:checked')).to_have_count(0)


def test_without_javascript_the_follow_ups_show_and_none_with_a_condition_is_refused(
    no_js_page: Page, live_server: str
) -> None:
    page = no_js_page
    page.goto(live_server + "/")
    expect(page.locator("#kidney_impairment")).to_be_visible()
    fill_valid(page)
    page.locator(NONE).check()  # "None" and the surgery condition fill_valid ticked
    page.get_by_role("button", name="Screen patient").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text(SAFETY_CONDITIONS.conflict)
    summary.get_by_role("link", name=SAFETY_CONDITIONS.conflict).click()
    assert page.url.endswith(NONE)
    # Both ticks and the follow-up answer are kept for the clinician to correct.
    expect(page.locator(NONE)).to_be_checked()
    expect(page.locator("#safety_conditions-surgery_planned")).to_be_checked()
    expect(page.locator('input[name="surgery_planned"][value="unsure"]')).to_be_checked()


def test_an_empty_list_is_an_error_linked_to_none(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    page.get_by_role("button", name="Screen patient").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name=SAFETY_CONDITIONS.missing).click()
    expect(page.locator(NONE)).to_be_focused()


def test_no_serious_axe_violations_with_follow_ups_and_errors(
    axe_page: Page, live_server: str
) -> None:
    axe_page.goto(live_server + "/")
    fill_valid(axe_page)
    axe_page.locator(KIDNEY).check()  # a second follow-up open, unanswered: an error
    axe_page.get_by_role("button", name="Screen patient").click()
    expect(axe_page.locator(".error-summary")).to_contain_text("kidney impairment")
    expect(axe_page.locator("#kidney_impairment")).to_be_visible()
    assert serious_axe_violations(axe_page) == []
