"""The audit log on each backend: written with every field, and filtered for reading."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, text

from ldn_screen.store.audit import AuditEntry, AuditLog


@pytest.fixture()
def log(engine: Engine) -> AuditLog:
    log = AuditLog(engine)
    log.record(AuditEntry("alice", "login", "success", "10.0.0.1"))
    log.record(AuditEntry("(unknown account)", "login", "failure", "10.0.0.9"))
    log.record(AuditEntry("alice", "publish", "success", "10.0.0.1", {"version": 2}))
    log.record(AuditEntry("bob", "login", "throttled", "10.0.0.2"))
    return log


def _backdate(engine: Engine, actor: str, days: int) -> None:
    """Move one actor's rows into the past, bypassing the append-only triggers on purpose."""
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
            conn.execute(
                text("UPDATE audit_events SET at = :at WHERE actor = :a"),
                {"at": moment, "a": actor},
            )
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(
                text("UPDATE audit_events SET at = :at WHERE actor = :a"),
                {"at": moment.replace(tzinfo=None), "a": actor},
            )


def test_every_field_is_kept_and_newest_comes_first(log: AuditLog) -> None:
    page = log.search()
    assert page.total == 4
    assert [r.action for r in page.records] == ["login", "publish", "login", "login"]
    newest = page.records[0]
    assert (newest.actor, newest.outcome, newest.client) == ("bob", "throttled", "10.0.0.2")
    assert newest.at.tzinfo is not None
    assert abs(dt.datetime.now(dt.UTC) - newest.at) < dt.timedelta(minutes=5)
    assert page.records[1].detail == {"version": 2}


def test_filters_by_action_and_actor(log: AuditLog) -> None:
    assert log.search(action="login").total == 3
    assert [r.outcome for r in log.search(actor="alice").records] == ["success", "success"]
    assert log.search(action="publish", actor="bob").total == 0
    assert log.actors() == ["(unknown account)", "alice", "bob"]


def test_filters_by_date_range_with_both_days_included(log: AuditLog, engine: Engine) -> None:
    _backdate(engine, "bob", days=10)
    today = dt.datetime.now(dt.UTC).date()
    ten_days_ago = today - dt.timedelta(days=10)
    assert log.search(since=today).total == 3
    assert [r.actor for r in log.search(until=ten_days_ago).records] == ["bob"]
    assert log.search(since=ten_days_ago, until=ten_days_ago).total == 1
    assert log.search(since=today + dt.timedelta(days=1)).total == 0


def test_pages_through_the_log(log: AuditLog) -> None:
    first, second = log.search(limit=3), log.search(limit=3, offset=3)
    assert first.total == second.total == 4
    assert len(first.records) == 3 and len(second.records) == 1
    assert {r.id for r in first.records}.isdisjoint({r.id for r in second.records})


def test_unknown_actions_are_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="unknown audit action"):
        AuditLog(engine).record(AuditEntry("alice", "delete_everything", "success"))
