"""The counselling sheet printed by real Chromium: at most two pages of Letter or A4.

Each PDF is read back with poppler (pdfinfo, pdftotext) and rendered to PNG pages in
artifacts/ so a person can look at the layout.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from ldn_screen.app import create_app
from ldn_screen.rules import DEFAULT_SETTINGS, DosePlan, Formulation, RuleSettings, Schedule
from ldn_screen.rules.dosing import build_dose_plan
from ldn_screen.rules.units import fmt_date, fmt_mg, fmt_ml
from tests.browser.helpers import ARTIFACTS, screenshot, serious_axe_violations
from tests.browser.test_accessibility_sweep import fill_answers

pytestmark = pytest.mark.browser

CLINIC_NAME = "Riverside Pain Clinic"
CLINIC_PHONE = "(555) 010-4477"
START = dt.date.today() + dt.timedelta(days=7)
CARD_TITLE = "I take low-dose naltrexone (an opioid blocker)."


@dataclass(frozen=True)
class SheetServer:
    url: str
    version: int
    settings: RuleSettings


@pytest.fixture(scope="module")
def sheet_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SheetServer]:
    # Its own app, so publishing clinic details here never moves another test's version.
    app: Flask = create_app({"INSTANCE_PATH": str(tmp_path_factory.mktemp("sheet-instance"))})
    store = app.extensions["ldn_settings"]
    current = store.read().active
    values = {
        **current.settings.as_dict(),
        "clinic_name": CLINIC_NAME,
        "clinic_phone": CLINIC_PHONE,
    }
    published = store.publish(values, "test", "Clinic details for the sheet", current.number)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SheetServer(
        f"http://127.0.0.1:{server.server_port}", published.number, published.settings
    )
    server.shutdown()
    app.extensions["ldn_engine"].dispose()


def sheet_query(schedule: Schedule, formulation: Formulation, version: int) -> str:
    params = {"schedule": schedule.value, "start": START.isoformat()}
    params["formulation"] = formulation.value
    if formulation is Formulation.LIQUID:
        params["mg_per_ml"] = f"{DEFAULT_SETTINGS.liquid_mg_per_ml:g}"
    params["v"] = str(version)
    return "/sheet/print?" + urlencode(params)


def print_on_two_pages(page: Page, name: str, paper: str) -> list[str]:
    """Print the page to artifacts/NAME.pdf (and a PNG per page, to look at), check that it
    fits on two pages, and return each page's text."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / f"{name}.pdf"
    page.pdf(path=str(pdf), format=paper)
    pages = page_count(pdf)
    print(f"{name}: {pages} page(s)")
    assert pages <= 2, f"{name} printed on {pages} pages"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / name)],
        check=True,
        capture_output=True,
    )
    return pdf_pages_text(pdf, pages)


def pdf_pages_text(pdf: Path, pages: int) -> list[str]:
    """The text of each page, whitespace collapsed, so phrases can be found across lines."""
    texts = []
    for n in range(1, pages + 1):
        out = subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        texts.append(" ".join(out.split()))
    return texts


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
    assert match, info.stdout
    return int(match.group(1))


def assert_rows_whole(per_page: list[str], plan: DosePlan, formulation: Formulation) -> None:
    """Every calendar row reads whole, in order, on exactly one page of the PDF's text."""
    for step in plan.steps:
        end = fmt_date(step.ends_on) if step.ends_on else "your review"
        dates = f"{fmt_date(step.starts_on)} to {end}"
        row = f"{step.number} {dates} {fmt_mg(step.dose_mg)}"
        if formulation is Formulation.LIQUID:
            assert step.volume_ml is not None
            row += f" {fmt_ml(step.volume_ml)}"
        assert sum(row in p for p in per_page) == 1, f"row not whole on one page: {row!r}"


@pytest.mark.parametrize("paper", ["Letter", "A4"])
@pytest.mark.parametrize("formulation", [Formulation.CAPSULE, Formulation.LIQUID])
@pytest.mark.parametrize("schedule", [Schedule.STANDARD, Schedule.GENTLE])
def test_sheet_prints_on_two_pages_with_the_plan_and_the_card(
    page: Page,
    sheet_server: SheetServer,
    paper: str,
    formulation: Formulation,
    schedule: Schedule,
) -> None:
    page.goto(sheet_server.url + sheet_query(schedule, formulation, sheet_server.version))
    expect(page.locator("h1")).to_have_text("Your low-dose naltrexone (LDN) plan")
    assert card_fits(page)
    name = f"sheet-{paper.lower()}-{schedule.value}-{formulation.value}"
    per_page = print_on_two_pages(page, name, paper)
    text = " ".join(per_page)

    # The calendar matches the rules package's plan for the same inputs, row by row,
    # and no row is split across the two pages.
    plan = build_dose_plan(sheet_server.settings, schedule, formulation, START)
    assert len(plan.steps) == (3 if schedule is Schedule.STANDARD else 9)
    assert_rows_whole(per_page, plan, formulation)
    assert f"Review {fmt_date(plan.review_on)}" in text
    if formulation is Formulation.CAPSULE:
        assert " mL" not in text.replace("mg per mL", "")

    # Traceability, the clinic's details from the published settings, and the hand-filled lines.
    # The version is a small line for staff at the end, not in the patient's header.
    assert f"For staff: settings version {sheet_server.version} of" in per_page[-1]
    assert "settings version" not in per_page[0][: per_page[0].index("1. What is LDN")].lower()
    assert CLINIC_PHONE in text and CLINIC_NAME in text
    assert "Name" in per_page[0] and "Date" in per_page[0]

    # The wallet card is whole on one page: its title, emergency note, dose line and phone.
    card_pages = [
        p for p in per_page if CARD_TITLE in p and "My LDN dose" in p and "Clinic phone" in p
    ]
    assert len(card_pages) == 1
    card = card_pages[0][card_pages[0].index(CARD_TITLE) :]
    assert "opioid pain medicines may not work as usual" in card
    assert CLINIC_PHONE in card
    assert EN_ALERT in card and ES_ALERT in card  # bilingual on the English sheet too

    # Print chrome is gone: no navigation, buttons or skip link.
    for chrome in ("Skip to main content", "Print this sheet", "Change the plan", "Admin"):
        assert chrome not in text, chrome


@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_sheet_with_every_patient_line_prints_on_two_pages(
    page: Page, sheet_server: SheetServer, paper: str
) -> None:
    """The longest sheet a screening makes: the gentle liquid calendar (thyroid), a stop for
    surgery inside it, and all four "Just for you" lines (no opioids before the start, the
    operation, thyroid tests, the liquid's strength)."""
    last_dose = dt.date.today() - dt.timedelta(days=3)
    start = last_dose + dt.timedelta(days=sheet_server.settings.washout_days_short_acting)
    surgery = start + dt.timedelta(days=150)  # after the target, before the review
    page.goto(sheet_server.url + "/")
    fill_answers(
        page,
        opioid_use="recent",
        opioid_type="short_acting",
        last_opioid_dose_on=last_dose.isoformat(),
        surgery_planned="yes",
        surgery_on=surgery.isoformat(),
        thyroid_condition="yes",
        formulation="liquid",
    )
    page.get_by_role("button", name="Screen patient").click()
    expect(page.locator("h1")).to_contain_text("Screening result: Not yet")
    with page.expect_popup() as popup:
        page.get_by_role("button", name="Counselling sheet").click()
    sheet = popup.value
    expect(sheet.locator("h1")).to_have_text("Your low-dose naltrexone (LDN) plan")
    expect(sheet.locator(".for-you li")).to_have_count(4)
    per_page = print_on_two_pages(sheet, f"sheet-{paper.lower()}-patient-lines", paper)
    text = " ".join(per_page)
    plan = build_dose_plan(
        sheet_server.settings, Schedule.GENTLE, Formulation.LIQUID, start, surgery_on=surgery
    )
    assert plan.surgery_stop is not None and plan.surgery_stop.last_dose_on is not None
    # Every step up to the stop, whole on one page (the last one ends at the last dose).
    last = plan.surgery_stop.last_dose_on
    for step in plan.steps:
        end = step.ends_on if step.ends_on and step.ends_on <= last else last
        row = f"{step.number} {fmt_date(step.starts_on)} to {fmt_date(end)} {fmt_mg(step.dose_mg)}"
        assert sum(row in p for p in per_page) == 1, f"row not whole on one page: {row!r}"
    for phrase in (
        f"Take no opioid medicines before {fmt_date(start)}.",
        f"Your operation is on {fmt_date(surgery)}.",
        "Have your thyroid blood tests checked every 2 to 3 months",
        f"Your liquid has {sheet_server.settings.liquid_mg_per_ml:g} mg of LDN in each mL.",
        f"Take your last dose on {fmt_date(last)}.",  # the calendar's stop row
        f"For staff: settings version {sheet_server.version} of",
    ):
        assert phrase in text, phrase
    card_pages = [p for p in per_page if CARD_TITLE in p and "Clinic phone" in p]
    assert len(card_pages) == 1
    # The on-screen notes for staff are not printed.
    assert "Clinic details missing" not in text and "Print this sheet" not in text


