"""Keyboard-only helpers: reach controls with Tab, choose with Space and the arrow keys.

Each helper moves focus the way a keyboard user does (never ``locator.focus()`` or a click),
so a control that cannot be reached by Tab makes the test fail.
"""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Page, expect

# More Tab presses than any page here has focusable elements: a control that is not reached
# within this many is not reachable at all (focus has cycled through the page).
MAX_TABS = 300


def tab_until(page: Page, predicate_js: str, what: str) -> None:
    """Press Tab until ``predicate_js`` (a JS function of the focused element) is true."""
    for _ in range(MAX_TABS):
        if page.evaluate(f"(el => !!el && ({predicate_js})(el))(document.activeElement)"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {what} with Tab")


def tab_to(page: Page, element_id: str) -> None:
    tab_until(page, f"el => el.id === {element_id!r}", f"#{element_id}")


def choose_radio_by_keyboard(page: Page, name: str, label: str) -> None:
    """Tab to a radio group, then use the arrow keys to reach the option, like a keyboard user."""
    group = page.locator(f'input[name="{name}"]')
    labels = [
        page.locator(f'label[for="{group.nth(i).get_attribute("id")}"]').inner_text()
        for i in range(group.count())
    ]
    target = labels.index(label)
    tab_until(page, f"el => el.name === {name!r}", f"the {name} radios")
    # Arrow keys move the selection in a radio group; the first arrow press from an
    # unselected group selects the next option, so start by selecting the first with Space.
    page.keyboard.press("Space")
    for _ in range(target):
        page.keyboard.press("ArrowRight")
    expect(group.nth(target)).to_be_checked()


def type_into(page: Page, field_id: str, text: str) -> None:
    tab_to(page, field_id)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def type_date(page: Page, field_id: str, day: dt.date) -> None:
    # Chromium's date field takes month, day and year in the en-US locale.
    tab_to(page, field_id)
    page.keyboard.type(day.strftime("%m%d%Y"))


def tick_by_keyboard(page: Page, checkbox_id: str) -> None:
    tab_to(page, checkbox_id)
    page.keyboard.press("Space")
    expect(page.locator(f"#{checkbox_id}")).to_be_checked()


NO_TO_THE_REST = (
    "naltrexone_now",
    "naltrexone_allergy",
    "naloxone_allergy",
    "acute_hepatitis_or_liver_failure",
    "other_liver_disease",
    "kidney_impairment",
    "transplant_or_immunosuppressant",
    "surgery_planned",
    "thyroid_condition",
    "sensitive_to_medicines",
)


def answer_the_safety_questions_no(page: Page, medication_list: str) -> None:
    """From the opioid questions after "opioid use" to the plan: "No" to each, by keyboard."""
    for name in ("opioid_dependence", "opioid_withdrawal", "kratom_or_similar"):
        choose_radio_by_keyboard(page, name, "No")
    type_into(page, "medication_list", medication_list)
    for name in NO_TO_THE_REST:
        choose_radio_by_keyboard(page, name, "No")
