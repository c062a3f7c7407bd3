"""An admin signs in, changes the target dose, checks the impact preview and publishes; the
next screening summary shows the new version. axe-core passes every admin page."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from ldn_screen.app import create_app
from tests.admin_support import PASSWORD, create_admin
from tests.browser.helpers import screenshot, serious_axe_violations
from tests.browser.test_screening_browser import fill_valid

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def admin_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    # Its own app and database: publishing here must not change the settings that the
    # screening browser tests run with.
    app = create_app({"INSTANCE_PATH": str(tmp_path_factory.mktemp("admin-browser"))})
    create_admin(app)
    yield app
    app.extensions["ldn_engine"].dispose()


@pytest.fixture(scope="module")
def admin_server(admin_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, admin_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def sign_in(page: Page, base: str) -> None:
    page.goto(base + "/admin/")
    expect(page.locator("h1")).to_have_text("Sign in to the admin pages")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Admin")


def test_admin_changes_the_target_dose_and_the_next_screening_uses_it(
    page: Page, admin_server: str
) -> None:
    sign_in(page, admin_server)
    page.get_by_role("link", name="Change settings").click()
    target = page.get_by_label("Target daily dose")
    expect(target).to_have_value("4.5")
    expect(page.locator("#target_dose_mg-hint")).to_contain_text("Cited default: 4.5 mg")
    target.fill("3")
    page.get_by_role("button", name="Preview changes").click()

    expect(page.locator("h1")).to_have_text("Check your changes before publishing")
    changes = page.locator("table.table-diff")
    expect(changes).to_contain_text("Target daily dose")
    expect(changes).to_contain_text("4.5 mg")
    expect(changes).to_contain_text("3 mg")
    impact = page.locator("table.impact-table")
    row = impact.locator("tr", has_text="standard-capsules")
    expect(row).to_contain_text("1.5 mg → 3 mg → 4.5 mg")
    expect(row.locator("dd.changed")).to_contain_text("1.5 mg → 3 mg, 7 days per step")
    screenshot(page, "admin-impact-preview")

    page.get_by_label("Reason for this change").fill("Pilot of a 3 mg target, agreed 3 March")
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.locator(".banner-success")).to_contain_text("Version 2 is published.")
    expect(page.locator("h1")).to_have_text("Settings version 2")

    page.goto(admin_server + "/")
    fill_valid(page)
    page.get_by_role("button", name="Screen patient").click()
    expect(page.locator("h1")).to_contain_text("Screening result")
    expect(page.locator("p.meta")).to_contain_text("settings version 2 of")
    calendar = page.locator("table", has=page.locator("caption", has_text="Titration calendar"))
    expect(calendar).to_contain_text("3 mg")
    expect(page.locator("#main")).to_contain_text("Target 3 mg a day")


def test_field_errors_are_linked_from_the_summary(page: Page, admin_server: str) -> None:
    sign_in(page, admin_server)
    page.goto(admin_server + "/admin/settings")
    page.get_by_label("Maximum daily dose").fill("7")
    page.get_by_role("button", name="Preview changes").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    assert page.title().startswith("Error: Change the clinical settings")
    summary.get_by_role("link", name="The maximum daily dose must be 6 mg or less").click()
    expect(page.locator("#max_dose_mg")).to_be_focused()
    expect(page.locator("#max_dose_mg")).to_have_value("7")


def test_a_departure_from_the_safe_range_needs_its_own_reason(
    page: Page, admin_server: str, admin_app: Flask
) -> None:
    sign_in(page, admin_server)
    page.goto(admin_server + "/admin/settings")
    page.get_by_label("Opioid-free days after short-acting opioids").fill("5")
    page.get_by_role("button", name="Preview changes").click()
    expect(page.locator("h1")).to_have_text("Check your changes before publishing")
    # The less safe count comes first, then the warning naming the source.
    expect(page.locator("#less-safe-count")).to_contain_text("would move to a less safe result")
    warning = page.locator("#h-departures + .warning-text")
    expect(warning).to_contain_text("5 days is below the safe range (7 days or more)")
    expect(warning).to_contain_text("DOSAGE AND ADMINISTRATION")
    screenshot(page, "admin-departure-preview")

    before = app_versions(admin_app)
    page.get_by_label("Reason for this change").fill("Codeine-only pilot")
    page.get_by_role("button", name=f"Publish version {before + 1}").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Enter why you depart from the safe range").click()
    expect(page.get_by_label("Why depart from the safe range?")).to_be_focused()
    expect(page.get_by_label("Reason for this change")).to_have_value("Codeine-only pilot")
    assert app_versions(admin_app) == before

    page.get_by_label("Why depart from the safe range?").fill("Agreed by the lead clinician")
    page.get_by_role("button", name=f"Publish version {before + 1}").click()
    expect(page.locator(".banner-success")).to_contain_text(f"Version {before + 1} is published.")
    expect(page.locator("#main")).to_contain_text("Agreed by the lead clinician")


ADMIN_PAGES = [
    ("login", "/admin/login", None),
    ("home", "/admin/", None),
    ("settings", "/admin/settings", None),
    ("settings-errors", "/admin/settings", "errors"),
    ("preview", "/admin/settings", "preview"),
    ("preview-departure", "/admin/settings", "departure"),
    ("history", "/admin/history", None),
    ("version", "/admin/history/1", None),
    ("compare", "/admin/history/compare?old=1&new=2", None),
    ("compare-errors", "/admin/history/compare?old=1&new=1", None),
    ("rollback", "/admin/history/1/rollback", None),
    ("audit", "/admin/audit", None),
    ("audit-errors", "/admin/audit?since=soon", None),
]


@pytest.mark.parametrize(("name", "path", "then"), ADMIN_PAGES, ids=[p[0] for p in ADMIN_PAGES])
def test_no_serious_axe_violations_on_admin_pages(
    axe_page: Page, admin_server: str, admin_app: Flask, name: str, path: str, then: str | None
) -> None:
    if name != "login":
        sign_in(axe_page, admin_server)
    if app_versions(admin_app) < 2:  # history pages need two versions
        admin_app.extensions["ldn_settings"].publish(
            {
                **admin_app.extensions["ldn_settings"].read().active.settings.as_dict(),
                "review_weeks": 16,
            },
            "alice",
            "Setup for the accessibility pass",
            based_on=1,
        )
    axe_page.goto(admin_server + path)
    if then == "errors":
        axe_page.get_by_label("Target daily dose").fill("not a dose")
        axe_page.get_by_role("button", name="Preview changes").click()
        expect(axe_page.locator(".error-summary")).to_be_visible()
    elif then == "departure":
        axe_page.get_by_label("Patients younger than this need review").fill("16")
        axe_page.get_by_role("button", name="Preview changes").click()
        axe_page.get_by_role("button", name="Publish version", exact=False).click()
        expect(axe_page.locator(".error-summary")).to_be_visible()
        expect(axe_page.locator(".warning-text").first).to_be_visible()
    elif then == "preview":
        axe_page.get_by_label(
            "Planned surgery up to this many days before the start", exact=False
        ).fill("30")
        axe_page.get_by_role("button", name="Preview changes").click()
        expect(axe_page.locator("h1")).to_have_text("Check your changes before publishing")
    assert serious_axe_violations(axe_page) == [], name


def app_versions(app: Flask) -> int:
    return app.extensions["ldn_settings"].read().active.number
