"""Admin accounts. Passwords are kept only as argon2id hashes, never in plain text."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, Row, Select, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from .audit import AuditEntry, add_entry
from .models import admin_sessions, users

log = logging.getLogger(__name__)

MIN_PASSWORD_CHARS = 12
# argon2 hashes any length, but a megabyte "password" is a cheap way to burn CPU.
MAX_PASSWORD_CHARS = 256
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._@-]{0,79}")

# argon2id with RFC 9106's second recommended profile (64 MiB, t=3, p=4): every server.
PRODUCTION_HASHER = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
# The cheapest argon2id the library allows, only for an app built with TESTING: the test
# suite signs in hundreds of times, and each production hash costs about a tenth of a second.
TESTING_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
# Verified when the account does not exist, so a wrong name costs as long as a wrong password.
_STAND_IN = "not a real password: timing only"
# A session's last use is written at most this often: a timeout is exact to within it, and
# a busy admin page does not write to the database on every request.
SESSION_TOUCH_SECONDS = 30


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    username: str
    is_active: bool
    # Kept so the web layer can tie a session to the current password (see auth.py).
    password_hash: str = field(repr=False)


def normalise_username(raw: str) -> str:
    """Usernames are case-insensitive: 'Alice' and 'alice' are one account."""
    return raw.strip().lower()


def check_username(raw: str) -> str:
    name = normalise_username(raw)
    if not USERNAME_PATTERN.fullmatch(name):
        raise AccountError(
            "Enter a username of 1 to 80 characters: letters, digits, '.', '_', '@' or '-', "
            "starting with a letter or digit"
        )
    return name


def check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"Enter a password of at least {MIN_PASSWORD_CHARS} characters")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(f"Enter a password of at most {MAX_PASSWORD_CHARS} characters")
    if username and username in password.lower():
        raise AccountError("Enter a password that does not contain the username")


def _account(row: Row[Any]) -> Account:
    m = row._mapping
    return Account(m["id"], m["username"], bool(m["is_active"]), m["password_hash"])


def _by_name(name: str) -> Select[Any]:
    return select(users).where(users.c.username == name)


def _session_key(token: str) -> str:
    """What the table keeps of a session id: its SHA-256, never the id itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes; every time is written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _end_sessions(conn: Connection, user_id: int) -> int:
    result = conn.execute(delete(admin_sessions).where(admin_sessions.c.user_id == user_id))
    return int(result.rowcount or 0)


@dataclass(frozen=True, slots=True)
class SessionCheck:
    """An admin request's session, as the server sees it. ``account`` is None when the
    session is not open (signed out, ended everywhere, or never opened); ``timed_out`` when
    it was open but unused for too long: it has just been ended, and ``account`` says whose
    it was (for the audit row)."""

    account: Account | None
    timed_out: bool = False


def password_hasher(config: Mapping[str, Any]) -> PasswordHasher:
    """The hasher an app uses: the production profile unless the app is built for tests."""
    return TESTING_HASHER if config.get("TESTING") else PRODUCTION_HASHER


