"""No 5xx response sets the session cookie: whatever a failed request changed in the session
is dropped (a sign-in that crashed half-way was still signed in by its 500's cookie)."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.admin_support import create_admin, login


def session_cookies(app: Flask, response) -> list[str]:  # type: ignore[no-untyped-def]
    name = app.config["SESSION_COOKIE_NAME"] + "="
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name)]


def test_a_500_on_an_admin_page_sets_no_session_cookie(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_admin(app)
    client = app.test_client()
    assert login(client).status_code == 302
    # A working admin page refreshes the (permanent) session cookie: the check below can fail.
    assert session_cookies(app, client.get("/admin/history"))

    def broken() -> list[object]:
        raise RuntimeError("a bug")

    monkeypatch.setattr(app.extensions["ldn_settings"], "history", broken)
    response = client.get("/admin/history")
    assert response.status_code == 500
    assert session_cookies(app, response) == []
