"""Version history: the list, any two versions compared, and rollback as a new version."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.rules import DEFAULT_SETTINGS
from ldn_screen.store.audit import AuditLog
from tests.admin_support import create_admin, login, publish, text_of
from tests.helpers import csrf_token


@pytest.fixture()
def admin(app: Flask) -> FlaskClient:
    """Signed in, with three versions: defaults, a 3 mg target, then a 16-week review."""
    create_admin(app)
    client = app.test_client()
    login(client)
    assert publish(client, 1, target_dose_mg="3", reason="Lower target").status_code == 302
    assert (
        publish(client, 2, target_dose_mg="3", review_weeks="16", reason="Later review")
    ).status_code == 302
    return client


def store(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["ldn_settings"]


def test_history_lists_every_version_newest_first(admin: FlaskClient) -> None:
    response = admin.get("/admin/history")
    body = response.get_data(as_text=True)
    text = text_of(response)
    table = text[text.index("All versions (3)") :]
    assert table.index("Version 3 Current") < table.index("Version 2") < table.index("Version 1")
    for reason in ("Later review", "Lower target", "Initial cited defaults"):
        assert reason in text
    assert "alice" in text and "system" in text
    # The compare form starts on the two newest versions.
    assert re.search(r'<option value="2" selected>', body)
    assert re.search(r'<option value="3" selected>', body)


def test_a_version_page_shows_its_changes_and_every_value(admin: FlaskClient) -> None:
    response = admin.get("/admin/history/3")
    text = text_of(response)
    assert "Settings version 3" in text and "Current" in text
    assert "Changes from version 2" in text
    assert "Judge the response after this many weeks on the target dose 12 weeks 16 weeks" in text
    assert "Target daily dose 3 mg" in text  # in the table of all values
    assert "Roll back to version" not in text  # the current version has nothing to roll back
    old = text_of(admin.get("/admin/history/1"))
    assert "Version 3 is current" in old and "Roll back to version 1" in old
    assert admin.get("/admin/history/99").status_code == 404


def test_any_two_versions_can_be_compared_field_by_field(admin: FlaskClient) -> None:
    response = admin.get("/admin/history/compare", query_string={"old": "1", "new": "3"})
    body = response.get_data(as_text=True)
    text = text_of(response)
    assert "Compare version 1 with version 3" in text
    assert "2 settings differ" in text
    assert "Target daily dose 4.5 mg 3 mg" in text
    assert "Judge the response after this many weeks on the target dose 12 weeks 16 weeks" in text
    assert "<del>4.5 mg</del>" in body and "<ins>3 mg</ins>" in body
    backwards = text_of(admin.get("/admin/history/compare?old=3&new=1"))
    assert "Target daily dose 3 mg 4.5 mg" in backwards


@pytest.mark.parametrize(
    ("query", "message"),
    [("old=2&new=2", "Select two different versions"), ("old=1&new=42", "Select a version")],
)
def test_compare_explains_a_bad_choice(admin: FlaskClient, query: str, message: str) -> None:
    response = admin.get(f"/admin/history/compare?{query}")
    body = response.get_data(as_text=True)
    assert "<title>Error: Compare two versions" in body
    assert message in text_of(response)


def test_rollback_publishes_the_old_values_as_a_new_version(app: Flask, admin: FlaskClient) -> None:
    page = admin.get("/admin/history/1/rollback")
    body = page.get_data(as_text=True)
    text = text_of(page)
    assert "Check the rollback to version 1" in text
    assert "What changes (2 settings)" in text
    assert "Target daily dose 3 mg 4.5 mg" in text
    assert "Effect on the reference patients" in text and "standard-capsules" in text
    response = admin.post(
        "/admin/history/1/rollback",
        data={"csrf_token": csrf_token(body), "based_on": "3", "reason": "Back to the label"},
    )
    assert response.status_code == 302 and response.location == "/admin/history/4"
    done = text_of(admin.get("/admin/history/4"))
    assert "Version 4 is published with the values of version 1" in done
    assert "Publishes again the values of version 1" in done
    history = store(app).history()
    assert [v.number for v in history] == [4, 3, 2, 1]
    assert history[0].settings == DEFAULT_SETTINGS and history[0].restores == 1
    # History is never rewritten: versions 2 and 3 still hold what they held.
    assert history[1].settings.review_weeks == 16 and history[2].settings.target_dose_mg == 3.0
    [row] = AuditLog(app.extensions["ldn_engine"]).search(action="rollback").records
    assert (row.actor, row.outcome) == ("alice", "success")
    assert row.detail["restores"] == 1 and row.detail["version"] == 4
    assert row.detail["reason"] == "Back to the label"


def test_rollback_needs_a_reason(app: Flask, admin: FlaskClient) -> None:
    token = csrf_token(admin.get("/admin/history/1/rollback").get_data(as_text=True))
    response = admin.post(
        "/admin/history/1/rollback", data={"csrf_token": token, "based_on": "3", "reason": ""}
    )
    body = response.get_data(as_text=True)
    assert "<title>Error: Check the rollback to version 1" in body
    assert 'href="#reason">Enter the reason for this change</a>' in body
    assert store(app).read().active.number == 3


def test_rollback_after_someone_else_published_is_refused(app: Flask, admin: FlaskClient) -> None:
    token = csrf_token(admin.get("/admin/history/1/rollback").get_data(as_text=True))
    other = app.test_client()
    create_admin(app, "bob")
    login(other, "bob")
    assert publish(other, 3, target_dose_mg="4", review_weeks="16").status_code == 302
    response = admin.post(
        "/admin/history/1/rollback", data={"csrf_token": token, "based_on": "3", "reason": "x"}
    )
    body = response.get_data(as_text=True)
    text = text_of(response)
    assert "Version 4 was published by bob" in text and "rollback was not published" in text
    assert 'name="based_on" type="hidden" value="4"' in body
    assert "Target daily dose 4 mg 4.5 mg" in text  # now compared with version 4
    assert store(app).read().active.number == 4


def test_rolling_back_to_the_current_version_does_nothing(app: Flask, admin: FlaskClient) -> None:
    response = admin.get("/admin/history/3/rollback")
    assert response.status_code == 302 and response.location == "/admin/history/3"
    assert "Version 3 is already the current version." in text_of(admin.get("/admin/history/3"))
    assert store(app).read().active.number == 3
