"""Failed sign-ins counted in the app's own database, shared by every worker and instance.

Each throttle key ("client:ADDRESS", "account:NAME") has one row holding the times of its
failed sign-ins inside the window (a moving window, as the README states the limits). An
attempt first *takes a slot* on both keys, before any password is checked: a compare-and-swap
on the row's ``version`` adds the attempt's time only while fewer than the limit are in the
window, so two workers can never both take the last slot. A correct password gives its slots
back; a wrong one keeps them. The same SQL runs on SQLite and PostgreSQL.

Attempts refused while a key is paused are counted, not logged one by one: the first refusal
of each reporting period (one window long) writes an audit row, the rest only add to a count,
and the count of a finished period is written as one more row. However many requests arrive,
a key adds at most two audit rows per window.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from limits import parse
from sqlalchemy import Connection, Engine, Row, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .audit import AuditEntry, add_entry
from .models import login_throttle

# Compare-and-swap rounds before giving up; each round loses only to an attempt that won.
MAX_ROUNDS = 50
# Rows purged at most per purge (a purge runs when a new key is first seen).
PURGE_BATCH = 200
KEY_CHARS = 100


class ThrottleBusy(RuntimeError):
    """The counter could not be updated (extreme contention): the sign-in is not attempted."""


@dataclass(frozen=True, slots=True)
class Limit:
    amount: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Limit:
        """'5 per 15 minutes', in the notation of the ``limits`` library (as Flask-Limiter)."""
        item = parse(text)
        return cls(int(item.amount), int(item.get_expiry()))

    def __str__(self) -> str:
        minutes, seconds = divmod(self.seconds, 60)
        span = f"{minutes} minutes" if not seconds else f"{self.seconds} seconds"
        return f"{self.amount} per {span}"


@dataclass(frozen=True, slots=True)
class Paused:
    """Sign-ins on ``key`` are paused until ``until`` (when its oldest failure leaves the
    window and one attempt becomes available again)."""

    key: str
    limit: Limit
    until: dt.datetime

    @property
    def kind(self) -> str:
        return self.key.partition(":")[0]


@dataclass(frozen=True, slots=True)
class Slots:
    """The attempt's slots, by key, at the time taken: give them back after a success."""

    taken: tuple[tuple[str, float], ...]


def _utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def client_key(address: str) -> str:
    return ("client:" + address)[:KEY_CHARS]


def account_key(normalised_name: str) -> str:
    return ("account:" + normalised_name)[:KEY_CHARS]