def test_sheet_and_chooser_have_no_serious_axe_violations(
    axe_page: Page, sheet_server: SheetServer
) -> None:
    for path in (
        "/sheet",
        sheet_query(Schedule.GENTLE, Formulation.LIQUID, sheet_server.version),
        # The Spanish sheet: its lang, the draft band, the bilingual card.
        sheet_query(Schedule.GENTLE, Formulation.LIQUID, sheet_server.version) + "&language=es_US",
        sheet_query(Schedule.STANDARD, Formulation.CAPSULE, 1),  # the stale-version notice
        "/sheet/print?schedule=weekly&start=2026-02-30&formulation=liquid&mg_per_ml=9",
    ):
        axe_page.goto(sheet_server.url + path)
        assert serious_axe_violations(axe_page) == [], path
    screenshot(axe_page, "sheet-chooser-errors")


def test_print_button_prints_with_javascript(page: Page, sheet_server: SheetServer) -> None:
    # Count calls instead of opening the print dialog, which headless Chromium cannot show.
    page.add_init_script("window.__prints = 0; window.print = () => { window.__prints += 1; };")
    page.goto(sheet_server.url + sheet_query(Schedule.GENTLE, Formulation.LIQUID, 1))
    expect(page.locator(".banner-stale")).to_contain_text(f"Version {sheet_server.version} of")
    button = page.get_by_role("button", name="Print this sheet")
    expect(button).to_be_visible()
    expect(page.locator(".no-js-print")).to_be_hidden()
    button.click()
    # The button prints once the packaged font is ready, which may be a moment later.
    page.wait_for_function("window.__prints > 0")
    assert page.evaluate("window.__prints") == 1
    screenshot(page, "sheet-screen-stale")


def test_without_javascript_the_sheet_says_how_to_print(
    browser: Browser, sheet_server: SheetServer
) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1200, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(
            sheet_server.url
            + sheet_query(Schedule.STANDARD, Formulation.CAPSULE, sheet_server.version)
        )
        # A button that cannot work is not offered; the browser's own Print command is.
        expect(page.get_by_role("button", name="Print this sheet")).to_be_hidden()
        expect(page.locator(".no-js-print")).to_be_visible()
        expect(page.locator(".no-js-print")).to_contain_text("browser's Print command")
        screenshot(page, "sheet-screen-no-js")
    finally:
        context.close()


def test_chooser_leads_to_the_sheet_with_the_version_pinned(
    page: Page, sheet_server: SheetServer
) -> None:
    page.goto(sheet_server.url + "/sheet")
    page.get_by_label("Gentle (smaller, slower steps)").check()
    page.get_by_label("Start date").fill(START.isoformat())
    page.get_by_label("Liquid", exact=True).check()
    # The concentration question appears only for liquid.
    expect(page.get_by_label("Liquid concentration")).to_be_visible()
    page.get_by_label("Liquid concentration").fill("2")
    page.get_by_role("button", name="Show the sheet").click()
    expect(page.locator("h1")).to_have_text("Your low-dose naltrexone (LDN) plan")
    assert page.url.endswith(
        "/sheet/print?"
        + urlencode(
            {
                "schedule": "gentle",
                "start": START.isoformat(),
                "formulation": "liquid",
                "mg_per_ml": "2",
                "v": str(sheet_server.version),
            }
        )
    )
    # At 2 mg per mL the first 0.5 mg step is 0.25 mL; the settings' own strength is not used.
    expect(page.locator(".calendar tbody tr").first).to_contain_text("0.25 mL")


# --- The Spanish sheet -----------------------------------------------------------------------

ES_H1 = "Su plan de naltrexona en dosis baja (LDN)"
ES_BAND = "Traducción preliminar: aún no revisada / Draft translation: not yet reviewed"
ES_ALERT = "Tomo naltrexona: los opioides pueden no funcionar."
EN_ALERT = "I take naltrexone: opioids may not work."
ES_CARD_TITLE = "Tomo naltrexona en dosis baja (un bloqueador de opioides)."
# English sentences of the sheet that must never be left in a Spanish one.
ENGLISH_LEFTOVERS = (
    "Your low-dose naltrexone",
    "How to take it",
    "Side effects",
    "Get help right away",
    "Tick a box",
    "Wallet card",
    "your review",
)


