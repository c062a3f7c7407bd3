"""Readiness (200 only when a settings version can be read from the store), and the site icon
that browsers and bookmarks ask for at /favicon.ico."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, send_from_directory

from ..store.settings_store import SettingsUnavailable
from .context import settings_store

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    try:
        reading = settings_store().read()
    except SettingsUnavailable:
        return jsonify(status="unavailable", settings_version=None), 503
    if reading.warning:
        return jsonify(status="degraded", settings_version=reading.active.number), 503
    return jsonify(status="ok", settings_version=reading.active.number), 200


@bp.get("/favicon.ico")
def favicon():  # type: ignore[no-untyped-def]
    # The icon is an SVG (pages link it); clients that ask the classic address get it too.
    return send_from_directory(
        current_app.static_folder or "", "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )
