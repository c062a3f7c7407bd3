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


def answer_the_safety_questions_no(page: Page, medication_list: str) -> None:
    """From the opioid checklist to the plan: "None of these apply" in both checklists (Tab to
    it, Space), and the medication list typed between them, by keyboard."""
    tick_by_keyboard(page, "opioid_conditions")  # the list's first box: "None of these apply"
    type_into(page, "medication_list", medication_list)
    tick_by_keyboard(page, "safety_conditions")
    # The conditions are disabled while "None" is ticked: the next Tab leaves the list.
    expect(page.locator("#safety_conditions-kidney_impairment")).to_be_disabled()


class CountingKeyboard:
    """Presses keys like ``page.keyboard`` and counts every one: each Tab, Space, arrow,
    Enter, and each typed character (``type("38")`` is two key presses)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.keys = 0
        self.tabs = 0

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keys += 1
        if key == "Tab":
            self.tabs += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.keys += len(text)


_FOCUSED = """() => {
    const el = document.activeElement;
    if (!el) { return null; }
    return {tag: el.tagName, type: el.type || '', name: el.name || '', value: el.value || '',
            id: el.id || '', checked: !!el.checked, cls: el.className || '',
            text: (el.textContent || '').trim()};
}"""


def walk_form(
    page: Page, keys: CountingKeyboard, plan: dict[str, str], submit_from: str = ""
) -> None:
    """Fill the screening form the shortest way a keyboard user can, counting every key.

    From the top of a freshly loaded page: Tab to the skip link and follow it with Enter
    (quicker than tabbing through the site header), then Tab through the form once, in page
    order. ``plan`` maps a field name to the wanted answer: a radio's value (Space selects the
    first option of a group; each right arrow moves to the next option and selects it), a checkbox's
    value (Space ticks it), or a text (typed). Every focus stop not in the plan is passed over
    with Tab, which is what a keyboard user pays for it. Ends with Enter: in the text field
    ``submit_from`` once it is typed in (a text field submits its form), or on the submit
    button.
    """
    keys.press("Tab")
    assert page.evaluate(_FOCUSED)["cls"] == "skip-link"
    keys.press("Enter")
    done: set[str] = set()
    for _ in range(MAX_TABS):
        keys.press("Tab")
        el = page.evaluate(_FOCUSED)
        assert el is not None
        if el["tag"] == "BUTTON" and el["type"] == "submit":
            with page.expect_navigation():
                keys.press("Enter")
            return
        name = el["name"]
        if name not in plan:
            continue
        wanted = plan[name]
        if el["type"] == "radio":
            if name in done:
                continue
            options = page.eval_on_selector_all(
                f'input[name="{name}"]', "els => els.map(e => e.value)"
            )
            steps = options.index(wanted) - options.index(el["value"])
            if steps == 0:
                keys.press("Space")  # selects the focused, first option
            # In a group with nothing selected, each arrow press moves to the next option and
            # selects it, so "No" (the second option) is one press.
            for _ in range(steps):
                keys.press("ArrowRight")
            assert page.locator(f'input[name="{name}"][value="{wanted}"]').is_checked()
            done.add(name)
        elif el["type"] == "checkbox":
            if el["value"] == wanted and not el["checked"]:
                keys.press("Space")
        elif el["id"] not in done:
            if el["value"] != wanted:
                keys.type(wanted)
            done.add(el["id"])
            if name == submit_from:
                with page.expect_navigation():
                    keys.press("Enter")
                return
    raise AssertionError("never reached the submit button")
