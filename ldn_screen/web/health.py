"""Readiness, and the site icon that browsers and bookmarks ask for at /favicon.ico.

``/healthz`` answers 200 ``{"status": "ok", "settings_version": N, "store": "writable"}`` only
when the current settings can be read from the store *and* the store can be written. Any
other state is a 503 whose body says which part failed:

- ``"status": "degraded"`` with ``"store": "read-only"``: screening works, but nothing can be
  saved (sign-in, sign-out records, publishing). A 503, not a 200, so that a monitor that
  looks only at the status code raises the alarm (this was a silent ``ok`` before);
- ``"status": "degraded"`` with ``"store": "unreachable"``: the store is down and this worker
  screens with the version it loaded earlier;
- ``"status": "unavailable"``: no settings version can be read; no screening.

Whether the store can be written is tested without writing (store/writable.py), at most once
every ``LDN_STORE_PROBE_SECONDS`` (default 10) per worker, so a health check polled every
second costs about nothing. A write that fails in between marks the store read-only at once.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, send_from_directory

from ..store.settings_store import SettingsUnavailable
from ..store.writable import WRITABLE, write_state
from .stores import settings_store

bp = Blueprint("health", __name__)
DEFAULT_PROBE_SECONDS = 10.0


@bp.get("/healthz")
def healthz():
    store = settings_store()
    max_age = float(current_app.config.get("LDN_STORE_PROBE_SECONDS", DEFAULT_PROBE_SECONDS))
    writable = write_state(store.engine).state(max_age)
    try:
        reading = store.read()
    except SettingsUnavailable:
        return jsonify(status="unavailable", settings_version=None, store=writable), 503
    version = reading.active.number
    if reading.warning or writable != WRITABLE:
        return jsonify(status="degraded", settings_version=version, store=writable), 503
    return jsonify(status="ok", settings_version=version, store=writable), 200


@bp.get("/favicon.ico")
def favicon():
    # The icon is an SVG (pages link it); clients that ask the classic address get it too.
    return send_from_directory(
        current_app.static_folder or "", "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )
