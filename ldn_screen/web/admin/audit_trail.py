"""What an admin did, for the audit log: who, from which address, the action and its outcome."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user

from ...store.audit import AuditEntry
from ..stores import audit_log


def client_address() -> str:
    # The direct peer, or the forwarded client when LDN_PROXY_HOPS configures the proxy
    # (web/edge/proxy.py). Behind a proxy without it, every client shares the proxy's address
    # and its login limit.
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
