"""What the trust checks keep per app: the issuers (read at start-up), their key caches and
the replay store (made on first use, so PyJWT, cryptography and redis load only in workers
that receive CDS calls)."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine

from ...store.cds_replay import DatabaseReplayStore, RedisReplayStore, ReplayStore
from .issuers import Issuer
from .keys import IssuerKeys


def replay_storage_uri(config: dict[str, Any]) -> str | None:
    """Redis for the replay store: LDN_CDS_REPLAY_STORAGE_URI, or else the Redis already
    configured for the sign-in limits (LDN_RATELIMIT_STORAGE_URI). None: the database."""
    for key in ("LDN_CDS_REPLAY_STORAGE_URI", "LDN_RATELIMIT_STORAGE_URI"):
        uri = config.get(key)
        if uri and str(uri).startswith(("redis://", "rediss://", "unix://")):
            return str(uri)
    return None


class TrustState:
    def __init__(self, issuers: dict[str, Issuer], engine: Engine, redis_uri: str | None) -> None:
        self.issuers = issuers
        self.engine = engine
        self.redis_uri = redis_uri
        self._lock = threading.Lock()
        self._keys: dict[str, IssuerKeys] = {}
        self._replay: ReplayStore | None = None

    @property
    def demo_configured(self) -> bool:
        return any(issuer.demo for issuer in self.issuers.values())

    def keys_for(self, issuer: Issuer) -> IssuerKeys:
        with self._lock:
            if issuer.iss not in self._keys:
                self._keys[issuer.iss] = IssuerKeys(issuer)
            return self._keys[issuer.iss]

    def replay_store(self) -> ReplayStore:
        with self._lock:
            if self._replay is None:
                self._replay = (
                    RedisReplayStore(self.redis_uri)
                    if self.redis_uri
                    else DatabaseReplayStore(self.engine)
                )
            return self._replay
