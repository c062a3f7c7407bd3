"""The app's stores, one accessor each, and the settings version of the current request.

``create_app`` opens them once (``init_app``) and keeps them in ``app.extensions``; every view
and CLI command reads them through these functions, never by the extension's key.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.engine import Engine

from ..store.api_clients import ApiClientStore
from ..store.audit import AuditLog
from ..store.settings_store import Reading, SettingsStore
from ..store.throttle import LoginThrottle
from ..store.users import UserStore, password_hasher

ENGINE = "ldn_engine"
SETTINGS = "ldn_settings"
USERS = "ldn_users"
AUDIT = "ldn_audit"
API_CLIENTS = "ldn_api_clients"
THROTTLE = "ldn_throttle"  # set by the admin sign-in (web/admin/auth.py), with its limits
# Set while the schema is older than the code: every command but db-upgrade refuses to run.
SCHEMA_OUTDATED = "ldn_schema_outdated"


def init_app(app: Flask, engine: Engine, settings: SettingsStore) -> None:
    app.extensions[ENGINE] = engine
    app.extensions[SETTINGS] = settings
    # Cheap password hashing when TESTING; the RFC 9106 profile otherwise (store/users.py).
    app.extensions[USERS] = UserStore(engine, password_hasher(app.config))
    app.extensions[AUDIT] = AuditLog(engine)
    app.extensions[API_CLIENTS] = ApiClientStore(engine)


def engine() -> Engine:
    return current_app.extensions[ENGINE]


def settings_store() -> SettingsStore:
    return current_app.extensions[SETTINGS]


def users() -> UserStore:
    return current_app.extensions[USERS]


def audit_log() -> AuditLog:
    return current_app.extensions[AUDIT]


def api_clients() -> ApiClientStore:
    return current_app.extensions[API_CLIENTS]


def login_throttle() -> LoginThrottle:
    return current_app.extensions[THROTTLE]


def schema_outdated() -> str | None:
    """Why the app may not use its database yet (an old schema), or None."""
    return current_app.extensions.get(SCHEMA_OUTDATED)


def current_reading() -> Reading:
    """The settings version for this request; raises SettingsUnavailable if there is none."""
    if "ldn_reading" not in g:
        g.ldn_reading = settings_store().read()
    return g.ldn_reading
