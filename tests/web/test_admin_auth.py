"""Admin sign-in: required under /admin only, CSRF on, throttled, audited, timed out."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from limits.errors import ConfigurationError

from ldn_screen.app import create_app
from ldn_screen.store.audit import AuditLog
from tests.admin_support import PASSWORD, create_admin, login, text_of
from tests.helpers import check_page, csrf_token, post_screening


def audit_rows(app: Flask, action: str | None = None) -> list:  # type: ignore[type-arg]
    return AuditLog(app.extensions["ldn_engine"]).search(action=action, limit=500).records


def from_ip(app: Flask, ip: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def attempt(client: FlaskClient, username: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    return client.post(
        "/admin/login", data={"csrf_token": token, "username": username, "password": password}
    )


def admin_rules(app: Flask) -> list[tuple[str, str]]:
    """Every (method, url) under /admin, with sample values for the URL parameters."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        url = rule.rule.replace("<int:number>", "1")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def test_every_admin_page_needs_a_login_and_nothing_else_does(app: Flask) -> None:
    client = app.test_client()
    rules = admin_rules(app)
    assert len(rules) >= 10  # login, logout, home, settings (3), history (4), audit
    for method, url in rules:
        if url == "/admin/login":
            continue
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert response.location.startswith("/admin/login"), (method, url)
    assert client.get("/").status_code == 200  # screening needs no account
    assert client.get("/healthz").status_code == 200
    assert AuditLog(app.extensions["ldn_engine"]).search(action="publish").total == 0


def test_login_page_meets_the_page_contract(client: FlaskClient) -> None:
    response = client.get("/admin/login")
    page = check_page(response.get_data(as_text=True))
    assert page.title.startswith("Sign in to the admin pages")
    body = response.get_data(as_text=True)
    assert 'autocomplete="current-password"' in body and 'type="password"' in body
    assert response.headers["Cache-Control"] == "no-store"


def test_a_successful_login_is_audited_and_sets_a_hardened_cookie(app: Flask) -> None:
    create_admin(app)
    client = from_ip(app, "192.0.2.10")
    response = login(client)
    assert response.status_code == 302 and response.location == "/admin/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # only when configured for TLS
    expires = re.search(r"Expires=([^;]+)", cookie)
    assert expires, "an admin session is a timed (permanent) session"
    home = client.get("/admin/")
    assert home.status_code == 200
    assert "Signed in as alice" in text_of(home)
    [row] = audit_rows(app, "login")
    assert (row.actor, row.outcome, row.client) == ("alice", "success", "192.0.2.10")


def test_cookies_are_secure_when_configured_for_tls(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path / "i"), "TESTING": True, "LDN_TLS": True})
    create_admin(app)
    cookie = login(app.test_client()).headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
    app.extensions["ldn_engine"].dispose()


@pytest.mark.parametrize(
    ("username", "password", "message", "actor", "reason"),
    [
        ("alice", "wrong password!", "Enter a correct username and password", "alice", "wrong"),
        ("nobody", PASSWORD, "Enter a correct username and password", "(unknown account)", "no"),
        ("alice", "", "Enter your password", None, None),
        ("", PASSWORD, "Enter your username", None, None),
    ],
)
def test_a_failed_login_shows_the_error_and_is_audited(
    app: Flask,
    username: str,
    password: str,
    message: str,
    actor: str | None,
    reason: str | None,
) -> None:
    create_admin(app)
    client = app.test_client()
    response = attempt(client, username, password)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    page = check_page(body)
    assert page.title.startswith("Error: Sign in")
    assert f">{message}</a>" in body  # in the error summary
    assert f"</span> {message}</p>" in body  # at the field
    assert PASSWORD not in body  # the password is never sent back
    assert client.get("/admin/").status_code == 302
    rows = audit_rows(app, "login")
    if actor is None:
        assert rows == []  # an empty field checks no password and records nothing
    else:
        [row] = rows
        assert (row.actor, row.outcome) == (actor, "failure")
        assert row.detail["reason"].startswith(reason or "")
        assert "nobody" not in str(row.detail)  # typed names that are not accounts are dropped


