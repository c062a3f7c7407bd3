"""Accessibility sweep of the whole product: every page, in every state a user can reach.

Each state is reached the way a user reaches it (navigating, filling in and submitting forms
in Chromium), then checked twice:

- axe-core (WCAG 2.x A/AA and best practice) finds no serious or critical violation;
- the page contract of tests/helpers.py ``check_page`` holds on the rendered DOM: one h1,
  a title that starts with it, unique ids, a label for every input, in-page anchors resolve.

The per-feature axe tests overlap with this on purpose: they sit next to the feature, while
this sweep is the one list that must name every route (``test_the_sweep_covers_every_route``),
so a new page cannot be added without being checked. /healthz is JSON and not swept.

Every state asserts the HTTP status and the Flask endpoint that served the document (from a
test-only response header), so a state that silently landed on the wrong page fails instead
of checking that page twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask, request
from playwright.sync_api import Browser, Cookie, Page, Response, expect
from werkzeug.wrappers import Response as WerkzeugResponse

from ldn_screen.app import create_app
from tests.admin_support import PASSWORD, create_admin
from tests.browser.helpers import serious_axe_violations, serve
from tests.browser.test_admin_browser import sign_in
from tests.browser.test_followup_browser import fill_followup
from tests.browser.test_screening_browser import fill_valid
from tests.helpers import browser_answers, check_page

pytestmark = pytest.mark.browser

ENDPOINT_HEADER = "X-Sweep-Endpoint"
BOOM_PATH = "/__sweep/boom"
FORM_H1 = "Screen a patient for low-dose naltrexone"
SHEET_H1 = "Your low-dose naltrexone (LDN) plan"
# Routes that never render a page of their own: /healthz answers JSON, sign-out only
# redirects (the "admin-signed-out" state checks the page it leads to), static is files.
# Not pages: files, and POST actions that only redirect (sign-out, sign out everywhere).
NOT_PAGES = {
    "static",
    "health.healthz",
    "health.favicon",
    "admin.auth.logout",
    "admin.auth.end_all_sessions",
    # FHIR answers application/fhir+json only, never an HTML page (tests/fhir checks them).
    "fhir.get_questionnaire",
    "fhir.get_operation_definition",
    "fhir.get_metadata",
    "fhir.screen_operation",
    "fhir.unknown",
    # The JSON API answers JSON (its documentation page, api.docs, is swept).
    "api.screenings",
    "api.followups",
    "api.current_settings",
    "api.openapi",
    # JSON for EHRs (CDS Hooks feedback), behind their JWT: no page.
    "cds_feedback.feedback",
    # CDS Hooks discovery and services: JSON for EHRs, behind their JWT (tests/cds checks them).
    "cds.discover",
    "cds.call",
    # The titration plan as a calendar file (text/calendar, an attachment), not a page:
    # tests/web/test_sheet_calendar.py checks it; its link and button are on the swept sheets.
    "sheet.calendar_from_link",
    "sheet.calendar_for_patient",
}


def _tag_endpoint(response: WerkzeugResponse) -> WerkzeugResponse:
    # Which view produced the document, so each state can prove it reached the intended page.
    response.headers[ENDPOINT_HEADER] = request.endpoint or ""
    return response


def _boom() -> str:
    raise RuntimeError("the sweep's deliberate failure, to show the house 500 page")


@dataclass(frozen=True)
class Servers:
    base: str  # the app under test, with an admin account and two settings versions
    down: str  # the same app with an unreachable database: the 503 page
    app: Flask
    # A signed-in admin's cookies: signing in once through the form, not once per state,
    # keeps the password hashing cost out of every admin page of the sweep.
    admin_cookies: list[Cookie]

    def current_version(self) -> int:
        return self.app.extensions["ldn_settings"].read().active.number


@pytest.fixture(scope="module")
def sweep_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    # Its own database: the sweep publishes versions, which must not move other tests' pages.
    app = create_app({"INSTANCE_PATH": str(tmp_path_factory.mktemp("sweep-instance"))})
    app.after_request(_tag_endpoint)
    # No product route fails on purpose; this test-only one reaches the house 500 page.
    app.add_url_rule(BOOM_PATH, endpoint="sweep_boom", view_func=_boom)
    create_admin(app)
    store = app.extensions["ldn_settings"]
    # A second version, so the history, compare and stale-sheet pages have two to show.
    store.publish(
        {**store.read().active.settings.as_dict(), "review_weeks": 16},
        "alice",
        "Setup for the accessibility sweep",
        based_on=1,
    )
    yield app
    app.extensions["ldn_engine"].dispose()


@pytest.fixture(scope="module")
def servers(
    sweep_app: Flask, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    instance = tmp_path_factory.mktemp("sweep-down")
    down_app = create_app(
        {
            # A folder that does not exist: SQLite cannot open the file, as if the DB were down.
            "DATABASE_URL": f"sqlite:///{Path(instance) / 'missing-folder' / 'gone.sqlite3'}",
            "LDN_AUTO_MIGRATE": False,
            "INSTANCE_PATH": str(instance),
        }
    )
    down_app.after_request(_tag_endpoint)
    with serve(sweep_app) as base, serve(down_app) as down:
        context = browser.new_context()
        sign_in(context.new_page(), base)  # through the login form, as an admin would
        cookies = context.cookies()
        context.close()
        yield Servers(base, down, sweep_app, cookies)
    down_app.extensions["ldn_engine"].dispose()


# --- How each state is reached -----------------------------------------------------------


def goto(page: Page, url: str) -> Response:
    response = page.goto(url)
    assert response is not None, url
    return response


def navigate(page: Page, action: Callable[[], None]) -> Response:
    """Run ``action`` (a click) and return the response of the document it leads to."""
    with page.expect_navigation() as navigation:
        action()
    response = navigation.value
    assert response is not None
    return response


def button(page: Page, name: str) -> Callable[[], None]:
    """Clicking the button whose accessible name contains ``name``, for ``navigate``."""
    return lambda: page.get_by_role("button", name=name).click()


def fill_answers(page: Page, **overrides: str) -> None:
    """The screening form filled in as tests/helpers.py's browser_answers gives them.

    Set in one script call rather than field by field: typing and clicking are tested by
    the keyboard and per-feature tests, and here they would only slow the sweep down. The
    change event lets app.js reveal the conditional questions, as it does for a user."""
    missing = page.evaluate(
        """answers => {
            const form = document.querySelector('form.screening-form');
            const missing = [];
            for (const [name, value] of answers) {
                const box = Array.from(form.elements).find(el => el.name === name
                    && el.value === value && (el.type === 'checkbox' || el.type === 'radio'));
                const field = form.elements.namedItem(name);
                if (box) { box.checked = true; }
                else if (field) { field.value = value; }
                if (!(box || (field && field.value === value))) { missing.push(name); }
            }
            form.dispatchEvent(new Event('change'));
            return missing;
        }""",
        browser_answers(**overrides),
    )
    assert missing == [], f"no such field or option on the form: {missing}"


def screening_summary(page: Page, s: Servers, **overrides: str) -> Response:
    goto(page, s.base + "/")
    fill_answers(page, **overrides)
    response = navigate(page, button(page, "Screen patient"))
    expect(page.locator(".error-summary")).to_have_count(0)
    return response


def expect_h1(page: Page, text: str) -> None:
    expect(page.locator("h1")).to_have_text(text)


def expect_errors(page: Page) -> None:
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.title().startswith("Error: "), page.title()


def expect_house_error(page: Page, title: str) -> None:
    """The house error page: its heading, the way back, and no stack trace."""
    expect_h1(page, title)
    expect(page.locator("main").get_by_role("link", name="Start a new screening")).to_be_visible()
    assert "Traceback" not in page.content()


def admin(page: Page, s: Servers, path: str, *, admin_page: bool = True) -> Response:
    """Open ``path`` as the signed-in admin (an admin page shows who is signed in)."""
    page.context.add_cookies(s.admin_cookies)
    response = goto(page, s.base + path)
    if admin_page:
        expect(page.locator(".admin-signout")).to_contain_text("Signed in as alice")
    return response


def surgery_window(s: Servers) -> str:
    """A value that differs from the current one (an earlier state may have published 30),
    so the preview always has a change to show rather than the "nothing changed" notice."""
    current = (
        s.app.extensions["ldn_settings"].read().active.settings.surgery_review_days_before_start
    )
    return "30" if current != 30 else "21"


def admin_preview(page: Page, s: Servers) -> Response:
    admin(page, s, "/admin/settings")
    window = surgery_window(s)
    page.get_by_label("days before the start (or during the titration)", exact=False).fill(window)
    response = navigate(page, button(page, "Preview changes"))
    expect_h1(page, "Check your changes before publishing")
    return response


def sheet_url(s: Servers, schedule: str, formulation: str, version: int) -> str:
    start = dt.date.today() + dt.timedelta(days=3)
    query = f"schedule={schedule}&start={start.isoformat()}&formulation={formulation}"
    if formulation == "liquid":
        query += "&mg_per_ml=1"
    return f"{s.base}/sheet/print?{query}&v={version}"


# Each reach function leaves the page in its state (asserting it got there) and returns
# the response of the document now shown.


def screening_empty(page: Page, s: Servers) -> Response:
    response = goto(page, s.base + "/")
    expect_h1(page, FORM_H1)
    return response


def screening_errors(page: Page, s: Servers) -> Response:
    goto(page, s.base + "/")
    response = navigate(page, button(page, "Screen patient"))
    expect_errors(page)
    return response


def screening_criteria_errors(page: Page, s: Servers) -> Response:
    # The optional ACR 2016 section, opened and partly answered: its own errors show.
    goto(page, s.base + "/")
    page.locator("summary.details-summary").click()
    fill_valid(page)
    page.check('input[name="wpi_axial"][value="neck"]')
    response = navigate(page, button(page, "Screen patient"))
    expect_errors(page)
    expect(page.locator("#sss_fatigue")).to_be_visible()
    return response


def summary_eligible(page: Page, s: Servers) -> Response:
    response = screening_summary(page, s, formulation="liquid")
    expect_h1(page, "Screening result: Eligible to start")
    return response


def summary_folds_open(page: Page, s: Servers) -> Response:
    # The reference sections folded in <details>, opened by keyboard, so axe checks them too.
    response = screening_summary(page, s, formulation="liquid")
    summaries = page.locator("details.details-fold > summary")
    assert summaries.count() >= 4
    for i in range(summaries.count()):
        summaries.nth(i).focus()
        page.keyboard.press("Enter")
    expect(page.locator("details.details-fold:not([open])")).to_have_count(0)
    return response


def summary_unread_lines(page: Page, s: Servers) -> Response:
    # A line awaiting confirmation: the medication reading and its confirm button stay open.
    response = screening_summary(page, s, medication_list="duloxetine 60 mg\nzz-unknown pill 3 mg")
    expect(page.get_by_role("button", name="Confirm: this line is not an opioid")).to_be_visible()
    return response


def summary_review(page: Page, s: Servers) -> Response:
    response = screening_summary(page, s, surgery_planned="unsure")
    expect_h1(page, "Screening result: Prescriber review needed")
    return response


def summary_not_yet(page: Page, s: Servers) -> Response:
    yesterday = dt.date.today() - dt.timedelta(days=1)
    response = screening_summary(
        page,
        s,
        opioid_use="recent",
        opioid_type="short_acting",
        last_opioid_dose_on=yesterday.isoformat(),
    )
    expect(page.locator("h1")).to_contain_text("Screening result: Not yet: earliest start")
    return response


def summary_do_not_start(page: Page, s: Servers) -> Response:
    response = screening_summary(page, s, naltrexone_allergy="yes")
    expect_h1(page, "Screening result: Do not start")
    return response


def change_answers(page: Page, s: Servers) -> Response:
    screening_summary(page, s, age_years="61")
    response = navigate(page, button(page, "Change answers"))
    expect_h1(page, FORM_H1)
    expect(page.locator("#age_years")).to_have_value("61")  # the answers came back
    return response


def api_docs(page: Page, s: Servers) -> Response:
    response = goto(page, s.base + "/api/v1/docs")
    expect_h1(page, "JSON API, version 1")
    return response


def sheet_chooser(page: Page, s: Servers) -> Response:
    response = goto(page, s.base + "/sheet")
    expect_h1(page, "Make a counselling sheet")
    return response


def sheet_chooser_errors(page: Page, s: Servers) -> Response:
    goto(page, s.base + "/sheet")
    page.get_by_label("Start date").fill("")
    response = navigate(page, button(page, "Show the sheet"))
    expect_errors(page)
    return response


def sheet_bad_link(page: Page, s: Servers) -> Response:
    # A mistyped or tampered link: the chooser explains, with status 400.
    response = goto(
        page,
        s.base + "/sheet/print?schedule=weekly&start=2026-02-30&formulation=liquid"
        "&mg_per_ml=9&v=x&extra=1",
    )
    expect_errors(page)
    expect(page.locator("main")).to_contain_text("parts the sheet does not use")
    return response


def sheet_standard(page: Page, s: Servers) -> Response:
    response = goto(page, sheet_url(s, "standard", "capsule", s.current_version()))
    expect_h1(page, SHEET_H1)
    return response


def sheet_gentle(page: Page, s: Servers) -> Response:
    response = goto(page, sheet_url(s, "gentle", "liquid", s.current_version()))
    expect_h1(page, SHEET_H1)
    expect(page.locator(".calendar tbody tr")).to_have_count(10)  # nine steps and the review
    return response


def sheet_stale(page: Page, s: Servers) -> Response:
    response = goto(page, sheet_url(s, "gentle", "capsule", 1))
    expect(page.locator(".banner-stale")).to_contain_text("This sheet uses settings version 1")
    return response


def _sheet_in_this_tab(page: Page) -> None:
    # The button opens a new tab (tests/browser/test_sheet_new_tab.py checks that); here the
    # sheet opens in the swept tab, so the sweep checks the page the button produces.
    page.locator('form[action="/sheet/patient"]').evaluate("f => f.removeAttribute('target')")


def sheet_from_summary(page: Page, s: Servers) -> Response:
    # Every "Just for you" line and the review notice: the fullest sheet a summary makes.
    last_dose = dt.date.today() - dt.timedelta(days=2)
    screening_summary(
        page,
        s,
        opioid_use="recent",
        opioid_type="short_acting",
        last_opioid_dose_on=last_dose.isoformat(),
        surgery_planned="yes",
        surgery_on=(dt.date.today() + dt.timedelta(days=60)).isoformat(),
        thyroid_condition="yes",
        formulation="liquid",
    )
    _sheet_in_this_tab(page)
    response = navigate(page, button(page, "Counselling sheet"))
    expect_h1(page, SHEET_H1)
    expect(page.locator(".for-you li")).to_have_count(4)
    return response


def sheet_refused(page: Page, s: Servers) -> Response:
    # A tampered post: an eligible summary's sheet form, changed to a "do not start" patient.
    screening_summary(page, s)
    form = page.locator('form[action="/sheet/patient"]')
    form.locator('input[name="naltrexone_allergy"]').evaluate("el => { el.value = 'yes' }")
    # ...and its checklist, as the form would send it (a contradiction is refused earlier).
    form.locator('input[name="safety_conditions"]').evaluate(
        "el => { el.value = 'naltrexone_allergy' }"
    )
    _sheet_in_this_tab(page)
    response = navigate(page, button(page, "Counselling sheet"))
    expect_house_error(page, "No counselling sheet for this screening")
    return response


def followup_empty(page: Page, s: Servers) -> Response:
    response = goto(page, s.base + "/followup")
    expect_h1(page, "Follow-up: is LDN working for this patient?")
    return response


def followup_errors(page: Page, s: Servers) -> Response:
    goto(page, s.base + "/followup")
    response = navigate(page, button(page, "Assess the response"))
    expect_errors(page)
    return response


def followup_summary(page: Page, s: Servers) -> Response:
    goto(page, s.base + "/followup")
    fill_followup(page)
    response = navigate(page, button(page, "Assess the response"))
    expect(page.locator("h1")).to_contain_text("Follow-up result: ")
    return response


def followup_change_answers(page: Page, s: Servers) -> Response:
    followup_summary(page, s)
    response = navigate(page, button(page, "Change answers"))
    expect_h1(page, "Follow-up: is LDN working for this patient?")
    expect(page.locator("#current_dose_mg")).to_have_value("4.5")
    return response


def admin_login(page: Page, s: Servers) -> Response:
    response = goto(page, s.base + "/admin/login")
    expect_h1(page, "Sign in to the admin pages")
    return response


def admin_login_error(page: Page, s: Servers) -> Response:
    goto(page, s.base + "/admin/login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD + " wrong")
    response = navigate(page, button(page, "Sign in"))
    expect_errors(page)
    expect(page.locator(".error-summary")).to_contain_text("Enter a correct username and password")
    return response


def admin_signed_out(page: Page, s: Servers) -> Response:
    # A session of its own: signing out ends it on the server, so signing out the shared
    # one would sign out every later state too.
    sign_in(page, s.base)
    # Exact: the overview also has "Sign out everywhere".
    sign_out = page.get_by_role("button", name="Sign out", exact=True)
    response = navigate(page, sign_out.click)
    expect(page.locator(".banner-success")).to_contain_text("You have signed out.")
    return response


def admin_home(page: Page, s: Servers) -> Response:
    response = admin(page, s, "/admin/")
    expect_h1(page, "Admin")
    return response


def admin_settings(page: Page, s: Servers) -> Response:
    response = admin(page, s, "/admin/settings")
    expect_h1(page, "Change the clinical settings")
    return response


def admin_settings_errors(page: Page, s: Servers) -> Response:
    admin(page, s, "/admin/settings")
    page.get_by_label("Target daily dose").fill("not a dose")
    page.get_by_label("Maximum daily dose").fill("7")
    response = navigate(page, button(page, "Preview changes"))
    expect_errors(page)
    return response


def admin_settings_no_change(page: Page, s: Servers) -> Response:
    admin(page, s, "/admin/settings")
    response = navigate(page, button(page, "Preview changes"))
    expect(page.locator(".error-summary")).to_contain_text("You have not changed any setting")
    return response


def admin_publish_without_reason(page: Page, s: Servers) -> Response:
    admin_preview(page, s)
    response = navigate(page, button(page, "Publish version"))
    expect_errors(page)
    expect(page.locator(".error-summary")).to_contain_text("Enter the reason for this change")
    return response


def admin_change_the_values(page: Page, s: Servers) -> Response:
    typed = surgery_window(s)  # what admin_preview types (nothing is published in between)
    admin_preview(page, s)
    response = navigate(page, button(page, "Change the values"))
    expect_h1(page, "Change the clinical settings")
    expect(
        page.get_by_label("days before the start (or during the titration)", exact=False)
    ).to_have_value(typed)
    return response


def admin_published(page: Page, s: Servers) -> Response:
    admin_preview(page, s)
    page.get_by_label("Reason for this change").fill("Accessibility sweep: a real publish")
    response = navigate(page, button(page, "Publish version"))
    expect(page.locator(".banner-success")).to_contain_text("is published.")
    return response


def admin_conflict(page: Page, s: Servers) -> Response:
    admin_preview(page, s)
    # Someone else publishes while this preview is open.
    store = s.app.extensions["ldn_settings"]
    current = store.read().active
    weeks = 13 if current.settings.review_weeks == 12 else 12
    store.publish(
        {**current.settings.as_dict(), "review_weeks": weeks},
        "bob",
        "A concurrent change",
        based_on=current.number,
    )
    page.get_by_label("Reason for this change").fill("Accessibility sweep: too late")
    response = navigate(page, button(page, "Publish version"))
    expect_errors(page)
    expect(page.locator(".error-summary")).to_contain_text("while you were working")
    return response


def admin_history(page: Page, s: Servers) -> Response:
    response = admin(page, s, "/admin/history")
    expect_h1(page, "Version history")
    return response


def admin_version_1(page: Page, s: Servers) -> Response:
    response = admin(page, s, "/admin/history/1")
    expect_h1(page, "Settings version 1")
    return response


def admin_version_2(page: Page, s: Servers) -> Response:
    response = admin(page, s, "/admin/history/2")
    expect_h1(page, "Settings version 2")
    return response


def admin_compare(page: Page, s: Servers) -> Response:
    response = admin(page, s, "/admin/history/compare?old=1&new=2")
    expect_h1(page, "Compare version 1 with version 2")
    return response


def admin_compare_errors(page: Page, s: Servers) -> Response:
    response = admin(page, s, "/admin/history/compare?old=1&new=1")
    expect_errors(page)
    return response


def admin_rollback(page: Page, s: Servers) -> Response:
    response = admin(page, s, "/admin/history/1/rollback")
    expect_h1(page, "Check the rollback to version 1")
    return response


def admin_rollback_errors(page: Page, s: Servers) -> Response:
    admin(page, s, "/admin/history/1/rollback")
    response = navigate(page, button(page, "Publish version"))
    expect_errors(page)
    return response


def admin_audit(page: Page, s: Servers) -> Response:
    response = admin(page, s, "/admin/audit")
    expect_h1(page, "Audit log")
    expect(page.locator("table.audit-table tbody tr").first).to_be_visible()
    return response


def admin_audit_filtered(page: Page, s: Servers) -> Response:
    today = dt.datetime.now(dt.UTC).date().isoformat()
    response = admin(page, s, f"/admin/audit?action=login&actor=alice&since={today}&until={today}")
    expect_h1(page, "Audit log")
    expect(page.locator("#action")).to_have_value("login")
    expect(page.locator("table.audit-table tbody tr").first).to_be_visible()
    return response


def admin_audit_errors(page: Page, s: Servers) -> Response:
    response = admin(page, s, "/admin/audit?action=nonsense&since=soon&until=2026-02-30")
    expect_errors(page)
    return response


def admin_cds_feedback_empty(page: Page, s: Servers) -> Response:
    response = admin(page, s, "/admin/cds-feedback?version=999")
    expect_h1(page, "EHR card feedback")
    expect(page.locator("main")).to_contain_text("No feedback yet for version 999")
    return response


def add_cds_feedback(s: Servers) -> None:
    """An overridden and an accepted card, as the EHR would report them."""
    import uuid

    from ldn_screen.store.cds_feedback import FeedbackItem, FeedbackStore, IssuedCard

    store = FeedbackStore(s.app.extensions["ldn_engine"])
    now = dt.datetime.now(dt.UTC)
    one, two = str(uuid.uuid4()), str(uuid.uuid4())
    store.record_issued(
        [
            IssuedCard(one, "ldn-order", "opioid_current", 1),
            IssuedCard(two, "ldn-order", "opioid_current", 1, {"s1": "start date"}),
        ]
    )
    store.add(
        "ldn-order",
        [
            FeedbackItem(one, "overridden", None, "opioid-stopped", True, now),
            FeedbackItem(two, "accepted", "s1", None, False, now),
        ],
    )


def admin_preview_with_cds_feedback(page: Page, s: Servers) -> Response:
    add_cds_feedback(s)
    response = admin_preview(page, s)
    expect(page.locator("table.feedback-table tbody tr").first).to_be_visible()
    return response


def admin_cds_feedback(page: Page, s: Servers) -> Response:
    add_cds_feedback(s)
    response = admin(page, s, "/admin/cds-feedback")
    expect_h1(page, "EHR card feedback")
    expect(page.locator("table.feedback-table tbody tr").first).to_be_visible()
    return response


def error_404(page: Page, s: Servers) -> Response:
    response = goto(page, s.base + "/no-such-page")
    expect_house_error(page, "Page not found")
    return response


def admin_error_404(page: Page, s: Servers) -> Response:
    response = admin(page, s, "/admin/history/999", admin_page=False)  # the house page
    expect_house_error(page, "Page not found")
    return response


def error_400(page: Page, s: Servers) -> Response:
    # "Change answers" posted without its CSRF token (a tampered or truncated form).
    screening_summary(page, s)
    page.locator('form[action="/edit"] input[name="csrf_token"]').evaluate("el => el.remove()")
    response = navigate(page, button(page, "Change answers"))
    expect_house_error(page, "The request could not be understood")
    return response


def error_405(page: Page, s: Servers) -> Response:
    response = goto(page, s.base + "/edit")  # a POST-only address, opened from the bar
    expect_house_error(page, "This page cannot be used that way")
    return response


def error_413(page: Page, s: Servers) -> Response:
    # A medication list over the 2 MB request limit (set by script; nobody types that much).
    goto(page, s.base + "/")
    fill_answers(page)
    page.locator("#medication_list").evaluate("el => { el.value = 'x'.repeat(3 * 1024 * 1024) }")
    response = navigate(page, button(page, "Screen patient"))
    expect_house_error(page, "What was sent is too large")
    return response


def error_500(page: Page, s: Servers) -> Response:
    response = goto(page, s.base + BOOM_PATH)
    expect_house_error(page, "Something went wrong")
    return response


def error_503(page: Page, s: Servers) -> Response:
    response = goto(page, s.down + "/")
    expect_house_error(page, "Settings unavailable")
    return response


def error_503_sheet(page: Page, s: Servers) -> Response:
    response = goto(page, s.down + "/sheet")
    expect_house_error(page, "Settings unavailable")
    return response


def error_503_sign_in(page: Page, s: Servers) -> Response:
    # The sign-in form itself needs no database; signing in does.
    goto(page, s.down + "/admin/login")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    response = navigate(page, button(page, "Sign in"))
    expect_house_error(page, "Settings unavailable")
    return response


@dataclass(frozen=True)
class State:
    name: str
    reach: Callable[[Page, Servers], Response]
    status: int
    endpoint: str  # "" when no route matched (404, 405)


STATES = [
    State("screening-empty", screening_empty, 200, "screening.form"),
    State("screening-errors", screening_errors, 200, "screening.form"),
    State("screening-criteria-errors", screening_criteria_errors, 200, "screening.form"),
    State("summary-eligible", summary_eligible, 200, "screening.form"),
    State("summary-folds-open", summary_folds_open, 200, "screening.form"),
    State("summary-unread-lines", summary_unread_lines, 200, "screening.form"),
    State("summary-review", summary_review, 200, "screening.form"),
    State("summary-not-yet", summary_not_yet, 200, "screening.form"),
    State("summary-do-not-start", summary_do_not_start, 200, "screening.form"),
    State("change-answers", change_answers, 200, "screening.edit"),
    State("sheet-chooser", sheet_chooser, 200, "sheet.choose"),
    State("api-docs", api_docs, 200, "api.docs"),
    State("sheet-chooser-errors", sheet_chooser_errors, 400, "sheet.sheet"),
    State("sheet-bad-link", sheet_bad_link, 400, "sheet.sheet"),
    State("sheet-standard-capsule", sheet_standard, 200, "sheet.sheet"),
    State("sheet-gentle-liquid", sheet_gentle, 200, "sheet.sheet"),
    State("sheet-stale-version", sheet_stale, 200, "sheet.sheet"),
    State("sheet-from-summary", sheet_from_summary, 200, "sheet.for_patient"),
    State("sheet-refused", sheet_refused, 422, "sheet.for_patient"),
    State("followup-empty", followup_empty, 200, "followup.form"),
    State("followup-errors", followup_errors, 200, "followup.form"),
    State("followup-summary", followup_summary, 200, "followup.form"),
    State("followup-change-answers", followup_change_answers, 200, "followup.edit"),
    State("admin-login", admin_login, 200, "admin.auth.login"),
    State("admin-login-error", admin_login_error, 200, "admin.auth.login"),
    State("admin-signed-out", admin_signed_out, 200, "admin.auth.login"),
    State("admin-home", admin_home, 200, "admin.home"),
    State("admin-settings", admin_settings, 200, "admin.settings.edit"),
    State("admin-settings-errors", admin_settings_errors, 200, "admin.settings.preview"),
    State("admin-settings-no-change", admin_settings_no_change, 200, "admin.settings.preview"),
    State("admin-preview", admin_preview, 200, "admin.settings.preview"),
    State("admin-publish-no-reason", admin_publish_without_reason, 200, "admin.settings.publish"),
    State("admin-change-the-values", admin_change_the_values, 200, "admin.settings.publish"),
    State("admin-published", admin_published, 200, "admin.history.version"),
    State("admin-publish-conflict", admin_conflict, 200, "admin.settings.publish"),
    State("admin-history", admin_history, 200, "admin.history.index"),
    State("admin-version-1", admin_version_1, 200, "admin.history.version"),
    State("admin-version-2", admin_version_2, 200, "admin.history.version"),
    State("admin-compare", admin_compare, 200, "admin.history.compare"),
    State("admin-compare-errors", admin_compare_errors, 200, "admin.history.compare"),
    State("admin-rollback", admin_rollback, 200, "admin.history.rollback"),
    State("admin-rollback-errors", admin_rollback_errors, 200, "admin.history.rollback"),
    State("admin-audit", admin_audit, 200, "admin.audit.index"),
    State("admin-audit-filtered", admin_audit_filtered, 200, "admin.audit.index"),
    State("admin-audit-errors", admin_audit_errors, 400, "admin.audit.index"),
    State("admin-cds-feedback-empty", admin_cds_feedback_empty, 200, "admin.feedback.index"),
    State("admin-cds-feedback", admin_cds_feedback, 200, "admin.feedback.index"),
    State(
        "admin-preview-with-cds-feedback",
        admin_preview_with_cds_feedback,
        200,
        "admin.settings.preview",
    ),
    State("error-400", error_400, 400, "screening.edit"),
    State("error-404", error_404, 404, ""),
    State("error-404-admin", admin_error_404, 404, "admin.history.version"),
    State("error-405", error_405, 405, ""),
    State("error-413", error_413, 413, "screening.form"),
    State("error-500", error_500, 500, "sweep_boom"),
    State("error-503", error_503, 503, "screening.form"),
    State("error-503-sheet", error_503_sheet, 503, "sheet.choose"),
    State("error-503-sign-in", error_503_sign_in, 503, "admin.auth.login"),
]


@pytest.mark.parametrize("state", STATES, ids=[s.name for s in STATES])
def test_no_serious_axe_violations_and_the_page_contract_holds(
    axe_page: Page, servers: Servers, state: State
) -> None:
    response = state.reach(axe_page, servers)
    assert response.status == state.status, state.name
    assert response.headers.get(ENDPOINT_HEADER.lower()) == state.endpoint, state.name
    assert response.headers["content-type"].startswith("text/html")
    # The house layout: the skip link leads to <main>, which the contract below also checks.
    expect(axe_page.locator("a.skip-link")).to_have_attribute("href", "#main")
    check_page(axe_page.content())
    assert serious_axe_violations(axe_page) == [], state.name


def test_the_sweep_covers_every_route(sweep_app: Flask) -> None:
    routes = {rule.endpoint for rule in sweep_app.url_map.iter_rules()} - NOT_PAGES
    swept = {s.endpoint for s in STATES}
    missing = routes - swept
    assert not missing, f"routes the accessibility sweep does not visit: {sorted(missing)}"
    assert len(STATES) == len({s.name for s in STATES})  # ids are unique
