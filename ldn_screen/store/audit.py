"""The audit log: who did what, when, from where, and how it ended. Append-only.

The app only ever inserts rows; migration 0002 also makes the database refuse updates and
deletes. Entries describe admin actions only and never carry patient answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Row, Select, func, insert, select

from .models import audit_events

# Action names, and the words the audit page shows for them.
ACTIONS: dict[str, str] = {
    "login": "Sign in",
    "logout": "Sign out",
    "logout_everywhere": "Sign out everywhere",
    "publish": "Publish settings",
    "rollback": "Roll back settings",
    "import": "Import settings",
    "user_created": "Account created",
    "password_changed": "Password changed",
    "api_client_created": "API client created",
    "api_client_revoked": "API client revoked",
    # Audited once per client per day (the first call), never with what was sent.
    "api_request": "API used",
}
OUTCOMES: dict[str, str] = {
    "success": "Success",
    "failure": "Failed",
    "throttled": "Refused: too many attempts",
    "invalid": "Refused: invalid values",
    "conflict": "Refused: someone else published first",
    "timeout": "Timed out",
}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: str
    action: str
    outcome: str
    client: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: dt.datetime
    actor: str
    action: str
    outcome: str
    client: str
    detail: dict[str, Any]


def add_entry(conn: Connection, entry: AuditEntry) -> None:
    """Insert ``entry`` on ``conn``, inside the transaction of the change it describes, so
    it commits (or not) with that change."""
    if entry.action not in ACTIONS or entry.outcome not in OUTCOMES:
        raise ValueError(f"unknown audit action or outcome: {entry.action}/{entry.outcome}")
    conn.execute(
        insert(audit_events).values(
            at=dt.datetime.now(dt.UTC),
            actor=entry.actor[:80],
            action=entry.action,
            outcome=entry.outcome,
            client=entry.client[:64],
            detail=dict(entry.detail),
        )
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes; every time is written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _record(row: Row[Any]) -> AuditRecord:
    m = row._mapping
    return AuditRecord(
        m["id"], _aware(m["at"]), m["actor"], m["action"], m["outcome"], m["client"], m["detail"]
    )


@dataclass(frozen=True, slots=True)
class AuditPage:
    records: list[AuditRecord]
    total: int


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, entry: AuditEntry) -> None:
        with self.engine.begin() as conn:
            add_entry(conn, entry)

    def search(
        self,
        *,
        action: str | None = None,
        actor: str | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> AuditPage:
        """Newest first. ``since`` and ``until`` are whole UTC days, both included."""
        events = audit_events.c
        query: Select[Any] = select(audit_events)
        if action:
            query = query.where(events.action == action)
        if actor:
            query = query.where(events.actor == actor)
        if since:
            start = dt.datetime.combine(since, dt.time(), dt.UTC)
            query = query.where(events.at >= start)
        if until and until < dt.date.max:  # the last day there is has no end to compare with
            end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)
            query = query.where(events.at < end)
        with self.engine.connect() as conn:
            total = conn.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = conn.execute(
                query.order_by(events.at.desc(), events.id.desc()).limit(limit).offset(offset)
            )
            return AuditPage([_record(r) for r in rows], total)

    def actors(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(conn.scalars(select(audit_events.c.actor).distinct()))
