"""The accessibility check itself: every browser test asserts that it finds nothing, so here
it must find what is there. A page with an unlabelled field, an image without a text
alternative and grey-on-white text gives exactly those serious violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import serious_axe_violations

pytestmark = pytest.mark.browser

FLAWED_PAGE = """<!doctype html>
<html lang="en"><head><title>Flawed page</title></head>
<body><main>
  <h1>Flawed page</h1>
  <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
  <input type="text" name="dose">
  <p style="color: #d0d0d0; background: #ffffff">Take one capsule at bedtime.</p>
</main></body></html>"""


def test_the_check_reports_the_serious_violations_a_page_has(axe_page: Page) -> None:
    axe_page.set_content(FLAWED_PAGE)
    found = {v["id"] for v in serious_axe_violations(axe_page)}
    assert {"image-alt", "label", "color-contrast"} <= found, found


def test_the_same_page_mended_has_none(axe_page: Page) -> None:
    mended = (
        FLAWED_PAGE.replace("<img ", '<img alt="" ')
        .replace(
            '<input type="text" name="dose">',
            '<label for="dose">Dose</label><input type="text" id="dose" name="dose">',
        )
        .replace("#d0d0d0", "#333333")
    )
    axe_page.set_content(mended)
    assert serious_axe_violations(axe_page) == []