def test_login_needs_the_csrf_token(app: Flask) -> None:
    create_admin(app)
    client = app.test_client()
    missing = client.post("/admin/login", data={"username": "alice", "password": PASSWORD})
    assert missing.status_code == 400
    client.get("/admin/login")
    stale = client.post(
        "/admin/login", data={"csrf_token": "old", "username": "alice", "password": PASSWORD}
    )
    assert stale.status_code == 200
    assert "This page was open too long. Sign in again." in text_of(stale)
    assert 'value="alice"' in stale.get_data(as_text=True)  # the name is kept
    assert client.get("/admin/").status_code == 302
    assert AuditLog(app.extensions["ldn_engine"]).search(action="login").total == 0


@pytest.mark.parametrize(
    ("target", "lands_on"),
    [
        ("/admin/history", "/admin/history"),
        ("https://evil.example/admin", "/admin/"),
        ("//evil.example/admin", "/admin/"),
        ("/not-admin", "/admin/"),
    ],
)
def test_login_returns_only_to_an_admin_page(app: Flask, target: str, lands_on: str) -> None:
    create_admin(app)
    client = app.test_client()
    page = client.get("/admin/login", query_string={"next": target}).get_data(as_text=True)
    token = csrf_token(page)
    shown = re.search(r'name="next" type="hidden" value="([^"]*)"', page)
    response = client.post(
        "/admin/login",
        data={
            "csrf_token": token,
            "username": "alice",
            "password": PASSWORD,
            "next": shown.group(1) if shown else "",
        },
    )
    assert response.location == lands_on
    # Even a hand-made form field cannot send the admin elsewhere.
    other = app.test_client()
    token = csrf_token(other.get("/admin/login").get_data(as_text=True))
    forged = other.post(
        "/admin/login",
        data={"csrf_token": token, "username": "alice", "password": PASSWORD, "next": target},
    )
    assert forged.location == lands_on


def _paused_until(response) -> dt.datetime:  # type: ignore[no-untyped-def]
    """The time the 429 page says sign-ins resume, checked against its Retry-After."""
    found = re.search(r"paused until (\d{4}-\d\d-\d\d \d\d:\d\d) UTC", text_of(response))
    assert found, text_of(response)
    until = dt.datetime.strptime(found.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=dt.UTC)
    retry = int(response.headers["Retry-After"])
    assert 0 < retry <= 15 * 60
    resume = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=retry)
    assert resume - dt.timedelta(seconds=5) <= until <= resume + dt.timedelta(seconds=65)
    return until


def test_failed_logins_are_throttled_per_account(app: Flask) -> None:
    create_admin(app)
    create_admin(app, "bob")
    # Five failures for alice, each from a different address: the account limit still counts.
    for i in range(5):
        assert (
            attempt(from_ip(app, f"198.51.100.{i}"), "alice", "wrong password!").status_code == 200
        )
    blocked = attempt(from_ip(app, "198.51.100.50"), "ALICE", PASSWORD)  # even the right one
    assert blocked.status_code == 429
    body = blocked.get_data(as_text=True)
    assert PASSWORD not in body
    message = text_of(blocked)
    assert "Too many attempts. Sign-ins to this account are paused until" in message
    assert "after 5 failed sign-ins within 15 minutes" in message
    _paused_until(blocked)
    assert 'value="ALICE"' in body  # the name is kept, the password is not
    # Another account from the same address is not affected.
    assert attempt(from_ip(app, "198.51.100.50"), "bob", PASSWORD).status_code == 302
    outcomes = [r.outcome for r in audit_rows(app, "login")]
    assert outcomes.count("failure") == 5 and outcomes.count("throttled") == 1
    throttled = next(r for r in audit_rows(app, "login") if r.outcome == "throttled")
    assert (throttled.actor, throttled.client) == ("alice", "198.51.100.50")
    assert throttled.detail["paused"] == "account"


