"""Admin sessions end on the server (issue 14, item 1).

A session cookie is only a pointer to a session the server keeps: signing out, timing out,
"sign out everywhere" (button or command) and a password reset end that session, so a copy
of the cookie taken earlier opens nothing afterwards, from any browser or address.
"""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from ldn_screen.cli import cli as ldn_screen_command
from ldn_screen.store.audit import AuditLog
from ldn_screen.store.models import admin_sessions
from tests.admin_support import create_admin, login, publish, text_of
from tests.helpers import csrf_token

COOKIE = "session"


def audit_rows(app: Flask, action: str) -> list:  # type: ignore[type-arg]
    return AuditLog(app.extensions["ldn_engine"]).search(action=action, limit=500).records


def signed_in(app: Flask, username: str = "alice", ip: str = "192.0.2.10") -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    assert login(client, username).status_code == 302
    return client


def copy_of(app: Flask, client: FlaskClient, ip: str = "203.0.113.66") -> FlaskClient:
    """Another browser, elsewhere, holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    thief.environ_base["REMOTE_ADDR"] = ip
    thief.environ_base["HTTP_USER_AGENT"] = "curl/8.0"
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def sign_out(client: FlaskClient) -> None:
    token = csrf_token(client.get("/admin/").get_data(as_text=True))
    assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302


def test_a_cookie_copied_before_sign_out_opens_nothing_afterwards(app: Flask) -> None:
    create_admin(app)
    admin = signed_in(app)
    thief = copy_of(app, admin)
    # The copy works while the session is open (it is the same session)...
    assert thief.get("/admin/settings").status_code == 200
    form_page = thief.get("/admin/settings").get_data(as_text=True)
    sign_out(admin)
    # ...and not after the sign-out: not a page, not a publish.
    response = thief.get("/admin/settings")
    assert response.status_code == 302 and response.location.startswith("/admin/login")
    token = csrf_token(form_page)
    posted = thief.post("/admin/settings/preview", data={"csrf_token": token, "based_on": "1"})
    assert posted.status_code == 302 and posted.location.startswith("/admin/login")
    assert AuditLog(app.extensions["ldn_engine"]).search(action="publish").total == 0
    assert app.extensions["ldn_settings"].read().active.number == 1


def test_a_cookie_copied_before_a_timeout_opens_nothing_afterwards(app: Flask) -> None:
    create_admin(app)
    admin = signed_in(app)
    thief = copy_of(app, admin)
    with admin.session_transaction() as session:
        session["admin_seen"] = 0  # the admin's browser: long unused
    assert "timeout=1" in admin.get("/admin/").location
    # The copy still says "seen a moment ago", but the server ended the session.
    assert thief.get("/admin/settings").status_code == 302
    [row] = audit_rows(app, "logout")
    assert row.outcome == "timeout"


def test_the_server_times_a_session_out_whatever_the_cookie_says(app: Flask) -> None:
    """Inactivity is measured on the server too: a cookie kept fresh elsewhere (or replayed)
    does not keep a session alive that the server saw unused for longer than the limit."""
    create_admin(app)
    admin = signed_in(app)
    assert admin.get("/admin/").status_code == 200
    limit = app.permanent_session_lifetime
    with app.extensions["ldn_engine"].begin() as conn:
        conn.execute(
            update(admin_sessions).values(
                last_seen=dt.datetime.now(dt.UTC) - limit - dt.timedelta(seconds=5)
            )
        )
    response = admin.get("/admin/settings")
    assert response.status_code == 302 and "timeout=1" in response.location
    assert admin.get("/admin/").status_code == 302
    [row] = audit_rows(app, "logout")
    assert (row.actor, row.outcome) == ("alice", "timeout")


def test_sign_out_ends_only_this_session(app: Flask) -> None:
    create_admin(app)
    laptop, desk = signed_in(app), signed_in(app, ip="192.0.2.11")
    sign_out(laptop)
    assert laptop.get("/admin/").status_code == 302
    assert desk.get("/admin/").status_code == 200


def _everywhere_token(client: FlaskClient) -> str:
    page = client.get("/admin/").get_data(as_text=True)
    form = re.search(r'action="/admin/sessions/end-all".*?</form>', page, re.S)
    assert form, "the admin pages offer 'Sign out everywhere'"
    assert "Sign out everywhere" in form.group(0)
    return csrf_token(form.group(0))


def test_sign_out_everywhere_ends_every_session_of_the_account(app: Flask) -> None:
    create_admin(app)
    create_admin(app, "bob")
    laptop, desk, bob = signed_in(app), signed_in(app, ip="192.0.2.11"), signed_in(app, "bob")
    thief = copy_of(app, desk)
    token = _everywhere_token(laptop)
    # Without the token (another site's form) nothing ends.
    forged = laptop.post("/admin/sessions/end-all")
    assert forged.status_code == 400
    assert desk.get("/admin/").status_code == 200
    done = laptop.post("/admin/sessions/end-all", data={"csrf_token": token})
    assert done.status_code == 302 and done.location == "/admin/login"
    assert "signed out everywhere" in text_of(laptop.get("/admin/login"))
    for client in (laptop, desk, thief):
        assert client.get("/admin/").status_code == 302
    assert bob.get("/admin/").status_code == 200  # another account is not touched
    [row] = audit_rows(app, "logout_everywhere")
    assert (row.actor, row.outcome, row.client) == ("alice", "success", "192.0.2.10")
    assert row.detail["sessions"] == 2  # laptop and desk (the copy is the desk's session)
    # The account can sign in again as usual.
    assert signed_in(app).get("/admin/").status_code == 200


def test_sign_out_everywhere_from_the_command_line(app: Flask) -> None:
    create_admin(app)
    create_admin(app, "bob")
    alice, bob = signed_in(app), signed_in(app, "bob")
    result = app.test_cli_runner().invoke(ldn_screen_command, args=["sign-out-everywhere", "Alice"])
    assert result.exit_code == 0, result.output
    assert "Every session of 'alice' has ended (1 open)." in result.output
    assert alice.get("/admin/").status_code == 302
    assert bob.get("/admin/").status_code == 200
    [row] = audit_rows(app, "logout_everywhere")
    assert row.actor.startswith("cli:") and row.client == "command line"
    assert (row.outcome, row.detail["username"], row.detail["sessions"]) == ("success", "alice", 1)
    missing = app.test_cli_runner().invoke(
        ldn_screen_command, args=["sign-out-everywhere", "nobody"]
    )
    assert missing.exit_code != 0 and "There is no account called 'nobody'" in missing.output


def test_a_password_reset_ends_the_sessions_on_the_server(app: Flask) -> None:
    create_admin(app)
    admin = signed_in(app)
    thief = copy_of(app, admin)
    result = app.test_cli_runner().invoke(
        ldn_screen_command,
        args=["reset-password", "alice", "--password-stdin"],
        input="a brand new passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert thief.get("/admin/").status_code == 302
    assert admin.get("/admin/").status_code == 302


def test_an_open_session_still_publishes(app: Flask) -> None:
    """The control: the server-side check lets a live session work as before."""
    create_admin(app)
    admin = signed_in(app)
    assert publish(admin, based_on=1, target_dose_mg="3").status_code == 302
    assert app.extensions["ldn_settings"].read().active.number == 2
