"""The audit log: who did what, when, from where, and how it ended. Append-only.

The app only ever inserts rows; migration 0002 also makes the database refuse updates and
deletes. Entries describe admin actions only and never carry patient answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import Session

from .models import AuditEvent

# Action names, and the words the audit page shows for them.
ACTIONS: dict[str, str] = {
    "login": "Sign in",
    "logout": "Sign out",
    "publish": "Publish settings",
    "rollback": "Roll back settings",
    "import": "Import settings",
    "user_created": "Account created",
    "password_changed": "Password changed",
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


def add_entry(session: Session, entry: AuditEntry) -> AuditEvent:
    """Add ``entry`` to ``session``, so it commits (or not) with the change it describes."""
    if entry.action not in ACTIONS or entry.outcome not in OUTCOMES:
        raise ValueError(f"unknown audit action or outcome: {entry.action}/{entry.outcome}")
    row = AuditEvent(
        at=dt.datetime.now(dt.UTC),
        actor=entry.actor[:80],
        action=entry.action,
        outcome=entry.outcome,
        client=entry.client[:64],
        detail=dict(entry.detail),
    )
    session.add(row)
    return row


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes; every time is written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _record(row: AuditEvent) -> AuditRecord:
    return AuditRecord(
        row.id, _aware(row.at), row.actor, row.action, row.outcome, row.client, row.detail
    )


@dataclass(frozen=True, slots=True)
class AuditPage:
    records: list[AuditRecord]
    total: int


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, entry: AuditEntry) -> None:
        with Session(self.engine) as session:
            add_entry(session, entry)
            session.commit()

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
        query: Select[tuple[AuditEvent]] = select(AuditEvent)
        if action:
            query = query.where(AuditEvent.action == action)
        if actor:
            query = query.where(AuditEvent.actor == actor)
        if since:
            start = dt.datetime.combine(since, dt.time(), dt.UTC)
            query = query.where(AuditEvent.at >= start)
        if until:
            end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)
            query = query.where(AuditEvent.at < end)
        with Session(self.engine) as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                .limit(limit)
                .offset(offset)
            )
            return AuditPage([_record(r) for r in rows], total)

    def actors(self) -> list[str]:
        with Session(self.engine) as session:
            return sorted(session.scalars(select(AuditEvent.actor).distinct()))
