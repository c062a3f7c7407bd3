"""The screening form inside an EHR's frame (a CDS Hooks smart link), in real Chromium.

Two parent pages, each served by a second local server on another site than the app
("localhost" against the app's "127.0.0.1", so the app's cookies are third-party in the
frame): the allowed EHR's page shows the form, which is filled in and submitted inside the
frame, without any cookie; a page on an origin not in LDN_FRAME_ANCESTORS gets nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import Flask
from playwright.sync_api import Frame, Page, expect

from ldn_screen.app import create_app
from tests.browser.helpers import serve
from tests.helpers import browser_answers

pytestmark = pytest.mark.browser


class ParentPage:
    """An "EHR" page on http://localhost:PORT that frames ``target`` (set once known)."""

    def __init__(self) -> None:
        self.target = ""
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = (
                    "<!doctype html><html lang='en'><head><title>EHR</title></head><body>"
                    "<h1>EHR</h1><iframe id='app' title='LDN screening' "
                    f"src='{owner.target}/' width='1100' height='800'></iframe></body></html>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://localhost:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Setup:
    allowed: ParentPage
    other: ParentPage
    app_url: str


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    allowed, other = ParentPage(), ParentPage()
    app: Flask = create_app(
        {
            "INSTANCE_PATH": str(tmp_path_factory.mktemp("embed-instance")),
            "LDN_FRAME_ANCESTORS": allowed.origin,
        }
    )
    try:
        with serve(app) as base:
            allowed.target = other.target = base
            yield Setup(allowed, other, base)
    finally:
        allowed.close()
        other.close()
        app.extensions["ldn_engine"].dispose()


def app_frame(page: Page, setup: Setup) -> Frame:
    frame = page.frame(url=lambda url: url.startswith(setup.app_url))
    assert frame is not None, [f.url for f in page.frames]
    return frame


def fill_in(frame: Frame) -> None:
    """The answers of tests/helpers.py, set in the framed form as a user would leave them."""
    missing = frame.evaluate(
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
        browser_answers(),
    )
    assert missing == []


def test_the_form_is_filled_in_and_submitted_inside_the_allowed_ehrs_frame(
    page: Page, setup: Setup
) -> None:
    page.goto(setup.allowed.origin + "/")
    frame = app_frame(page, setup)
    expect(frame.locator("h1")).to_have_text("Screen a patient for low-dose naltrexone")
    fill_in(frame)
    with frame.expect_navigation():
        frame.get_by_role("button", name="Screen patient").click()
    expect(frame.locator("h1")).to_contain_text("Screening result")
    # Cross-site in the frame: the app set no cookie, and needed none.
    assert [c for c in page.context.cookies() if "127.0.0.1" in c["domain"]] == []
    # "Change answers" works in the frame too (another embedded POST).
    with frame.expect_navigation():
        frame.get_by_role("button", name="Change answers").first.click()
    expect(frame.locator("h1")).to_have_text("Screen a patient for low-dose naltrexone")


def test_a_page_on_another_origin_cannot_frame_the_form(page: Page, setup: Setup) -> None:
    responses = []
    page.on("response", lambda r: responses.append(r) if r.url == setup.app_url + "/" else None)
    page.goto(setup.other.origin + "/", wait_until="load")
    # The app answered, and the browser refused to show it in this page's frame.
    assert [r.status for r in responses] == [200]
    assert setup.allowed.origin in responses[0].headers["content-security-policy"]
    expect(page.frame_locator("#app").locator("form.screening-form")).to_have_count(0)
    assert page.frame(url=lambda url: url.startswith(setup.app_url)) is None


def test_the_form_opened_directly_still_works(page: Page, setup: Setup) -> None:
    """Outside a frame, the embedded token works the same (same-origin posts)."""
    page.goto(setup.app_url + "/")
    fill_in(page.main_frame)
    with page.expect_navigation():
        page.get_by_role("button", name="Screen patient").click()
    expect(page.locator("h1")).to_contain_text("Screening result")
