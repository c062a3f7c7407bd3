"""Bearer tokens for the API, and the per-client rate limit.

No cookie, no session, no CSRF token: a call carries ``Authorization: Bearer TOKEN``, made by
``ldn-screen api-client create NAME``. A missing, unknown or revoked token gets 401 with
``WWW-Authenticate: Bearer`` (RFC 6750). Use is audited once per client per day (the first
call), and a revoked token's attempts the same way; never with anything the call sent.

The rate limit counts per client in the store the sign-in throttle's Flask-Limiter uses when
``LDN_RATELIMIT_STORAGE_URI`` is set (Redis: exact across every worker and server). Without
it, each worker counts in its own memory (the ``limits`` library's moving window), so the
effective limit is the configured one times the number of workers; the sign-in throttle's
database table keeps every failure's time in one row, which suits 5 failures in 15 minutes
but not hundreds of calls a minute.
"""

from __future__ import annotations

import datetime as dt
import math
import time

from flask import Flask, current_app, g, request
from flask.wrappers import Response
from limits import parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ...store.api_clients import ApiClient
from ...store.audit import AuditEntry
from ..admin.audit_trail import client_address
from ..stores import api_clients
from .problems import problem

DEFAULT_RATE_LIMIT = "300 per minute"
LIMITER = "ldn_api_limiter"
REALM = 'Bearer realm="ldn-screen API"'


def init_app(app: Flask) -> None:
    limit = parse(app.config.get("LDN_API_RATE_LIMIT") or DEFAULT_RATE_LIMIT)
    storage: Storage
    if sign_in := app.extensions.get("ldn_limiter"):
        storage = sign_in.storage  # the very store the sign-in throttle counts in
    elif uri := app.config.get("RATELIMIT_STORAGE_URI") or app.config.get(
        "LDN_RATELIMIT_STORAGE_URI"
    ):
        storage = storage_from_string(uri)  # type: ignore[assignment]  # a sync URI
    else:
        storage = MemoryStorage()
    app.extensions[LIMITER] = (MovingWindowRateLimiter(storage), limit)


def _unauthorized(detail: str, error: str | None = None) -> Response:
    challenge = REALM + (f', error="{error}"' if error else "")
    return problem(401, detail, headers={"WWW-Authenticate": challenge})


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _audit(client: ApiClient, outcome: str, **detail: str) -> None:
    entry = AuditEntry(
        actor=f"api:{client.name}"[:80],
        action="api_request",
        outcome=outcome,
        client=client_address(),
        detail={"api_client": client.name, "first_call_of_day": True, **detail},
    )
    api_clients().note_use(client, dt.datetime.now(dt.UTC).date(), entry)


def authenticate() -> Response | None:
    """Before every protected API view: the client, or the 401 or 429 problem."""
    token = _bearer_token()
    if token is None:
        return _unauthorized(
            "Send 'Authorization: Bearer TOKEN' with a token from the administrator."
        )
    client = api_clients().authenticate(token)
    if client is None:
        return _unauthorized("The bearer token is not valid.", "invalid_token")
    if not client.active:
        _audit(client, "failure", reason="revoked token")
        return _unauthorized("The bearer token is not valid.", "invalid_token")
    limiter, limit = current_app.extensions[LIMITER]
    key = ("api", client.name)
    if not limiter.hit(limit, *key):
        reset_at, _ = limiter.get_window_stats(limit, *key)
        wait = max(1, math.ceil(reset_at - time.time()))
        return problem(
            429,
            f"This client may make {limit.amount} calls per {limit.get_expiry()} seconds.",
            headers={"Retry-After": str(wait)},
        )
    _audit(client, "success")
    g.api_client = client
    return None