def test_failed_logins_are_throttled_per_client(app: Flask) -> None:
    create_admin(app)
    client = from_ip(app, "203.0.113.7")
    for i in range(20):  # 20 different names, so no account limit is reached
        assert attempt(client, f"guess{i}", "wrong password!").status_code == 200
    # Every admin behind that address is refused now, and the page says why and until when.
    blocked = attempt(client, "alice", PASSWORD)
    assert blocked.status_code == 429
    message = text_of(blocked)
    assert "Sign-ins from this address (203.0.113.7) are paused until" in message
    assert "after 20 failed sign-ins within 15 minutes" in message
    assert "Administrators at other addresses can still sign in" in message
    _paused_until(blocked)
    assert "Enter a correct username and password" not in message  # no password was checked
    assert attempt(from_ip(app, "203.0.113.8"), "alice", PASSWORD).status_code == 302
    [throttled] = [r for r in audit_rows(app, "login") if r.outcome == "throttled"]
    assert (throttled.actor, throttled.detail["paused"]) == ("alice", "client")


def test_a_right_password_gives_its_attempt_back(app: Flask) -> None:
    """Only failures count: four failures, a success, then one more failure is allowed."""
    create_admin(app)
    for _ in range(4):
        assert attempt(from_ip(app, "192.0.2.40"), "alice", "wrong password!").status_code == 200
    assert login(from_ip(app, "192.0.2.40")).status_code == 302
    assert attempt(from_ip(app, "192.0.2.40"), "alice", "wrong password!").status_code == 200
    assert attempt(from_ip(app, "192.0.2.40"), "alice", PASSWORD).status_code == 429


def test_failed_logins_are_counted_once_for_every_instance_on_the_database(
    tmp_path: Path,
) -> None:
    """Two apps (two workers or two servers) on one database share one count: five
    failures spread over both pause the account on both."""
    config = {"INSTANCE_PATH": str(tmp_path / "i"), "TESTING": True}
    one, two = create_app(dict(config)), create_app(dict(config))
    create_admin(one)
    for n in range(5):
        app = (one, two)[n % 2]
        assert attempt(from_ip(app, f"198.51.100.{n}"), "alice", "wrong!!").status_code == 200
    for app in (one, two):
        assert attempt(from_ip(app, "198.51.100.9"), "alice", PASSWORD).status_code == 429
    for app in (one, two):
        app.extensions["ldn_engine"].dispose()


def test_the_limits_are_configurable(tmp_path: Path) -> None:
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "i"),
            "TESTING": True,
            "LDN_LOGIN_LIMIT_ACCOUNT": "2 per 1 hour",
        }
    )
    create_admin(app)
    for n in range(2):
        assert attempt(from_ip(app, f"192.0.2.{n}"), "alice", "wrong!!").status_code == 200
    blocked = attempt(from_ip(app, "192.0.2.9"), "alice", PASSWORD)
    assert blocked.status_code == 429
    assert "after 2 failed sign-ins within 60 minutes" in text_of(blocked)
    assert int(blocked.headers["Retry-After"]) > 15 * 60
    app.extensions["ldn_engine"].dispose()


def test_successful_logins_and_page_views_are_not_throttled(app: Flask) -> None:
    create_admin(app)
    for _ in range(8):  # more than the account limit of 5, all from one address
        assert login(from_ip(app, "192.0.2.20")).status_code == 302
    client = from_ip(app, "192.0.2.20")
    for _ in range(30):
        assert client.get("/admin/login").status_code == 200


