"""What every admin view shares: the stores, the client address, and writing audit rows."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_login import current_user

from ...store.audit import AuditEntry, AuditLog
from ...store.users import UserStore


def users() -> UserStore:
    return current_app.extensions["ldn_users"]


def audit_log() -> AuditLog:
    return current_app.extensions["ldn_audit"]


def client_address() -> str:
    # The direct peer, or the forwarded client when LDN_PROXY_HOPS configures ProxyFix (app.py).
    # Behind a proxy without it, every client shares the proxy's address and its login limit.
    return (request.remote_addr or "unknown")[:64]


def actor_name() -> str:
    return current_user.username if current_user.is_authenticated else "(anonymous)"


def entry(action: str, outcome: str, actor: str | None = None, **detail: Any) -> AuditEntry:
    return AuditEntry(
        actor=actor if actor is not None else actor_name(),
        action=action,
        outcome=outcome,
        client=client_address(),
        detail=detail,
    )


def record(action: str, outcome: str, actor: str | None = None, **detail: Any) -> None:
    audit_log().record(entry(action, outcome, actor, **detail))
