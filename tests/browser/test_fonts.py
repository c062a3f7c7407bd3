"""The packaged font (static/fonts/) is what every page draws with, and the printed sheet's
layout does not depend on the fonts the computer happens to have.

Chromium reports which font actually drew a node (DevTools CSS.getPlatformFontsForNode), so
these tests check the glyphs on the page, not only the CSS. The fallback-font tests start
Chromium with fontconfig limited to one set of system fonts (DejaVu only, Liberation only, or
one narrow font only) and require the printed sheet to come out exactly as in the default
browser. (Chromium needs at least one system font: with none at all it aborts in Skia.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Response, expect

from ldn_screen.rules import Formulation, Schedule
from ldn_screen.rules.dosing import build_dose_plan
from ldn_screen.rules.settings import SPECS_BY_NAME
from ldn_screen.rules.units import fmt_date, fmt_mg, fmt_ml, volume_ml
from ldn_screen.web.forms.sheet import START_WINDOW
from tests.browser.helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_screening_browser import fill_valid
from tests.browser.test_sheet_print import (
    START,
    assert_rows_whole,
    page_count,
    pdf_pages_text,
    sheet_query,
)

pytestmark = pytest.mark.browser

FAMILY = "Atkinson Hyperlegible"
FONT_FILES = {
    "atkinson-hyperlegible-latin-400-normal.woff2",
    "atkinson-hyperlegible-latin-700-normal.woff2",
}
MM = 96 / 25.4  # CSS pixels per millimetre
# The printable width of each paper: the page less the sheet's @page side margins (11 mm each).
PAPER_WIDTH_MM = {"Letter": 215.9 - 22, "A4": 210 - 22}

# Fallback font setups: the only system font files Chromium may see, the Debian package that
# provides them (.ci/test installs both), and how their family names begin.
FONT_SETUPS = {
    "dejavu": ("/usr/share/fonts/truetype/dejavu/*.ttf", "fonts-dejavu-core", "DejaVu"),
    "liberation": ("/usr/share/fonts/truetype/liberation/*.ttf", "fonts-liberation", "Liberation"),
    "one narrow font": (
        "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Regular.ttf",
        "fonts-liberation",
        "Liberation Sans Narrow",
    ),
}


def current_version(app: Flask) -> int:
    return app.extensions["ldn_settings"].read().active.number


def sheet_path(app: Flask, schedule: Schedule, formulation: Formulation) -> str:
    return sheet_query(schedule, formulation, current_version(app))


# ---- which font drew the page ----------------------------------------------------------------


def platform_fonts(page: Page, selector: str) -> list[dict[str, Any]]:
    """The fonts Chromium used to draw the text of the first node matching ``selector``."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, f"nothing matches {selector!r}"
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()


def assert_drawn_in_packaged_font(page: Page, selector: str) -> None:
    fonts = platform_fonts(page, selector)
    assert fonts, f"{selector}: no font drew any glyph"
    families = {(f["familyName"], f["isCustomFont"]) for f in fonts}
    assert families == {(FAMILY, True)}, f"{selector} drawn with {families}"


def wait_for_fonts(page: Page) -> None:
    page.evaluate("async () => { await document.fonts.ready; }")