class LoginThrottle:
    def __init__(
        self,
        engine: Engine,
        client_limit: Limit,
        account_limit: Limit,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.limits = {"client": client_limit, "account": account_limit}
        self.clock = clock

    def limit_for(self, key: str) -> Limit:
        return self.limits[key.partition(":")[0]]

    # --- Counting -------------------------------------------------------------------------

    def take(self, keys: list[str]) -> Slots | Paused:
        """Take one slot on every key, in order, or none: the first paused key is returned
        (and the slots already taken are given back)."""
        now = self.clock()
        taken: list[tuple[str, float]] = []
        for key in keys:
            outcome = self._take(key, now)
            if isinstance(outcome, Paused):
                self.give_back(Slots(tuple(taken)))
                return outcome
            taken.append((key, now))
        return Slots(tuple(taken))

    def give_back(self, slots: Slots) -> None:
        """A correct password: its attempt was not a failure, so it does not count."""
        for key, stamp in slots.taken:
            self._change(key, functools.partial(_without, stamp=stamp))

    def _take(self, key: str, now: float) -> float | Paused:
        limit = self.limit_for(key)
        for _ in range(MAX_ROUNDS):
            with self.engine.begin() as conn:
                row = _counter(conn, key)
                if row is None:
                    self._create(conn, key, now)
                    continue
                hits = [t for t in row.hits if t > now - limit.seconds]
                if len(hits) >= limit.amount:
                    return Paused(key, limit, _utc(min(hits) + limit.seconds))
                if self._swap(conn, key, row.version, [*hits, now], now + limit.seconds):
                    return now
        raise ThrottleBusy(key)

    def _change(self, key: str, change: Callable[[list[float]], list[float]]) -> None:
        for _ in range(MAX_ROUNDS):
            with self.engine.begin() as conn:
                row = _counter(conn, key)
                if row is None:
                    return
                hits = change(list(row.hits))
                expires = max(hits, default=self.clock()) + self.limit_for(key).seconds
                if self._swap(conn, key, row.version, hits, expires):
                    return
        raise ThrottleBusy(key)

    @staticmethod
    def _swap(conn: Connection, key: str, version: int, hits: list[float], expires: float) -> bool:
        result = conn.execute(
            update(login_throttle)
            .where(login_throttle.c.key == key, login_throttle.c.version == version)
            .values(hits=hits, version=version + 1, expires_at=_utc(expires))
        )
        return result.rowcount == 1

    def _create(self, conn: Connection, key: str, now: float) -> None:
        """A row for a new key (if another worker has not just made it); old rows go first."""
        self._purge(conn, now)
        values = {
            "key": key,
            "hits": [],
            "version": 0,
            "expires_at": _utc(now),
            "refused": 0,
            "refused_since": None,
            "refused_actor": None,
            "refused_client": None,
        }
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(dialect.insert(login_throttle).values(**values).on_conflict_do_nothing())

    # --- Refused attempts, for the audit log ---------------------------------------------

    def record_refusal(self, paused: Paused, entry: AuditEntry) -> bool:
        """Count one attempt refused because ``paused.key`` is paused. The first refusal of a
        reporting period writes ``entry`` (with when the pause ends); the others only count.
        Returns True when an audit row was written."""
        now = self.clock()
        period = self.limit_for(paused.key).seconds
        start = _utc(now - period)
        for _ in range(MAX_ROUNDS):
            with self.engine.begin() as conn:
                # Inside the current period: one atomic increment, no audit row.
                counted = conn.execute(
                    update(login_throttle)
                    .where(
                        login_throttle.c.key == paused.key,
                        login_throttle.c.refused_since > start,
                    )
                    .values(refused=login_throttle.c.refused + 1)
                )
                if counted.rowcount == 1:
                    return False
                row = conn.execute(
                    select(
                        login_throttle.c.refused,
                        login_throttle.c.refused_since,
                        login_throttle.c.refused_actor,
                        login_throttle.c.refused_client,
                    ).where(login_throttle.c.key == paused.key)
                ).one_or_none()
                if row is None:
                    self._create(conn, paused.key, now)
                    continue
                # A new period: whoever swaps the old count out writes the rows.
                opened = conn.execute(
                    update(login_throttle)
                    .where(
                        login_throttle.c.key == paused.key,
                        login_throttle.c.refused == row.refused,
                        login_throttle.c.refused_since.is_not_distinct_from(row.refused_since),
                    )
                    .values(
                        refused=1,
                        refused_since=_utc(now),
                        refused_actor=entry.actor[:80],
                        refused_client=entry.client[:64],
                    )
                )
                if opened.rowcount != 1:
                    continue
                self._summary(conn, paused.key, row)
                until = f"{paused.until:%Y-%m-%d %H:%M:%S} UTC"
                detail = {**entry.detail, "paused": paused.kind, "until": until}
                add_entry(conn, _with_detail(entry, detail))
                return True
        raise ThrottleBusy(paused.key)

    @staticmethod
    def _summary(conn: Connection, key: str, period: Any) -> None:
        """The count of a finished reporting period (``period``: a row with ``refused``,
        ``refused_since``, ``refused_actor`` and ``refused_client``), written when it refused
        more than the first attempt, which has its own row already."""
        if period.refused <= 1 or period.refused_since is None:
            return
        detail: dict[str, Any] = {
            "paused": key.partition(":")[0],
            "refused": period.refused,
            "period_from": f"{_aware(period.refused_since):%Y-%m-%d %H:%M:%S} UTC",
            "summary": True,
        }
        actor = period.refused_actor or "(unknown account)"
        entry = AuditEntry(actor, "login", "throttled", period.refused_client or "", detail)
        add_entry(conn, entry)

    def _purge(self, conn: Connection, now: float) -> None:
        """Delete rows that no longer hold a failure or an open reporting period, writing the
        count of any period that has not been written yet."""
        cutoff = _utc(now)
        longest = max(limit.seconds for limit in self.limits.values())
        period_over = _utc(now - longest)
        table = login_throttle.c
        stale = conn.execute(
            select(
                table.key,
                table.version,
                table.refused,
                table.refused_since,
                table.refused_actor,
                table.refused_client,
            )
            .where(
                table.expires_at < cutoff,
                (table.refused_since.is_(None)) | (table.refused_since <= period_over),
            )
            .limit(PURGE_BATCH)
        ).all()
        for row in stale:
            gone = conn.execute(
                delete(login_throttle).where(
                    table.key == row.key,
                    table.version == row.version,
                    table.refused == row.refused,
                )
            )
            if gone.rowcount == 1:
                self._summary(conn, row.key, row)


def _without(hits: list[float], stamp: float) -> list[float]:
    """``hits`` with one occurrence of ``stamp`` removed."""
    if stamp in hits:
        hits.remove(stamp)
    return hits


def _with_detail(entry: AuditEntry, detail: dict[str, Any]) -> AuditEntry:
    return AuditEntry(entry.actor, entry.action, entry.outcome, entry.client, detail)


def _counter(conn: Connection, key: str) -> Row[Any, Any] | None:
    """A key's recent failures and the version its compare-and-swap updates check."""
    return conn.execute(
        select(login_throttle.c.hits, login_throttle.c.version).where(login_throttle.c.key == key)
    ).one_or_none()
