"""The summary in Chromium: the decision on the first screen, and no page wider than a phone.

- At 1280 x 800 the verdict, the one-line reason, the first step (or earliest start) and
  the actions (copy the chart note, the counselling sheet where one is offered, change
  answers) are inside the viewport without scrolling, for every verdict.
- At 390 px wide no page a clinician, nurse or admin reaches scrolls sideways: the summaries
  with their tables, the follow-up, the counselling sheet's calendar and the admin pages.
- The folded reference sections open with the keyboard (Enter and Space on the summary
  element) and with JavaScript turned off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Response, expect

from tests.browser.keyboard import tab_until
from tests.browser.test_accessibility_sweep import (
    STATES,
    Servers,
    fill_answers,
    navigate,
    servers,  # noqa: F401  # the sweep's servers (an admin and two versions), for this module
    sweep_app,  # noqa: F401
)
from tests.browser.test_accessibility_sweep import button as click_button

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
YESTERDAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()
# A long unbroken line and an unread one: the medication table's worst case on a phone.
LONG_LIST = (
    "tramadol 50 mg q6h prn\n"
    "duloxetine 60 mg\n"
    "zz-unknown pill 3 mg\n"
    "pregabalin-75mg-twice-daily-as-written-by-a-very-long-chart-export-without-spaces"
)
CASES = {
    "eligible": {"formulation": "liquid"},
    "review": {"surgery_planned": "unsure", "medication_list": LONG_LIST},
    "do-not-start": {"naltrexone_allergy": "yes"},
    "not-yet": {
        "opioid_use": "recent",
        "opioid_type": "short_acting",
        "last_opioid_dose_on": YESTERDAY,
    },
}
SHEET_ACTION = {
    "eligible": "Counselling sheet",
    "review": "Print after the prescriber approves",
    "not-yet": "Counselling sheet (plan from",
    "do-not-start": None,  # no plan, no sheet
}


@pytest.fixture()
def laptop(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=LAPTOP)
    yield ctx
    ctx.close()


@pytest.fixture()
def phone(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def s(servers: Servers) -> Servers:  # noqa: F811  # the sweep's fixture, imported above
    return servers


def open_summary(page: Page, s: Servers, case: str) -> Response:
    page.goto(s.base + "/")
    fill_answers(page, **CASES[case])
    response = navigate(page, click_button(page, "Screen patient"))
    expect(page.locator("h1")).to_contain_text("Screening result")
    return response


def in_first_screen(page: Page, locator: Locator, what: str) -> None:
    """``locator`` is visible and wholly inside the viewport, with the page not scrolled."""
    expect(locator).to_be_visible()
    assert page.evaluate("window.scrollY") == 0
    box = locator.bounding_box()
    assert box is not None, what
    viewport = page.viewport_size
    assert viewport is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (what, box)
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (what, box)


@pytest.mark.parametrize("case", list(CASES))
def test_the_decision_and_the_actions_are_on_the_first_laptop_screen(
    laptop: BrowserContext,
    s: Servers,
    case: str,
) -> None:
    page = laptop.new_page()
    open_summary(page, s, case)
    decision = page.locator("#decision")
    in_first_screen(page, decision.locator(".verdict-title"), "the verdict")
    in_first_screen(page, decision.locator(".verdict-reason"), "the reason")
    in_first_screen(page, decision.locator(".verdict-step"), "the first step")
    # The reason is the first deciding finding's summary (or "no finding" when eligible).
    reason = decision.locator(".verdict-reason").inner_text()
    first = page.locator(".finding").first.locator(".finding-head strong").inner_text()
    if case == "eligible":
        assert "No finding stands in the way" in reason
    else:
        assert first in reason
    step = decision.locator(".verdict-step").inner_text()
    if case == "not-yet":
        assert step.startswith("Earliest start: ")
    main = page.locator("main")
    in_first_screen(page, main.get_by_role("button", name="Copy chart note"), "the copy action")
    in_first_screen(page, main.get_by_role("button", name="Change answers"), "change answers")
    sheet = SHEET_ACTION[case]
    if sheet is None:
        expect(main.locator('form[action="/sheet/patient"]')).to_have_count(0)
    else:
        button = main.get_by_role("button", name=sheet)
        expect(button).to_have_count(1)
        in_first_screen(page, button, "the counselling-sheet action")


def test_copy_chart_note_copies_without_leaving_the_top(
    laptop: BrowserContext,
    s: Servers,
) -> None:
    laptop.grant_permissions(["clipboard-read", "clipboard-write"], origin=s.base)
    page = laptop.new_page()
    open_summary(page, s, "eligible")
    page.locator("main").get_by_role("button", name="Copy chart note").click()
    expect(page.locator("#copy-status-top")).to_have_text("Note copied.")
    assert page.evaluate("window.scrollY") == 0  # the clinician stays at the decision
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#chart-note").input_value()
    assert copied.startswith("LDN screening (")


def test_the_folded_sections_open_with_the_keyboard(
    laptop: BrowserContext,
    s: Servers,
) -> None:
    page = laptop.new_page()
    open_summary(page, s, "eligible")
    folds = page.locator("details.details-fold")
    assert folds.count() >= 4
    for i in range(folds.count()):
        expect(folds.nth(i)).not_to_have_attribute("open", "")
    side = page.locator("details", has=page.locator("summary", has_text="side effects"))
    expect(side.locator("li").first).to_be_hidden()
    tab_until(
        page,
        "el => el.tagName === 'SUMMARY' && el.textContent.includes('side effects')",
        "the side effects' summary",
    )
    page.keyboard.press("Enter")
    expect(side).to_have_attribute("open", "")
    expect(side.locator("li").first).to_be_visible()
    page.keyboard.press("Space")  # and closes again
    expect(side.locator("li").first).to_be_hidden()


def test_without_javascript_the_folds_open_and_the_note_is_a_link_away(
    browser: Browser,
    s: Servers,
) -> None:
    # Reach the summary with scripts on (the form helper sets fields by script), then load
    # the HTML the server sent into a page that runs no JavaScript.
    with_js = browser.new_context(viewport=LAPTOP)
    html = open_summary(with_js.new_page(), s, "review").text()
    with_js.close()
    no_js = browser.new_context(viewport=LAPTOP, java_script_enabled=False)
    try:
        page = no_js.new_page()
        page.route(
            s.base + "/summary-without-js",
            lambda r: r.fulfill(body=html, content_type="text/html"),
        )
        page.goto(s.base + "/summary-without-js")
        main = page.locator("main")
        expect(main.get_by_role("button", name="Copy chart note")).to_be_hidden()
        link = main.get_by_role("link", name="Chart note", exact=True)
        in_first_screen(page, link, "the chart-note link")
        side = page.locator("details", has=page.locator("summary", has_text="side effects"))
        expect(side.locator("li").first).to_be_hidden()
        side.locator("summary").click()
        expect(side.locator("li").first).to_be_visible()
        # The review's findings and its unread line are open without any script.
        expect(page.locator(".finding-review").first).to_be_visible()
        expect(
            main.get_by_role("button", name="Confirm: this line is not an opioid")
        ).to_be_visible()
    finally:
        no_js.close()


@pytest.mark.parametrize("case", list(CASES))
def test_no_summary_scrolls_sideways_on_a_phone(
    phone: BrowserContext,
    s: Servers,
    case: str,
) -> None:
    page = phone.new_page()
    open_summary(page, s, case)
    # Open every fold too: a table inside one must fit as well.
    page.locator("details").evaluate_all("ds => ds.forEach(d => { d.open = true; })")
    assert_fits(page, case)


PHONE_STATES = [
    s
    for s in STATES
    if s.name.startswith(("summary-", "followup-summary", "sheet-", "admin-"))
    and not s.name.endswith("-errors")
]


@pytest.mark.parametrize("state", PHONE_STATES, ids=[s.name for s in PHONE_STATES])
def test_no_page_scrolls_sideways_on_a_phone(
    phone: BrowserContext,
    s: Servers,
    state,  # type: ignore[no-untyped-def]
) -> None:
    page = phone.new_page()
    state.reach(page, s)
    assert_fits(page, state.name)


def assert_fits(page: Page, what: str) -> None:
    width = page.evaluate("window.innerWidth")
    assert width == PHONE["width"]
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    tables = page.evaluate(
        "() => [...document.querySelectorAll('table')].map(t => [t.className,"
        " Math.ceil(t.getBoundingClientRect().right)])"
    )
    assert scroll_width <= width, (what, scroll_width, tables)
    assert all(right <= width for _, right in tables), (what, tables)