def summary(page: Page, base: str) -> None:
    page.goto(base + "/")
    fill_valid(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Screen patient").click()
    expect(page.locator("h1")).to_contain_text("Screening result")


def visit(path: str) -> Callable[[Page, str, Flask], None]:
    def go(page: Page, base: str, app: Flask) -> None:
        page.goto(base + path)

    return go


def gentle_liquid_sheet(page: Page, base: str, app: Flask) -> None:
    page.goto(base + sheet_path(app, Schedule.GENTLE, Formulation.LIQUID))


PAGES: dict[str, Callable[[Page, str, Flask], None]] = {
    "screening form": visit("/"),
    "summary": lambda page, base, app: summary(page, base),
    "follow-up form": visit("/followup"),
    "sheet chooser": visit("/sheet"),
    "sheet": gentle_liquid_sheet,
    "admin sign-in": visit("/admin/login"),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_draws_with_the_packaged_font(
    page: Page, live_server: str, live_app: Flask, name: str
) -> None:
    font_responses: list[Response] = []
    page.on("response", lambda r: font_responses.append(r) if "/static/fonts/" in r.url else None)
    # A font refused by the CSP or failing to decode is reported on the console. (Other
    # errors, such as a missing favicon, are not this test's business.)
    refusals: list[str] = []
    page.on(
        "console",
        lambda m: (
            refusals.append(m.text)
            if m.type == "error"
            and ("Content Security Policy" in m.text or "font" in m.text.lower())
            else None
        ),
    )

    PAGES[name](page, live_server, live_app)
    wait_for_fonts(page)

    # The files came from this app, under its CSP, as WOFF2. (The first answer for each
    # file; a page after the first revalidates it and may get 304.)
    served: dict[str, Response] = {}
    for r in font_responses:
        served.setdefault(r.url.rsplit("/", 1)[-1], r)
    assert served.keys() >= FONT_FILES, sorted(served)
    for file, response in served.items():
        assert response.url.startswith(live_server + "/static/fonts/"), response.url
        assert response.status == 200, (file, response.status)
        assert response.headers["content-type"] == "font/woff2", (file, response.headers)
    assert refusals == []

    # The browser has the regular and the bold face loaded ...
    assert page.evaluate(f"document.fonts.check('16px \"{FAMILY}\"')")
    assert page.evaluate(f"document.fonts.check('bold 16px \"{FAMILY}\"')")
    loaded = page.evaluate(
        "family => [...document.fonts].filter(f => f.family.replace(/\"/g, '') === family"
        " && f.status === 'loaded').map(f => f.weight)",
        FAMILY,
    )
    assert {"400", "700"} <= set(loaded), loaded
    # ... and drew the heading (bold) and the page's text (regular) with it, nothing else.
    assert_drawn_in_packaged_font(page, "h1")
    page.evaluate(
        "() => [...document.querySelectorAll('main p, main label')]"
        ".find(e => e.offsetParent !== null && e.textContent.trim())"
        ".setAttribute('data-font-probe', '')"
    )
    assert_drawn_in_packaged_font(page, "[data-font-probe]")


# ---- the calendar's cells ----------------------------------------------------------------------

# For every body row of the calendar: each cell's text on one line and inside its own cell,
# and no cell overlapping the next. Returns what is wrong, as readable strings.
CALENDAR_PROBLEMS_JS = """
([selector, ticksOnOneLine]) => {
  const table = [...document.querySelectorAll(selector)].find(t => t.offsetParent !== null);
  if (!table) return ['no visible calendar: ' + selector];
  const problems = [];
  for (const row of table.tBodies[0].rows) {
    const cells = [...row.cells];
    cells.forEach((cell, i) => {
      const box = cell.getBoundingClientRect();
      const style = getComputedStyle(cell);
      const inner = {left: box.left + parseFloat(style.paddingLeft) - 0.5,
                     right: box.right - parseFloat(style.paddingRight) + 0.5};
      const label = `row "${row.cells[0].textContent.trim()}" cell ${i}`;
      if (i + 1 < cells.length && box.right > cells[i + 1].getBoundingClientRect().left + 0.5)
        problems.push(`${label} overlaps the next cell`);
      if (cell.scrollWidth > cell.clientWidth + 1) problems.push(`${label} overflows`);
      if (cell.classList.contains('tick-cell')) {
        if (!ticksOnOneLine) return;
        const ticks = [...cell.querySelectorAll('.tick, .tick-count')];
        const tops = new Set(ticks.map(t => Math.round(t.getBoundingClientRect().bottom)));
        const last = ticks[ticks.length - 1].getBoundingClientRect();
        if (tops.size > 1 && Math.abs(last.bottom - ticks[0].getBoundingClientRect().bottom) > 3)
          problems.push(`${label}: tick boxes and count on ${tops.size} lines`);
        if (last.right > inner.right) problems.push(`${label}: tick count past the cell`);
        return;
      }
      const text = cell.textContent.trim();
      if (!text) return;
      const range = document.createRange();
      range.selectNodeContents(cell);
      const rects = [...range.getClientRects()].filter(r => r.width > 0);
      const lines = new Set(rects.map(r => Math.round(r.top)));
      if (lines.size !== 1) problems.push(`${label} "${text}" on ${lines.size} lines`);
      const extent = range.getBoundingClientRect();
      if (extent.left < inner.left || extent.right > inner.right)
        problems.push(`${label} "${text}" runs outside its cell`);
    });
  }
  return problems;
}
"""

SHEET_CALENDAR = "table.calendar"


def calendar_problems(page: Page, selector: str, ticks_on_one_line: bool) -> list[str]:
    return page.evaluate(CALENDAR_PROBLEMS_JS, [selector, ticks_on_one_line])


def as_printed(page: Page, paper: str) -> None:
    """Lay the page out as on paper: print styles, at the printable width of ``paper``."""
    page.emulate_media(media="print")
    page.set_viewport_size({"width": round(PAPER_WIDTH_MM[paper] * MM), "height": 1100})


def test_summary_calendar_cells_hold_their_dates_and_doses(page: Page, live_server: str) -> None:
    summary(page, live_server)
    wait_for_fonts(page)
    calendar = page.locator("table", has=page.locator("caption", has_text="Titration calendar"))
    calendar.evaluate("t => t.setAttribute('data-checked-calendar', '')")
    expect(calendar.locator("tbody tr")).to_have_count(3)  # the standard schedule's steps
    assert calendar_problems(page, "[data-checked-calendar]", ticks_on_one_line=False) == []


@pytest.mark.parametrize("formulation", [Formulation.CAPSULE, Formulation.LIQUID])
def test_sheet_calendar_cells_hold_their_content_on_screen_and_paper(
    page: Page, live_server: str, live_app: Flask, formulation: Formulation
) -> None:
    page.goto(live_server + sheet_path(live_app, Schedule.GENTLE, formulation))
    wait_for_fonts(page)
    assert page.locator(f"{SHEET_CALENDAR} tbody tr").count() == 10  # 9 steps and the review
    assert calendar_problems(page, SHEET_CALENDAR, ticks_on_one_line=False) == []
    for paper in PAPER_WIDTH_MM:
        as_printed(page, paper)
        assert calendar_problems(page, SHEET_CALENDAR, ticks_on_one_line=True) == [], paper


def widest_contents() -> dict[str, list[str]]:
    """Every date, dose and volume the sheet can print, for the page to pick the widest of."""
    today = dt.date.today()
    # A plan starts within START_WINDOW of today; the gentle climb and the review add a year.
    first, last = today - START_WINDOW, today + START_WINDOW + dt.timedelta(days=366)
    dates = {fmt_date(first + dt.timedelta(days=n)) for n in range((last - first).days + 1)}
    doses = _range("standard_start_dose_mg") | _range("max_dose_mg")
    strengths = _range("liquid_mg_per_ml")
    return {
        "dates": sorted(dates),
        "doses": sorted(fmt_mg(d) for d in doses),
        "volumes": sorted({fmt_ml(volume_ml(d, c)) for d in doses for c in strengths}),
    }


def _range(name: str) -> set[float]:
    spec = SPECS_BY_NAME[name]
    assert spec.minimum is not None and spec.maximum is not None and spec.step is not None
    count = round((spec.maximum - spec.minimum) / spec.step)
    return {round(spec.minimum + n * spec.step, 4) for n in range(count + 1)}


# Puts the widest text of each kind (measured in the cell's own font) into every cell of
# that column, so the check below covers what any settings version or start date can print.
FILL_WIDEST_JS = """
(contents) => {
  const ctx = document.createElement('canvas').getContext('2d');
  const widest = (cell, texts) => {
    ctx.font = getComputedStyle(cell).font;
    return texts.reduce((a, b) => ctx.measureText(b).width > ctx.measureText(a).width ? b : a);
  };
  const rows = [...document.querySelectorAll('table.calendar tbody tr:not(.review-row)')];
  const used = {};
  for (const row of rows) {
    const [dates, dose, volume] = row.querySelectorAll('td.dates, td.dose');
    const date = widest(dates, contents.dates);
    used.dates = dates.textContent = `${date} to ${date}`;
    used.dose = dose.textContent = widest(dose, contents.doses);
    if (volume) used.volume = volume.textContent = widest(volume, contents.volumes);
  }
  return used;
}
"""


@pytest.mark.parametrize("paper", list(PAPER_WIDTH_MM))
def test_sheet_columns_hold_the_widest_dates_doses_and_volumes(
    page: Page, live_server: str, live_app: Flask, paper: str
) -> None:
    page.goto(live_server + sheet_path(live_app, Schedule.GENTLE, Formulation.LIQUID))
    wait_for_fonts(page)
    as_printed(page, paper)
    contents = widest_contents()
    used = page.evaluate(FILL_WIDEST_JS, contents)
    assert used["dose"] in contents["doses"] and used["volume"] in contents["volumes"]
    print(paper, used)
    assert calendar_problems(page, SHEET_CALENDAR, ticks_on_one_line=True) == []


# ---- the same sheet whatever the system fonts ------------------------------------------------

# Where every block of the sheet sits on paper: equal signatures, equal printed layout.
LAYOUT_JS = """
() => [...document.querySelectorAll(
  '.sheet h1, .sheet h2, .sheet h3, .sheet p, .sheet li, .sheet tr, .sheet td, .sheet th,'
  + ' .sheet dt, .sheet dd, .wallet-card')].map(e => {
    const r = e.getBoundingClientRect();
    return [e.tagName, Math.round(r.x * 10) / 10, Math.round(r.y * 10) / 10,
            Math.round(r.width * 10) / 10, Math.round(r.height * 10) / 10];
  })
"""
HEADINGS = [
    "1. What is LDN",
    "2. How to take it",
    "3. Side effects",
    "4. Get help right away",
    "5. LDN and opioid medicines",
    "6. Getting your LDN",
    "7. Your clinic",
    "8. Wallet card",
]


@dataclass(frozen=True)
class Printed:
    layout: dict[str, list[list[Any]]]  # per paper
    heading_pages: dict[str, list[int]]  # per paper: the page each numbered heading is on


def print_sheet(page: Page, base: str, app: Flask, label: str) -> Printed:
    """Print the gentle liquid sheet (the longest) on Letter and A4 and read both back."""
    page.goto(base + sheet_path(app, Schedule.GENTLE, Formulation.LIQUID))
    wait_for_fonts(page)
    plan = build_dose_plan(
        app.extensions["ldn_settings"].read().active.settings,
        Schedule.GENTLE,
        Formulation.LIQUID,
        START,
    )
    layout, heading_pages = {}, {}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for paper in PAPER_WIDTH_MM:
        pdf = ARTIFACTS / f"sheet-fonts-{label.replace(' ', '-')}-{paper.lower()}.pdf"
        page.pdf(path=str(pdf), format=paper)
        pages = page_count(pdf)
        assert pages <= 2, f"{label}: {paper} printed on {pages} pages"
        per_page = pdf_pages_text(pdf, pages)
        assert_rows_whole(per_page, plan, Formulation.LIQUID)
        heading_pages[paper] = [
            next(n for n, text in enumerate(per_page, 1) if h in text) for h in HEADINGS
        ]
        as_printed(page, paper)
        layout[paper] = page.evaluate(LAYOUT_JS)
    return Printed(layout, heading_pages)


@pytest.fixture(scope="module")
def reference(browser: Browser, live_server: str, live_app: Flask) -> Printed:
    """The sheet as the default browser, with every font of this computer, prints it."""
    context = browser.new_context()
    try:
        return print_sheet(context.new_page(), live_server, live_app, "default")
    finally:
        context.close()


@contextlib.contextmanager
def browser_with_fonts(browser: Browser, setup: str, workdir: Path) -> Iterator[Page]:
    """A second Chromium whose fontconfig sees only the fonts of ``setup``."""
    pattern, package, _ = FONT_SETUPS[setup]
    files = sorted(glob.glob(pattern))
    if not files:
        pytest.fail(f"no {pattern}: apt-get install {package} (bash .ci/test does)")
    folder = workdir / "fonts"
    folder.mkdir()
    for file in files:
        (folder / Path(file).name).symlink_to(file)
    # The system's rendering rules (hinting, antialiasing) stay as in the default browser: they
    # move glyphs by fractions of a pixel and are not fonts. Rules that add font folders or
    # further files are left out.
    rules = "".join(
        f"  <include>{path}</include>\n"
        for path in sorted(Path("/etc/fonts/conf.d").glob("*.conf"))
        if not re.search(r"<dir|<include", path.read_text(errors="replace"))
    )
    conf = workdir / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{folder}</dir>\n  <cachedir>{workdir / 'cache'}</cachedir>\n{rules}</fontconfig>\n"
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    limited = browser.browser_type.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, env=env
    )
    try:
        yield limited.new_context().new_page()
    finally:
        limited.close()


def system_fallback_families(page: Page) -> set[str]:
    """The system fonts this browser falls back to for text no web font covers."""
    page.evaluate(
        "() => { const s = document.createElement('span'); s.id = 'font-probe';"
        " s.style.fontFamily = 'no-such-font, sans-serif'; s.textContent = 'Probe 0123';"
        " document.body.append(s); }"
    )
    fonts = platform_fonts(page, "#font-probe")
    page.evaluate("() => document.getElementById('font-probe').remove()")
    assert all(not f["isCustomFont"] for f in fonts), fonts
    return {f["familyName"] for f in fonts}


@pytest.mark.parametrize("setup", list(FONT_SETUPS))
def test_sheet_prints_the_same_whatever_the_system_fonts(
    browser: Browser,
    live_server: str,
    live_app: Flask,
    reference: Printed,
    setup: str,
    tmp_path: Path,
) -> None:
    with browser_with_fonts(browser, setup, tmp_path) as page:
        page.goto(live_server + "/sheet")
        # The setup took hold: the system fonts this browser can fall back to are only these.
        families = system_fallback_families(page)
        prefix = FONT_SETUPS[setup][2]
        assert families and all(f.startswith(prefix) for f in families), families
        printed = print_sheet(page, live_server, live_app, setup)
        assert_drawn_in_packaged_font(page, "table.calendar td.dates")
        assert_drawn_in_packaged_font(page, "table.calendar td.dose")
    assert printed.heading_pages == reference.heading_pages
    for paper in PAPER_WIDTH_MM:
        assert printed.layout[paper] == reference.layout[paper], f"{setup}: {paper} differs"


def test_without_the_packaged_font_the_layout_would_change(
    browser: Browser, live_server: str, live_app: Flask, reference: Printed, tmp_path: Path
) -> None:
    # The control for the test above: with the font files refused, the same DejaVu-only
    # browser lays the sheet out differently, so equal layouts there do prove the packaged
    # font at work. The columns still hold the fallback's wider dates.
    with browser_with_fonts(browser, "dejavu", tmp_path) as page:
        page.route("**/static/fonts/**", lambda route: route.abort())
        page.goto(live_server + sheet_path(live_app, Schedule.GENTLE, Formulation.LIQUID))
        wait_for_fonts(page)
        assert not page.evaluate(f"document.fonts.check('16px \"{FAMILY}\"')")
        fonts = {f["familyName"] for f in platform_fonts(page, "table.calendar td.dates")}
        assert fonts and all(f.startswith("DejaVu") for f in fonts), fonts
        for paper in PAPER_WIDTH_MM:
            as_printed(page, paper)
            assert page.evaluate(LAYOUT_JS) != reference.layout[paper], paper
            assert calendar_problems(page, SHEET_CALENDAR, ticks_on_one_line=False) == [], paper
