"""A store that cannot be written, on SQLite and on PostgreSQL: sign-in needs its audit row,
sign-out always ends the session, the store recovers without a restart, and /healthz says so.

What is simulated, and why. A SQLite connection opened while the database files cannot be
written is opened read-only, and stays so for its whole life (checked with chmod as a
non-root user: such a connection fails with SQLITE_READONLY even after the files are writable
again, while connections opened before and after write normally). The tests run as root in
CI, where chmod does not stop writes, so instead of chmod the test opens every new SQLite
connection with ``mode=ro`` (the same read-only state, reached the same way: at open) and
closes the pooled ones (real ones would keep writing through their open files for a while).
On PostgreSQL the database gets ``default_transaction_read_only = on``, which, like SQLite,
applies to sessions opened after the change. Nothing is injected into SQLAlchemy or the app:
the errors are the databases' own.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import NullPool, create_engine, event, text

from ldn_screen.store.audit import AuditLog
from ldn_screen.web.admin.auth import SIGN_IN_NOT_RECORDED
from tests.admin_support import create_admin, login, publish, text_of
from tests.helpers import csrf_token


class ReadOnlySwitch:
    """Makes the app's database read-only for connections opened from now on, and back."""

    def __init__(self, app: Flask, db_url: str) -> None:
        self.engine = app.extensions["ldn_engine"]
        self.url = db_url
        self.on = False
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "do_connect", self._sqlite_read_only)

    def _sqlite_read_only(self, _dialect, _record, cargs, cparams) -> None:  # type: ignore[no-untyped-def]
        if self.on:
            cargs[0] = f"file:{urllib.parse.quote(cargs[0])}?mode=ro"
            cparams["uri"] = True

    def _postgres(self, value: str) -> None:
        # This session overrides the database default, so it can always switch it back.
        admin = create_engine(
            self.url,
            poolclass=NullPool,
            connect_args={"options": "-c default_transaction_read_only=off"},
        )
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            name = conn.execute(text("SELECT current_database()")).scalar()
            conn.execute(
                text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {value}')
            )
        admin.dispose()

    def set(self, on: bool) -> None:
        self.on = on
        if self.engine.dialect.name != "sqlite":
            self._postgres("on" if on else "off")
        if on:
            self.engine.dispose()  # the connections opened before would keep writing


@pytest.fixture()
def read_only(app: Flask, db_url: str) -> Iterator[ReadOnlySwitch]:
    create_admin(app)
    app.config["LDN_STORE_PROBE_SECONDS"] = 0  # test on every /healthz call
    switch = ReadOnlySwitch(app, db_url)
    try:
        yield switch
    finally:
        if switch.on:
            switch.set(False)


def logins(app: Flask) -> int:
    return AuditLog(app.extensions["ldn_engine"]).search(action="login").total


def signed_in(client: FlaskClient) -> bool:
    return client.get("/admin/settings").status_code == 200


def test_sign_in_on_a_read_only_store_is_refused_and_says_why(
    app: Flask, read_only: ReadOnlySwitch
) -> None:
    client = app.test_client()
    read_only.set(True)
    response = login(client)
    assert response.status_code == 503
    assert "Nothing can be saved just now" in text_of(response)
    assert SIGN_IN_NOT_RECORDED in text_of(response)
    # No 5xx ever sets the session cookie (Flask-Login may still delete its remember cookie).
    cookies = response.headers.getlist("Set-Cookie")
    assert not [c for c in cookies if c.startswith(app.config["SESSION_COOKIE_NAME"] + "=")]
    assert not signed_in(client)
    read_only.set(False)
    assert logins(app) == 0


def test_sign_out_on_a_read_only_store_still_ends_the_session(
    app: Flask, read_only: ReadOnlySwitch
) -> None:
    client = app.test_client()
    assert login(client).status_code == 302
    read_only.set(True)
    token = csrf_token(client.get("/admin/settings").get_data(as_text=True))
    response = client.post("/admin/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login"
    assert not signed_in(client)


def test_the_store_recovers_by_itself_once_it_can_be_written(
    app: Flask, read_only: ReadOnlySwitch
) -> None:
    client = app.test_client()
    read_only.set(True)
    for _ in range(3):  # several requests, so several read-only connections were opened
        assert login(client).status_code == 503
        assert client.get("/admin/login").status_code == 200  # reading still works
    read_only.set(False)
    # The first attempt after the files are writable again works: no restart, no retry.
    assert login(client).status_code == 302
    assert logins(app) == 1
    assert publish(client, based_on=1, target_dose_mg="3").status_code == 302


def test_healthz_reports_a_read_only_store(app: Flask, read_only: ReadOnlySwitch) -> None:
    client = app.test_client()
    ok = client.get("/healthz")
    assert (ok.status_code, ok.json) == (
        200,
        {"status": "ok", "settings_version": 1, "store": "writable"},
    )
    read_only.set(True)
    degraded = client.get("/healthz")
    assert (degraded.status_code, degraded.json) == (
        503,
        {"status": "degraded", "settings_version": 1, "store": "read-only"},
    )
    read_only.set(False)
    assert client.get("/healthz").status_code == 200


def test_healthz_tests_the_store_at_most_once_a_window_but_hears_of_failed_writes(
    app: Flask, read_only: ReadOnlySwitch
) -> None:
    app.config["LDN_STORE_PROBE_SECONDS"] = 3600
    client = app.test_client()
    assert client.get("/healthz").json["store"] == "writable"
    read_only.set(True)
    # Within the window the last result stands: /healthz did not test again...
    assert client.get("/healthz").json["store"] == "writable"
    # ...but a write that failed meanwhile marks the store read-only at once.
    assert login(client).status_code == 503
    assert client.get("/healthz").json == {
        "status": "degraded",
        "settings_version": 1,
        "store": "read-only",
    }


def _files(db_url: str) -> str:
    path = Path(db_url.removeprefix("sqlite:///"))
    digest = hashlib.sha256()
    for name in (path, Path(f"{path}-wal")):
        digest.update(name.read_bytes() if name.exists() else b"-")
    return digest.hexdigest()


def test_the_healthz_probe_writes_nothing(
    app: Flask, db_url: str, read_only: ReadOnlySwitch
) -> None:
    client = app.test_client()
    if not db_url.startswith("sqlite"):
        # PostgreSQL: the probe is SHOW transaction_read_only; no transaction id is used.
        engine = app.extensions["ldn_engine"]
        with engine.connect() as conn:
            before = conn.execute(text("SELECT txid_current_if_assigned()")).scalar()
        assert before is None
        for _ in range(5):
            assert client.get("/healthz").status_code == 200
        return
    client.get("/healthz")
    before = _files(db_url)
    for _ in range(5):  # each one tests the store (LDN_STORE_PROBE_SECONDS = 0)
        assert client.get("/healthz").status_code == 200
    assert _files(db_url) == before
