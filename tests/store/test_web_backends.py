"""The web app on each backend: a publish through the admin pages reaches the next screening,
and a store that cannot be read never means a silent fall-back to the built-in defaults."""

from __future__ import annotations

import socket
from pathlib import Path

from flask import Flask

from ldn_screen.app import create_app
from ldn_screen.store.db import make_engine
from tests.admin_support import create_admin, login, publish, text_of
from tests.helpers import check_page, post_screening


def _down_url(db_url: str, tmp_path: Path) -> str:
    """The same kind of database, but one that cannot be reached."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'missing-folder' / 'gone.sqlite3'}"
    with socket.socket() as s:  # a loopback port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres?connect_timeout=2"


def test_publish_through_the_admin_pages_reaches_the_next_screening(app: Flask) -> None:
    create_admin(app)
    admin, clinician = app.test_client(), app.test_client()
    assert "settings version 1 of" in text_of(post_screening(clinician))
    login(admin)
    done = publish(admin, based_on=1, target_dose_mg="3", reason="Pilot of a lower target")
    assert done.status_code == 302
    summary = text_of(post_screening(clinician))
    assert "settings version 2 of" in summary
    assert "Target 3 mg a day" in summary


def test_a_worker_that_loaded_a_version_keeps_it_and_says_so(
    app: Flask, db_url: str, tmp_path: Path
) -> None:
    client = app.test_client()
    assert "Warning:" not in text_of(post_screening(client))  # version 1 is now loaded
    store = app.extensions["ldn_settings"]
    store.engine = make_engine(_down_url(db_url, tmp_path))  # the database goes away
    response = post_screening(client)
    assert response.status_code == 200
    body = text_of(response)
    assert "Warning: The settings store could not be read, so this page uses version 1" in body
    assert "settings version 1 of" in body
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json == {"status": "degraded", "settings_version": 1, "store": "unreachable"}


def test_a_signed_in_admin_can_still_screen_during_an_outage(
    app: Flask, db_url: str, tmp_path: Path
) -> None:
    """Flask-Login reads the signed-in account for every rendered page. With the database
    down that read fails: screening must still work, and the admin pages and a new sign-in
    get the 503 page (a regression: they were bare or house-style 500s)."""
    create_admin(app)
    admin = app.test_client()
    assert login(admin).status_code == 302
    assert "Warning:" not in text_of(post_screening(admin))  # version 1 is now loaded
    down = make_engine(_down_url(db_url, tmp_path))  # the database goes away, for every store
    for name in ("ldn_settings", "ldn_users", "ldn_audit"):
        app.extensions[name].engine = down
    screening = post_screening(admin)
    assert screening.status_code == 200
    assert "Warning: The settings store could not be read" in text_of(screening)
    for response in (admin.get("/admin/settings"), login(app.test_client())):
        assert response.status_code == 503
        assert "Settings unavailable" in text_of(response)


def test_a_worker_with_no_version_refuses_to_screen(db_url: str, tmp_path: Path) -> None:
    app = create_app(
        {
            "DATABASE_URL": _down_url(db_url, tmp_path),
            "LDN_AUTO_MIGRATE": False,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "TESTING": True,
        }
    )
    client = app.test_client()
    page = client.get("/")
    assert page.status_code == 503
    check_page(page.get_data(as_text=True))
    assert "Settings unavailable" in text_of(page)
    assert "Screen a patient" not in text_of(page)
    assert client.get("/healthz").json == {
        "status": "unavailable",
        "settings_version": None,
        "store": "unreachable",
    }
    app.extensions["ldn_engine"].dispose()
