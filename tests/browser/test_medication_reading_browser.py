"""The medication-list reading in Chromium: the table, the one-click confirmation by keyboard,
axe, and a 390 px phone without sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import screenshot, serious_axe_violations
from tests.helpers import browser_answers

pytestmark = pytest.mark.browser

MEDS = "\n".join(
    [
        "duloxetine 60 mg daily",
        "Allergies: codeine (rash)",
        "oxy ER 20 bid",
        "Zyxoprine 10 mg bid",
        "vitamin D3 1000 IU daily",
    ]
)


def fill_form(page: Page, base: str, **overrides: str) -> None:
    """Answer every question through the page itself, then send the form."""
    page.goto(base + "/")
    for name, value in browser_answers(**overrides):
        field = page.locator(f'[name="{name}"]')
        kind = field.first.get_attribute("type")
        if kind in {"radio", "checkbox"}:
            page.locator(f'[name="{name}"][value="{value}"]').check(force=True)
        else:
            field.first.fill(value)
    with page.expect_navigation():
        page.get_by_role("button", name="Screen patient").click()


def test_the_reading_table_and_the_confirmation_work_by_keyboard(
    page: Page, live_server: str
) -> None:
    fill_form(page, live_server, medication_list="duloxetine 60 mg daily\nZyxoprine 10 mg bid")
    expect(page.locator("h1")).to_contain_text("Prescriber review needed")
    table = page.locator("table.med-table")
    expect(table).to_contain_text("Not recognised")
    confirm = page.get_by_role("button", name="Confirm: this line is not an opioid")
    # Reach the button with the keyboard alone, then press it.
    for _ in range(200):
        page.keyboard.press("Tab")
        if confirm.evaluate("b => b === document.activeElement"):
            break
    else:
        pytest.fail("the confirmation button cannot be reached with Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("Eligible to start")
    expect(page.locator("#chart-note")).to_contain_text("Confirmed by the clinician as not opioids")


def test_opioid_lines_come_first_and_the_page_is_axe_clean(
    axe_page: Page, live_server: str
) -> None:
    fill_form(axe_page, live_server, medication_list=MEDS)
    rows = axe_page.locator("table.med-table tbody tr")
    expect(rows.first).to_contain_text("oxy ER 20 bid")
    expect(rows.first).to_contain_text("Opioid, in use")
    assert serious_axe_violations(axe_page) == []
    screenshot(axe_page, "screening-medication-reading")


def test_the_table_fits_a_390_px_phone(page: Page, live_server: str) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    fill_form(page, live_server, medication_list=MEDS)
    table = page.locator("table.med-table")
    expect(table).to_be_visible()
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
        " document.querySelector('table.med-table').getBoundingClientRect().right]"
    )
    scroll_width, client_width, table_right = widths
    assert scroll_width <= client_width, widths
    assert table_right <= client_width, widths
    screenshot(page, "screening-medication-reading-phone")
