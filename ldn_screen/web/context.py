"""Per-request access to the current settings version."""

from __future__ import annotations

from flask import current_app, g

from ..store.settings_store import Reading, SettingsStore


def settings_store() -> SettingsStore:
    return current_app.extensions["ldn_settings"]


def current_reading() -> Reading:
    """The settings version for this request; raises SettingsUnavailable if there is none."""
    if "ldn_reading" not in g:
        g.ldn_reading = settings_store().read()
    return g.ldn_reading