class UserStore:
    def __init__(self, engine: Engine, hasher: PasswordHasher = PRODUCTION_HASHER) -> None:
        self.engine = engine
        self.hasher = hasher
        self._dummy_hash: str | None = None

    def _hash_for_missing_account(self) -> str:
        # Made on first use with this store's own parameters, so its cost matches a real one.
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(_STAND_IN)
        return self._dummy_hash

    def get(self, user_id: int) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.id == user_id)).one_or_none()
        return _account(row) if row is not None else None

    def find(self, username: str) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(_by_name(normalise_username(username))).one_or_none()
        return _account(row) if row is not None else None

    def create(self, username: str, password: str, audit: AuditEntry | None = None) -> Account:
        name = check_username(username)
        check_password(password, name)
        password_hash = self.hasher.hash(password)
        try:
            # One transaction: the account and its audit row commit together, or neither does.
            with self.engine.begin() as conn:
                result = conn.execute(
                    insert(users).values(username=name, password_hash=password_hash, is_active=True)
                )
                # A one-row insert without RETURNING always has its key; the annotation says
                # Optional because other statements may not.
                user_id = cast("Row[Any]", result.inserted_primary_key)[0]
                if audit:
                    add_entry(conn, audit)
        except IntegrityError as exc:
            raise AccountError(
                f"An account called '{name}' already exists; use reset-password to change "
                "its password"
            ) from exc
        return Account(user_id, name, True, password_hash)

    def set_password(
        self, username: str, password: str, audit: AuditEntry | None = None
    ) -> Account:
        """Replace the password (and re-enable the account). Existing sessions end."""
        name = normalise_username(username)
        check_password(password, name)
        with self.engine.begin() as conn:
            row = conn.execute(_by_name(name)).one_or_none()
            if row is None:
                raise AccountError(f"There is no account called '{name}'")
            user_id = row._mapping["id"]
            password_hash = self.hasher.hash(password)
            conn.execute(
                update(users)
                .where(users.c.id == user_id)
                .values(password_hash=password_hash, is_active=True)
            )
            _end_sessions(conn, user_id)
            if audit:
                add_entry(conn, audit)
        return Account(user_id, row._mapping["username"], True, password_hash)

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account if the password is right and the account active; otherwise None."""
        name = normalise_username(username)
        if len(password) > MAX_PASSWORD_CHARS:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(_by_name(name)).one_or_none()
            if row is not None:
                stored = row._mapping["password_hash"]
            else:
                stored = self._hash_for_missing_account()
            try:
                self.hasher.verify(stored, password)
            except (VerificationError, InvalidHashError):
                return None
            if row is None or not row._mapping["is_active"]:
                return None
            account = _account(row)
            if self.hasher.check_needs_rehash(stored):
                # Stronger parameters in a newer release apply from the next sign-in. Only an
                # upgrade: if the store cannot take the write now (say, SQLite is busy), the
                # sign-in still succeeds and the next one tries again.
                rehashed = self.hasher.hash(password)
                try:
                    conn.execute(
                        update(users).where(users.c.id == account.id).values(password_hash=rehashed)
                    )
                    conn.commit()
                except OperationalError:
                    conn.rollback()
                    log.warning("password rehash for account %s deferred", account.id)
                else:
                    account = Account(account.id, account.username, account.is_active, rehashed)
            return account

    # --- Sessions ---------------------------------------------------------------------

    def open_session(self, account: Account, max_idle: dt.timedelta) -> str:
        """Open a session for ``account``; returns its id for the (signed) session cookie.

        Sessions left to expire (a browser closed without signing out) are deleted here, so
        the table holds only sessions that could still be used."""
        token = secrets.token_urlsafe(32)
        now = dt.datetime.now(dt.UTC)
        with self.engine.begin() as conn:
            conn.execute(delete(admin_sessions).where(admin_sessions.c.last_seen < now - max_idle))
            conn.execute(
                insert(admin_sessions).values(
                    id=_session_key(token), user_id=account.id, created_at=now, last_seen=now
                )
            )
        return token

    def check_session(self, user_id: int, token: str, max_idle: dt.timedelta) -> SessionCheck:
        """The account of an open session, checked on every admin request. A session unused
        for longer than ``max_idle`` is ended here; a live one has its last use updated."""
        key = _session_key(token)
        query = (
            select(users, admin_sessions.c.last_seen)
            .join(admin_sessions, admin_sessions.c.user_id == users.c.id)
            .where(admin_sessions.c.id == key, users.c.id == user_id)
        )
        now = dt.datetime.now(dt.UTC)
        with self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
            if row is None:
                return SessionCheck(None)
            account = _account(row)
            idle = now - _aware(row._mapping["last_seen"])
            if idle > max_idle:
                conn.execute(delete(admin_sessions).where(admin_sessions.c.id == key))
                conn.commit()
                return SessionCheck(account, timed_out=True)
            if idle.total_seconds() > SESSION_TOUCH_SECONDS:
                try:
                    conn.execute(
                        update(admin_sessions)
                        .where(admin_sessions.c.id == key)
                        .values(last_seen=now)
                    )
                    conn.commit()
                except OperationalError:  # SQLite busy: the next request writes it
                    conn.rollback()
                    log.warning("session last use not recorded")
        return SessionCheck(account)

    def end_session(self, token: str) -> bool:
        """End one session (sign-out, time-out). True if it was open."""
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(admin_sessions).where(admin_sessions.c.id == _session_key(token))
            )
        return bool(result.rowcount)

    def end_all_sessions(self, username: str, audit: AuditEntry | None = None) -> int:
        """End every open session of an account ("sign out everywhere"); returns how many
        were open. The audit row (given the count as ``sessions``) commits with the change."""
        name = normalise_username(username)
        with self.engine.begin() as conn:
            row = conn.execute(_by_name(name)).one_or_none()
            if row is None:
                raise AccountError(f"There is no account called '{name}'")
            ended = _end_sessions(conn, row._mapping["id"])
            if audit:
                detail = {**audit.detail, "sessions": ended}
                add_entry(
                    conn,
                    AuditEntry(audit.actor, audit.action, audit.outcome, audit.client, detail),
                )
        return ended
