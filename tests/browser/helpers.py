"""Helpers for the browser tests: Debian's Chromium, serving an app on a loopback port,
the axe-core check and screenshots. Fixtures live in conftest.py; these are imported."""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page
from werkzeug.serving import make_server

# Debian's Chromium in its headless build (package chromium-headless-shell): the same Blink
# layout, print and accessibility code as the desktop browser, without the desktop shell.
# It is what Playwright itself drives for headless runs, and it halves the suite's browser
# time on two cores. LDN_CHROMIUM=/usr/bin/chromium runs the tests in the desktop build.
CHROMIUM = os.environ.get("LDN_CHROMIUM", "/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
ARTIFACTS = Path(os.environ.get("LDN_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts"))


@contextlib.contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yields the base address."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


_AXE_SOURCE = (resources.files("axe_playwright_python") / "axe.min.js").read_text()


def serious_axe_violations(page: Page) -> list[dict]:  # type: ignore[type-arg]
    """Run axe-core (WCAG 2.x A/AA rules) and return serious or critical violations."""
    page.add_script_tag(content=_AXE_SOURCE)
    # Every rule still runs; resultTypes only spares axe the node details of the passes and
    # of the inapplicable and incomplete checks, and only the violations cross back to
    # Python. Together they halve the time of each check.
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations'], runOnly: "
        "{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', "
        "'best-practice']}})).violations"
    )
    bad = [v for v in violations if v["impact"] in {"serious", "critical"}]
    if bad:
        print(json.dumps([{k: v[k] for k in ("id", "impact", "help")} for v in bad], indent=1))
    return bad


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