def test_logout_ends_the_session_and_is_audited(app: Flask) -> None:
    create_admin(app)
    client = app.test_client()
    login(client)
    home = client.get("/admin/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', home)
    assert token, "the sign-out button carries a CSRF token"
    forged = client.post("/admin/logout")  # no token: another site cannot sign the admin out
    assert forged.status_code == 302 and client.get("/admin/").status_code == 200
    out = client.post("/admin/logout", data={"csrf_token": token.group(1)})
    assert out.status_code == 302 and out.location == "/admin/login"
    assert "You have signed out." in text_of(client.get("/admin/login"))
    assert client.get("/admin/").status_code == 302
    [row] = audit_rows(app, "logout")
    assert (row.actor, row.outcome) == ("alice", "success")


def test_the_session_times_out_after_inactivity(app: Flask) -> None:
    create_admin(app)
    client = app.test_client()
    login(client)
    assert client.get("/admin/settings").status_code == 200
    minutes = app.config["PERMANENT_SESSION_LIFETIME"] // 60
    assert minutes == 30
    with client.session_transaction() as session:
        session["admin_seen"] = time.time() - (minutes * 60 + 5)
    response = client.get("/admin/settings")
    assert response.status_code == 302
    assert response.location.startswith("/admin/login") and "timeout=1" in response.location
    message = text_of(client.get(response.location))
    assert "signed out because the admin pages were not used for 30 minutes" in message
    assert client.get("/admin/").status_code == 302
    [row] = audit_rows(app, "logout")
    assert (row.actor, row.outcome) == ("alice", "timeout")


def test_recent_activity_keeps_the_session(app: Flask) -> None:
    create_admin(app)
    client = app.test_client()
    login(client)
    with client.session_transaction() as session:
        session["admin_seen"] = time.time() - 29 * 60
    assert client.get("/admin/").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["admin_seen"] < 5  # refreshed by the visit


def test_a_password_reset_ends_existing_sessions(app: Flask) -> None:
    create_admin(app)
    client = app.test_client()
    login(client)
    assert client.get("/admin/").status_code == 200
    app.extensions["ldn_users"].set_password("alice", "a brand new passphrase")
    assert client.get("/admin/").status_code == 302


def test_the_readme_command_creates_the_first_admin(tmp_path: Path) -> None:
    """`.venv/bin/ldn-screen create-admin YOUR-NAME`, as `ldn-screen serve` tells a new user."""
    instance = tmp_path / "instance"
    env = {**os.environ, "LDN_INSTANCE_PATH": str(instance)}
    env.pop("DATABASE_URL", None)
    command = Path(sys.executable).parent / "ldn-screen"
    done = subprocess.run(
        [str(command), "create-admin", "Dana", "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Admin account 'dana' created" in done.stdout
    app = create_app({"INSTANCE_PATH": str(instance), "TESTING": True})
    assert login(app.test_client(), "dana").status_code == 302
    app.extensions["ldn_engine"].dispose()


class _CountingServer:
    """A loopback port that accepts connections, counts them and closes them at once: a
    configured throttle store that is down, which shows whether a page tried to reach it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def stop(self) -> None:
        self.running = False
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture()
def store_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Flask, Any]]:
    server = _CountingServer()
    uri = f"redis://127.0.0.1:{server.port}?socket_timeout=1&socket_connect_timeout=1"
    monkeypatch.setenv("LDN_RATELIMIT_STORAGE_URI", uri)
    app = create_app({"INSTANCE_PATH": str(tmp_path / "i"), "TESTING": True})
    yield app, server
    app.extensions["ldn_engine"].dispose()
    server.stop()


def test_a_wrong_throttle_store_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LDN_RATELIMIT_STORAGE_URI", "bogus://127.0.0.1:1")
    with pytest.raises(ConfigurationError):
        create_app({"INSTANCE_PATH": str(tmp_path / "a"), "TESTING": True})


def test_the_clinicians_pages_never_touch_a_configured_throttle_store(
    store_down: tuple[Flask, Any],
) -> None:
    """LDN_RATELIMIT_STORAGE_URI is used for sign-in only: a screening, a follow-up or a
    sheet never waits on (or fails with) that store, even when it is down."""
    app, server = store_down
    client = app.test_client()
    assert post_screening(client).status_code == 200
    for path in ("/", "/followup", "/sheet", "/healthz", "/static/css/app.css"):
        assert client.get(path).status_code == 200
    assert server.accepted == 0
    # ...while a failed sign-in does go to the store, and with the store down still works
    # (each instance then counts on its own).
    create_admin(app)
    assert attempt(from_ip(app, "192.0.2.30"), "alice", "wrong password!").status_code == 200
    assert server.accepted > 0
    assert login(from_ip(app, "192.0.2.31")).status_code == 302
