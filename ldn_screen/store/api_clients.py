"""API clients: the programs that may call the JSON API, and their bearer tokens.

A token is 32 bytes from ``secrets`` (256 bits), shown once when the client is created and
stored only as its SHA-256. A password needs a slow, salted hash (argon2id, store/users.py)
because people choose guessable ones; a 256-bit random token cannot be guessed or looked up in
a table, so a single fast hash already makes a stolen table useless, and it lets every API
call find its client with one indexed lookup instead of an argon2 run (64 MiB, tens of ms).
The comparison happens in the database on the digest, which reveals nothing about the token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from .audit import AuditEntry, add_entry
from .models import api_clients

TOKEN_BYTES = 32
# The token's visible prefix tells a leaked secret scanner (and a person) what it is.
TOKEN_PREFIX = "ldn_"  # noqa: S105  # a label, not a secret
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
NAME_RULE = "letters, digits, '.', '_' or '-', starting with a letter or digit, at most 80"


class ApiClientError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ApiClient:
    id: int
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_on: dt.date | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _client(row: object) -> ApiClient:
    m = row._mapping  # type: ignore[attr-defined]
    created = _aware(m["created_at"])
    assert created is not None  # noqa: S101  # NOT NULL in the schema
    return ApiClient(m["id"], m["name"], created, _aware(m["revoked_at"]), m["last_used_on"])


class ApiClientStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, name: str, audit: AuditEntry) -> tuple[ApiClient, str]:
        """A new client and its token (returned once; only its digest is kept)."""
        if not NAME_PATTERN.fullmatch(name):
            raise ApiClientError(f"A client name must be {NAME_RULE} characters")
        token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
        now = dt.datetime.now(dt.UTC)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(api_clients).values(
                        name=name, token_sha256=token_digest(token), created_at=now
                    )
                )
                add_entry(conn, audit)
        except IntegrityError as exc:
            raise ApiClientError(
                f"An API client called '{name}' exists already (names are never reused, "
                "even after a revocation)"
            ) from exc
        client = self.find(name)
        assert client is not None  # noqa: S101  # just inserted
        return client, token

    def revoke(self, name: str, audit: AuditEntry) -> ApiClient:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(api_clients)
                .where(api_clients.c.name == name, api_clients.c.revoked_at.is_(None))
                .values(revoked_at=dt.datetime.now(dt.UTC))
            )
            if done.rowcount != 1:
                known = conn.execute(
                    select(api_clients.c.id).where(api_clients.c.name == name)
                ).first()
                raise ApiClientError(
                    f"The API client '{name}' is revoked already"
                    if known
                    else f"There is no API client called '{name}'"
                )
            add_entry(conn, audit)
        client = self.find(name)
        assert client is not None  # noqa: S101
        return client

    def find(self, name: str) -> ApiClient | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(api_clients).where(api_clients.c.name == name)).first()
        return _client(row) if row else None

    def all(self) -> list[ApiClient]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(api_clients).order_by(api_clients.c.name)).all()
        return [_client(r) for r in rows]

    def authenticate(self, token: str) -> ApiClient | None:
        """The client this token belongs to (revoked or not), or None."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(api_clients).where(api_clients.c.token_sha256 == token_digest(token))
            ).first()
        return _client(row) if row else None

    def note_use(self, client: ApiClient, today: dt.date, audit: AuditEntry) -> bool:
        """Record the client's first call of ``today`` in the audit log, once: the update only
        succeeds for the worker that moves ``last_used_on`` forward. True when it wrote."""
        if client.last_used_on == today:
            return False
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(api_clients)
                .where(
                    api_clients.c.id == client.id,
                    (api_clients.c.last_used_on.is_(None)) | (api_clients.c.last_used_on < today),
                )
                .values(last_used_on=today)
            )
            if moved.rowcount != 1:
                return False
            add_entry(conn, audit)
        return True
