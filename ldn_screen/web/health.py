"""Readiness: 200 only when a settings version can be read from the store."""

from __future__ import annotations

from flask import Blueprint, jsonify

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
