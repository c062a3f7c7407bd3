"""GET /api/v1/settings/current: the thresholds in force, with units, sources and version."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.rules import SETTING_SPECS
from ldn_screen.web.stores import current_reading
from tests.api.support import call


def test_the_current_settings_with_units_and_sources(
    app: Flask, client: FlaskClient, token: str
) -> None:
    response = call(client, token, "/settings/current", method="GET")
    assert response.status_code == 200
    body = response.get_json()
    with app.test_request_context():
        active = current_reading().active
    assert body["version"] == active.number
    assert body["date"] == active.created_at.date().isoformat()
    by_name = {s["name"]: s for s in body["settings"]}
    assert set(by_name) == {spec.name for spec in SETTING_SPECS}
    for spec in SETTING_SPECS:
        item = by_name[spec.name]
        assert item["value"] == getattr(active.settings, spec.name)
        assert item["unit"] == spec.unit and item["source"]["label"] == spec.source.label
    assert by_name["max_dose_mg"]["unit"] == "mg"


def test_a_new_version_is_served_at_once(app: Flask, client: FlaskClient, token: str) -> None:
    from ldn_screen.store.settings_store import SettingsStore

    store = SettingsStore(app.extensions["ldn_engine"])
    current = store.read().active
    values = {**current.settings.as_dict(), "review_weeks": current.settings.review_weeks + 1}
    store.publish(values, author="test", reason="a test", based_on=current.number)
    body = call(client, token, "/settings/current", method="GET").get_json()
    assert body["version"] == current.number + 1
    review = next(s for s in body["settings"] if s["name"] == "review_weeks")
    assert review["value"] == current.settings.review_weeks + 1
