"""Real Chromium (Debian's package) driven by Playwright, against the app on a loopback port."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

from ldn_screen import create_app

CHROMIUM = os.environ.get("LDN_CHROMIUM", "/usr/bin/chromium")
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


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return create_app({"INSTANCE_PATH": str(tmp_path_factory.mktemp("browser-instance"))})


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


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    with serve(live_app) as base:
        yield base


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    # Chromium writes to $HOME even with its own profile; keep that out of the real home.
    os.environ["HOME"] = str(tmp_path_factory.mktemp("chromium-home"))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture()
def axe_page(browser: Browser) -> Iterator[Page]:
    # axe is injected as a script, which the app's strict CSP rightly blocks; bypass it for
    # the accessibility pass only. The CSP itself is tested elsewhere.
    ctx = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
    yield ctx.new_page()
    ctx.close()


_AXE_SOURCE = (resources.files("axe_playwright_python") / "axe.min.js").read_text()


def serious_axe_violations(page: Page) -> list[dict]:  # type: ignore[type-arg]
    """Run axe-core (WCAG 2.x A/AA rules) and return serious or critical violations."""
    page.add_script_tag(content=_AXE_SOURCE)
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    bad = [v for v in result["violations"] if v["impact"] in {"serious", "critical"}]
    if bad:
        print(json.dumps([{k: v[k] for k in ("id", "impact", "help")} for v in bad], indent=1))
    return bad


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
