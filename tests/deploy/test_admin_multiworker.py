"""Two gunicorn workers on one database: a publish through one is used by both from the very
next request (each worker checks the newest version number on every request), and the sign-in
limits hold exactly across both (the counts are in that database)."""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from ldn_screen.app import create_app
from tests.admin_support import PASSWORD, create_admin, form_fields
from tests.helpers import csrf_token, valid_answers

BATCH = 20
MAX_BATCHES = 10


class Browser:
    """A tiny cookie-keeping HTTP client; each request opens a new connection."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.read().decode()

    def post(self, path: str, data: dict[str, str]) -> str:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, data=body, timeout=10) as response:
            return response.read().decode()


def _hidden(page: str) -> dict[str, str]:
    form = page[page.index('action="/admin/settings/publish"') :]
    form = form[: form.index("</form>")]
    tags = re.findall(r'<input[^>]*type="hidden"[^>]*>', form)
    pairs = [(re.search(r'name="([^"]+)"', t), re.search(r'value="([^"]*)"', t)) for t in tags]
    return {n.group(1): html.unescape(v.group(1)) for n, v in pairs if n and v}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def gunicorn(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    instance = tmp_path / "instance"
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    # Prepare the database, the secret and an admin once, as `ldn-screen serve` does before
    # it starts gunicorn; the workers then share all three.
    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": url})
    create_admin(app)
    app.extensions["ldn_engine"].dispose()
    port, access_log = _free_port(), tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": url, "LDN_INSTANCE_PATH": str(instance)}
    gunicorn_bin = Path(sys.executable).parent / "gunicorn"
    proc = subprocess.Popen(
        [
            str(gunicorn_bin),
            "-c",
            "python:ldn_screen.config.gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(p)s %(m)s %(U)s %(s)s",
            "ldn_screen.app:create_app()",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
        yield base, access_log
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _workers(log: Path, method: str, path: str, after_line: int = 0) -> list[str]:
    """Worker pids that served ``method path``, from the access log (pid first on each line)."""
    lines = log.read_text().splitlines()[after_line:]
    return [line.split()[0] for line in lines if line.split()[1:3] == [method, path]]


def _logged(log: Path, method: str, path: str, after_line: int, count: int) -> list[str]:
    """Like _workers, waiting briefly: a worker writes its access line after it has replied."""
    deadline = time.monotonic() + 5
    while len(found := _workers(log, method, path, after_line)) < count:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return found


def _screen(base: str) -> str:
    browser = Browser(base)
    token = csrf_token(browser.get("/"))
    return browser.post("/", {"csrf_token": token, **valid_answers()})


def test_a_publish_through_one_worker_is_used_by_both_from_the_next_request(
    gunicorn: tuple[str, Path],
) -> None:
    base, log = gunicorn
    # Both workers load (and cache) version 1 first, so the test sees a change, not a first
    # read. Concurrent requests make the kernel hand connections to both workers.
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(MAX_BATCHES):
            list(pool.map(lambda _: _screen(base), range(16)))
            if len(set(_workers(log, "POST", "/"))) == 2:
                break
    assert len(set(_workers(log, "POST", "/"))) == 2, "both workers should have screened"
    assert "settings version 1 of" in _screen(base)

    admin = Browser(base)
    admin.post(
        "/admin/login",
        {
            "csrf_token": csrf_token(admin.get("/admin/login")),
            "username": "alice",
            "password": PASSWORD,
        },
    )
    data = form_fields(admin.get("/admin/settings"), "/admin/settings/preview")
    data["target_dose_mg"] = "3"
    preview = admin.post("/admin/settings/preview", data)
    done = admin.post(
        "/admin/settings/publish",
        {**_hidden(preview), "reason": "Multi-worker test", "action": "publish"},
    )
    assert "Version 2 is published." in html.unescape(done)
    [publisher] = _logged(log, "POST", "/admin/settings/publish", 0, 1)
    published_at = len(log.read_text().splitlines())

    pages: list[str] = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(MAX_BATCHES):
            pages += pool.map(lambda _: _screen(base), range(BATCH))
            if len(set(_workers(log, "POST", "/", after_line=published_at))) == 2:
                break
    shown = [re.search(r"settings version (\d+) of", page) for page in pages]
    assert [m.group(1) if m else None for m in shown] == ["2"] * len(pages)
    assert all("Target 3 mg a day" in html.unescape(page) for page in pages)
    served = _logged(log, "POST", "/", published_at, len(pages))
    assert len(served) == len(pages)
    assert len(set(served)) == 2, "every worker must have screened with the new version"
    assert publisher in served and any(pid != publisher for pid in served)
    print(
        f"{len(pages)} screenings after the publish, by worker: "
        f"{ {pid: served.count(pid) for pid in sorted(set(served))} }"
    )


def _attempt(base: str, username: str, password: str) -> tuple[int, str]:
    """One sign-in from a fresh browser: the page for its token, then the POST."""
    browser = Browser(base)
    token = csrf_token(browser.get("/admin/login"))
    data = {"csrf_token": token, "username": username, "password": password}
    try:
        return 200, html.unescape(browser.post("/admin/login", data))
    except urllib.error.HTTPError as error:
        with error:
            return error.code, html.unescape(error.read().decode())


def _refused(reply: tuple[int, str]) -> bool:
    return reply[0] == 200 and "Enter a correct username and password" in reply[1]


def test_the_sign_in_limits_hold_exactly_across_two_workers(gunicorn: tuple[str, Path]) -> None:
    """The default start command (two workers, no Redis): 12 wrong passwords for one
    account, sent at once, get exactly 5 password checks and 7 refusals between them; 30
    names from one address exactly 20. (With counters in each worker's memory the limits
    were really 10 and about 40.)"""
    base, log = gunicorn
    with ThreadPoolExecutor(max_workers=12) as pool:
        replies = list(pool.map(lambda _: _attempt(base, "alice", "not the password!"), range(12)))
    checked = [r for r in replies if _refused(r)]
    paused = [r for r in replies if r[0] == 429]
    assert (len(checked), len(paused)) == (5, 7), [r[0] for r in replies]
    assert all("Sign-ins to this account are paused until" in r[1] for r in paused)
    assert len(set(_workers(log, "POST", "/admin/login"))) == 2, "both workers must have counted"
    # The right password is refused too now, on either worker.
    for _ in range(4):
        assert _attempt(base, "alice", PASSWORD)[0] == 429

    # The client limit: the 5 failures above count for this address too (the paused
    # attempts checked no password and do not).
    with ThreadPoolExecutor(max_workers=12) as pool:
        names = [f"guess{n}" for n in range(30)]
        replies = list(pool.map(lambda name: _attempt(base, name, "not the password!"), names))
    checked = [r for r in replies if _refused(r)]
    assert len(checked) == 20 - 5, [r[0] for r in replies]
    paused = [r for r in replies if r[0] == 429]
    assert len(paused) == 30 - 15
    assert all("Sign-ins from this address (127.0.0.1) are paused until" in r[1] for r in paused)
