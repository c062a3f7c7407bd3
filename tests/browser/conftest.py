"""Real Chromium (Debian's package) driven by Playwright, against the app on a loopback port."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from ldn_screen.app import create_app
from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, serve


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return create_app({"INSTANCE_PATH": str(tmp_path_factory.mktemp("browser-instance"))})


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    with serve(live_app) as base:
        yield base


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium-headless-shell")
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
