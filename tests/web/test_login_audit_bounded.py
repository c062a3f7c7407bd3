"""Refused sign-ins keep the audit log truthful but bounded (issue 14, item 4).

Before, every throttled request wrote a permanent row (360 rows in 4.3 s from one client).
Now the first refused attempt of each reporting period (one window) writes a row, the rest
are counted, and the count is written as one row when the period is over.
"""

from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from ldn_screen.store.audit import AuditEntry, AuditLog
from ldn_screen.store.models import login_throttle
from ldn_screen.store.throttle import LoginThrottle, Paused, account_key, client_key
from tests.admin_support import PASSWORD, create_admin
from tests.helpers import csrf_token

WINDOW = 15 * 60


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def audit_total(app: Flask) -> int:
    return AuditLog(app.extensions["ldn_engine"]).search().total


def throttled_rows(app: Flask) -> list:  # type: ignore[type-arg]
    rows = AuditLog(app.extensions["ldn_engine"]).search(action="login", limit=500).records
    return [r for r in rows if r.outcome == "throttled"]


def paused_throttle(app: Flask, clock: Clock, key: str) -> tuple[LoginThrottle, Paused]:
    """The app's throttle on a fake clock, with ``key`` just paused by its limit's failures."""
    shared = app.extensions["ldn_throttle"]
    throttle = LoginThrottle(
        shared.engine, shared.limits["client"], shared.limits["account"], clock
    )
    for _ in range(throttle.limit_for(key).amount):
        assert not isinstance(throttle.take([key]), Paused)
        clock.now += 1
    paused = throttle.take([key])
    assert isinstance(paused, Paused)
    return throttle, paused


def test_ten_thousand_refused_attempts_add_two_rows_with_the_true_count(app: Flask) -> None:
    clock = Clock()
    key = account_key("alice")
    throttle, paused = paused_throttle(app, clock, key)
    entry = AuditEntry("alice", "login", "throttled", "198.51.100.7")
    before = audit_total(app)
    written = [throttle.record_refusal(paused, entry) for _ in range(10_000)]
    assert written.count(True) == 1  # the first refusal only
    assert audit_total(app) - before == 1
    [first] = throttled_rows(app)
    assert (first.actor, first.client, first.detail["paused"]) == (
        "alice",
        "198.51.100.7",
        "account",
    )
    assert first.detail["until"].endswith("UTC")
    # The next period: its first refusal writes the previous period's count, then its own row.
    clock.now += WINDOW + 1
    assert throttle.record_refusal(paused, entry)
    rows = throttled_rows(app)
    assert audit_total(app) - before == 3
    [summary] = [r for r in rows if r.detail.get("summary")]
    assert summary.detail["refused"] == 10_000
    assert (summary.actor, summary.client) == ("alice", "198.51.100.7")


def test_a_finished_period_is_counted_even_if_nobody_comes_back(app: Flask) -> None:
    """Rows of keys no longer in use are deleted when new keys arrive; an unwritten count
    is written first, so the log never loses refused attempts."""
    clock = Clock()
    throttle, paused = paused_throttle(app, clock, client_key("203.0.113.9"))
    entry = AuditEntry("(unknown account)", "login", "throttled", "203.0.113.9")
    for _ in range(40):
        throttle.record_refusal(paused, entry)
    clock.now += 2 * WINDOW
    assert not isinstance(throttle.take([account_key("someone-new")]), Paused)
    [summary] = [r for r in throttled_rows(app) if r.detail.get("summary")]
    assert (summary.detail["refused"], summary.client) == (40, "203.0.113.9")
    with app.extensions["ldn_engine"].connect() as conn:
        keys = set(conn.scalars(select(login_throttle.c.key)))
    assert client_key("203.0.113.9") not in keys  # the old row is gone: the table stays small


def _attempt(client: FlaskClient, password: str) -> int:
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    data = {"csrf_token": token, "username": "alice", "password": password}
    return client.post("/admin/login", data=data).status_code


def test_a_flood_of_throttled_sign_ins_writes_one_row(app: Flask) -> None:
    create_admin(app)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.77"
    for _ in range(5):
        assert _attempt(client, "wrong password!") == 200
    before = audit_total(app)
    statuses = [_attempt(client, PASSWORD if n % 2 else "guess") for n in range(150)]
    assert statuses == [429] * 150
    assert audit_total(app) - before == 1
    [row] = throttled_rows(app)
    assert (row.actor, row.client) == ("alice", "198.51.100.77")
