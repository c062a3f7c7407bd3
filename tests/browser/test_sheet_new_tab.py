"""The summary's sheet button opens the sheet in a new tab and leaves the summary as it was.

Back from a sheet opened in the same tab showed "Confirm Form Resubmission"; a new tab has
nothing to go back to, and the summary tab keeps its page, its address and its scroll.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import screenshot
from tests.browser.test_accessibility_sweep import fill_answers

pytestmark = pytest.mark.browser


def test_the_sheet_opens_in_a_new_tab_and_the_summary_stays(page: Page, live_server: str) -> None:
    page.goto(live_server + "/")
    fill_answers(page, thyroid_condition="yes", formulation="liquid")
    page.get_by_role("button", name="Screen patient").click()
    expect(page.locator("h1")).to_have_text("Screening result: Eligible to start")
    button = page.get_by_role("button", name="Counselling sheet")
    # Scrolled a little (the button stays in view), so the scroll check below is a real one.
    page.evaluate("window.scrollTo(0, 60)")
    button.scroll_into_view_if_needed()
    before = {
        "url": page.url,
        "history": page.evaluate("history.length"),
        "scroll": page.evaluate("window.scrollY"),
        "chart_note": page.locator("#chart-note").input_value(),
    }
    assert before["scroll"] > 0

    with page.context.expect_page() as new_tab:
        button.click()
    sheet = new_tab.value
    sheet.wait_for_load_state()
    expect(sheet.locator("h1")).to_have_text("Your low-dose naltrexone (LDN) plan")
    expect(sheet.locator(".for-you-thyroid")).to_be_visible()
    # rel="noopener": the sheet cannot reach back into the summary's window.
    assert sheet.evaluate("window.opener") is None
    # No address carries the plan: the sheet's is the bare POST target.
    assert sheet.url == live_server + "/sheet/patient"
    screenshot(sheet, "sheet-from-summary-new-tab")

    # The summary tab did not move: same page, same address, same history and scroll.
    assert len(page.context.pages) == 2
    expect(page.locator("h1")).to_have_text("Screening result: Eligible to start")
    assert page.url == before["url"]
    assert page.evaluate("history.length") == before["history"]
    assert page.evaluate("window.scrollY") == before["scroll"]
    assert page.locator("#chart-note").input_value() == before["chart_note"]

    # Closing the sheet leaves the summary usable: its buttons still work.
    sheet.close()
    with page.expect_navigation():
        page.get_by_role("button", name="Change answers").click()
    expect(page.locator("h1")).to_have_text("Screen a patient for low-dose naltrexone")
