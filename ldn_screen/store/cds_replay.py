"""The JWT replay store: each EHR token id (``jti``) is accepted once, across every worker and
every instance.

In the database by default (table ``cds_seen_jti``, a unique key per issuer and jti); in Redis
when LDN_CDS_REPLAY_STORAGE_URI (or else LDN_RATELIMIT_STORAGE_URI) is a redis:// address. A
per-worker memory would let a captured token be replayed against another worker or server.

The key is a SHA-256 of issuer and jti, so its length is bounded whatever the token holds.
Rows are kept until the token expires (plus the leeway), then purged, at most once a minute
per worker, by the request that notices.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Engine, delete, insert
from sqlalchemy.exc import IntegrityError

from .models import cds_seen_jti

PURGE_EVERY_SECONDS = 60.0


def replay_key(issuer: str, jti: str) -> str:
    return hashlib.sha256(f"{issuer}\x00{jti}".encode()).hexdigest()


class ReplayStore(Protocol):
    def first_use(self, issuer: str, jti: str, expires_at: float) -> bool:
        """True the first time (issuer, jti) is seen before ``expires_at``; False after."""


class DatabaseReplayStore:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock
        self._last_purge = 0.0

    def first_use(self, issuer: str, jti: str, expires_at: float) -> bool:
        now = self.clock()
        if now - self._last_purge >= PURGE_EVERY_SECONDS:
            self.purge(now)
        row = {
            "key": replay_key(issuer, jti),
            "expires_at": dt.datetime.fromtimestamp(expires_at, dt.UTC),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(cds_seen_jti).values(**row))
        except IntegrityError:  # the unique key: another request (any worker) used it first
            return False
        return True

    def purge(self, now: float | None = None) -> int:
        moment = dt.datetime.fromtimestamp(self.clock() if now is None else now, dt.UTC)
        self._last_purge = moment.timestamp()
        with self.engine.begin() as conn:
            return conn.execute(
                delete(cds_seen_jti).where(cds_seen_jti.c.expires_at < moment)
            ).rowcount


class RedisReplayStore:
    """``SET key 1 NX EXAT expires``: atomic on the one Redis every instance shares, and Redis
    drops the key itself when the token has expired. An unreachable Redis raises, and the
    request is refused: a replay check that could not be made never lets a token through."""

    PREFIX = "ldn:cds:jti:"

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        import redis  # only when configured

        self.client: Any = redis.Redis.from_url(url, socket_timeout=0.5)
        self.clock = clock

    def first_use(self, issuer: str, jti: str, expires_at: float) -> bool:
        ttl = max(1, int(expires_at - self.clock()) + 1)
        return bool(self.client.set(self.PREFIX + replay_key(issuer, jti), b"1", nx=True, ex=ttl))
