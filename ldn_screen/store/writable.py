"""Whether the store can be written, found without writing, and recovery once it can again.

SQLite opens a database read-only when its files cannot be written at that moment, and such
a connection stays read-only for its whole life: kept in the pool, it made every later write
fail ("attempt to write a readonly database") after the files were writable again, until the
worker was restarted. A PostgreSQL session started under ``default_transaction_read_only``
(or on a standby) stays read-only in the same way.

So, once a write has failed that way, the engine is marked *suspect*: the failed connection
and the rest of the pool are replaced (``is_disconnect``), every connection checked out is
tested, and one that cannot write is discarded when it is returned, so the next request gets
a fresh connection. The first test that passes clears the mark: writes work again without a
restart, and reads never stop.

The test writes nothing. SQLite: ``BEGIN``, ``CREATE TABLE``, ``ROLLBACK`` on the connection
(a read-only connection refuses the CREATE at once; a writable one changes pages in memory
only, and the rollback drops them). PostgreSQL: ``SHOW transaction_read_only``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import weakref
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

log = logging.getLogger(__name__)

SQLITE_READONLY = 8  # the primary result code; extended codes keep it in the low byte
PG_READ_ONLY_TRANSACTION = "25006"
WRITABLE, READ_ONLY, UNREACHABLE = "writable", "read-only", "unreachable"
_STATES: weakref.WeakKeyDictionary[Engine, WriteState] = weakref.WeakKeyDictionary()


def is_read_only_error(exc: BaseException | None) -> bool:
    """True for the database's "this connection cannot write" error (SQLite or PostgreSQL)."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF == SQLITE_READONLY:
        return True
    return getattr(orig, "sqlstate", None) == PG_READ_ONLY_TRANSACTION


def _sqlite_can_write(dbapi_conn: Any) -> bool | None:
    """True or False; None when it cannot be told now (another connection holds the lock)."""
    if dbapi_conn.in_transaction:
        return None
    cur = dbapi_conn.cursor()
    try:
        # A short wait only: an admin publishing holds the lock, and that is no failure.
        timeout = cur.execute("PRAGMA busy_timeout").fetchone()[0]
        cur.execute("PRAGMA busy_timeout = 50")
        try:
            cur.execute("BEGIN")
            cur.execute("CREATE TABLE ldn_write_probe (x INTEGER)")
            return True
        except sqlite3.OperationalError as exc:
            if is_read_only_error(exc):
                return False
            return None
        finally:
            if dbapi_conn.in_transaction:
                cur.execute("ROLLBACK")
            cur.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    finally:
        cur.close()


def _postgres_can_write(dbapi_conn: Any) -> bool | None:
    cur = dbapi_conn.cursor()
    try:
        cur.execute("SHOW transaction_read_only")
        value = cur.fetchone()[0]
    finally:
        cur.close()
    dbapi_conn.rollback()  # the SHOW opened a transaction (psycopg is not in autocommit)
    return value != "on"


class WriteState:
    """The engine's write state, shared by its listeners and /healthz (one per engine)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self.suspect = False
        self._lock = threading.Lock()
        self._checked_at = -1e9
        self._state = WRITABLE

    def can_write(self, dbapi_conn: Any) -> bool | None:
        return (_sqlite_can_write if self.sqlite else _postgres_can_write)(dbapi_conn)

    def mark_failed(self) -> None:
        if not self.suspect:
            log.error("the store refused a write: it is read-only")
        self.suspect = True
        self._state, self._checked_at = READ_ONLY, time.monotonic()

    def mark_recovered(self) -> None:
        if self.suspect:
            log.warning("the store can be written again")
        self.suspect = False

    def files_writable(self) -> bool:
        """SQLite only: can this process write the database, its WAL, shm and folder? (Always
        true for root, hence the connection test as well.)"""
        path = self.engine.url.database
        if not self.sqlite or not path or path == ":memory:":
            return True
        names = [path, f"{path}-wal", f"{path}-shm"]
        folder = os.path.dirname(os.path.abspath(path))
        # What does not exist is left to the connection test (a missing folder: unreachable).
        present = [n for n in [*names, folder] if os.path.exists(n)]
        return all(os.access(n, os.W_OK) for n in present)

    def state(self, max_age: float) -> str:
        """``writable``, ``read-only`` or ``unreachable``, tested at most every ``max_age``
        seconds (per worker): a health check polled every second costs one test a window."""
        now = time.monotonic()
        if now - self._checked_at < max_age:
            return self._state
        with self._lock:
            if now - self._checked_at < max_age:
                return self._state
            self._state, self._checked_at = self._probe(), time.monotonic()
            return self._state

    def _probe(self) -> str:
        if not self.files_writable():
            return READ_ONLY
        try:
            with self.engine.connect() as conn:  # the checkout listener tests it (when suspect)
                raw = conn.connection.dbapi_connection
                verdict = self.can_write(raw)
                if verdict is False:
                    conn.invalidate()  # not back into the pool: the next one is opened afresh
                    self.mark_failed()
                    return READ_ONLY
                if verdict is True:
                    self.mark_recovered()
        except Exception as exc:  # any failure to connect is "unreachable"
            log.warning("store probe failed: %s", exc.__class__.__name__)
            return UNREACHABLE
        return WRITABLE


def watch(engine: Engine) -> WriteState:
    """Attach the listeners described above to ``engine``; returns its WriteState."""
    state = WriteState(engine)
    _STATES[engine] = state

    @event.listens_for(engine, "handle_error")
    def _on_error(ctx: ExceptionContext) -> None:
        if is_read_only_error(ctx.original_exception):
            state.mark_failed()
            # Treated as a lost connection: SQLAlchemy drops it and the rest of the pool.
            ctx.is_disconnect = True

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if not state.suspect:
            return
        try:
            verdict = state.can_write(dbapi_conn)
        except Exception:  # the query proper will report the problem
            return
        if verdict is False:
            record.info["ldn_read_only"] = True  # reads still work; not reused afterwards
        elif verdict is True:
            state.mark_recovered()

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn: Any, record: Any) -> None:
        if record.info.pop("ldn_read_only", False) and dbapi_conn is not None:
            record.invalidate()

    return state


def write_state(engine: Engine) -> WriteState:
    return _STATES[engine]