def es_date(day: dt.date) -> str:
    from babel.dates import format_date

    return format_date(day, "EEE d MMM y", locale="es_US")  # the calendar's short form


def card_fits(page: Page) -> bool:
    """Both panels of the wallet card hold their text (a panel hides what overflows)."""
    return bool(
        page.evaluate(
            "[...document.querySelectorAll('.card-panel')]"
            ".every(p => p.scrollHeight <= p.clientHeight + 1)"
        )
    )


def assert_spanish_sheet(per_page: list[str]) -> str:
    text = " ".join(per_page)
    assert ES_BAND in per_page[0]  # the draft band, at the top of the first page
    for phrase in ENGLISH_LEFTOVERS:
        assert phrase not in text, phrase
    card_pages = [p for p in per_page if ES_CARD_TITLE in p and "Teléfono de la clínica" in p]
    assert len(card_pages) == 1
    card = card_pages[0][card_pages[0].index(ES_CARD_TITLE) :]
    assert ES_ALERT in card and EN_ALERT in card  # bilingual for emergency staff
    assert CLINIC_PHONE in card
    return text


@pytest.mark.parametrize("paper", ["Letter", "A4"])
@pytest.mark.parametrize("formulation", [Formulation.CAPSULE, Formulation.LIQUID])
@pytest.mark.parametrize("schedule", [Schedule.STANDARD, Schedule.GENTLE])
def test_spanish_sheet_prints_on_two_pages(
    page: Page,
    sheet_server: SheetServer,
    paper: str,
    formulation: Formulation,
    schedule: Schedule,
) -> None:
    query = sheet_query(schedule, formulation, sheet_server.version) + "&language=es_US"
    page.goto(sheet_server.url + query)
    expect(page.locator("h1")).to_have_text(ES_H1)
    assert page.locator("html").get_attribute("lang") == "es-US"
    assert card_fits(page)
    name = f"sheet-es-{paper.lower()}-{schedule.value}-{formulation.value}"
    per_page = print_on_two_pages(page, name, paper)
    text = assert_spanish_sheet(per_page)
    plan = build_dose_plan(sheet_server.settings, schedule, formulation, START)
    for step in plan.steps:
        end = f"al {es_date(step.ends_on)}" if step.ends_on else "a su revisión"
        row = f"{step.number} del {es_date(step.starts_on)} {end} {fmt_mg(step.dose_mg)}"
        if formulation is Formulation.LIQUID:
            assert step.volume_ml is not None
            row += f" {fmt_ml(step.volume_ml)}"
        assert sum(row in p for p in per_page) == 1, f"row not whole on one page: {row!r}"
    assert f"Revisión: {es_date(plan.review_on)}" in text
    assert f"For staff: settings version {sheet_server.version} of" in per_page[-1]


@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_spanish_sheet_with_every_patient_line_prints_on_two_pages(
    page: Page, sheet_server: SheetServer, paper: str
) -> None:
    """The longest Spanish sheet: gentle liquid, a stop for surgery, all four lines for the
    patient; the language is chosen on the summary and posted with the answers."""
    last_dose = dt.date.today() - dt.timedelta(days=3)
    start = last_dose + dt.timedelta(days=sheet_server.settings.washout_days_short_acting)
    surgery = start + dt.timedelta(days=150)
    page.goto(sheet_server.url + "/")
    fill_answers(
        page,
        opioid_use="recent",
        opioid_type="short_acting",
        last_opioid_dose_on=last_dose.isoformat(),
        surgery_planned="yes",
        surgery_on=surgery.isoformat(),
        thyroid_condition="yes",
        formulation="liquid",
    )
    page.get_by_role("button", name="Screen patient").click()
    page.get_by_label("Language of the sheet").select_option("es_US")
    with page.expect_popup() as popup:
        page.get_by_role("button", name="Counselling sheet").click()
    sheet = popup.value
    expect(sheet.locator("h1")).to_have_text(ES_H1)
    assert "/sheet/patient" in sheet.url and "es_US" not in sheet.url
    expect(sheet.locator(".for-you li")).to_have_count(4)
    assert card_fits(sheet)
    per_page = print_on_two_pages(sheet, f"sheet-es-{paper.lower()}-patient-lines", paper)
    text = assert_spanish_sheet(per_page)
    for phrase in (
        "No tome medicinas opioides antes del",
        "Hágase los análisis de sangre de la tiroides cada 2 a 3 meses",
        f"Su líquido tiene {sheet_server.settings.liquid_mg_per_ml:g} mg de LDN en cada mL.",
        "Pare antes de su operación.",
    ):
        assert phrase in text, phrase
