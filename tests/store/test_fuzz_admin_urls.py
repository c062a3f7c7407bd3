"""Every admin URL parameter and query string, and the sign-in's ``next``, fuzzed on SQLite
and on PostgreSQL: never a 5xx, always a house page or a redirect inside the site, and no
5xx ever sets the session cookie.

The settings form itself is fuzzed in tests/web/test_fuzz_admin_settings.py; this covers what
is left: the version number in /admin/history/<n> and /admin/history/<n>/rollback (GET and
POST), /admin/history/compare?old&new, /admin/audit?action&actor&since&until&page, any other
query string on every admin page, and ``next`` on the sign-in page (query and form). Version
numbers reach past 64 bits and the 32-bit column; text includes CR/LF, NUL and non-ASCII
digits. One admin signs in once per backend (password hashing is slow on purpose).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from ldn_screen.app import create_app
from tests.admin_support import PASSWORD, create_admin, login, publish
from tests.helpers import check_page, csrf_token
from tests.pg_support import reset_postgres
from tests.web.test_fuzz_screening import nasty_text

# Slow (a Hypothesis fuzzer): `pytest -m "not slow"` leaves it out locally; CI runs it.
pytestmark = pytest.mark.slow

EXAMPLES = 120
ADMIN_PAGES = ["/admin/", "/admin/settings", "/admin/history", "/admin/audit", "/admin/login"]
DATES = ["9999-12-31", "0001-01-01", "2026-02-30", "1999-12-31", "2026-11-03", "20261103"]

version_numbers = st.one_of(
    st.integers(0, 5),
    st.integers(2**31 - 3, 2**31 + 3),
    st.integers(2**63 - 2, 2**63 + 2),
    st.integers(0, 10**40),
)
numberish = st.one_of(
    nasty_text,
    version_numbers.map(str),
    st.sampled_from(["²", "١٢", "٣", "-1", "1e3", " 2", "2.0", "0x1", "\r\n1", "1\x00"]),
)
date_text = st.one_of(st.sampled_from(DATES), nasty_text)
nexts = st.one_of(
    nasty_text,
    st.sampled_from(
        [
            "/admin/\r\nSet-Cookie: evil=1",
            "/admin/%0d%0aX: y",
            "//evil.example/admin",
            "/\\evil.example",
            "https://evil.example/admin",
            "/admin/history/99999999999999999999",
            "/admin/" + "a" * 3000,
            "javascript:alert(1)",
        ]
    ),
    st.text(max_size=30).map(lambda t: "/admin/" + t),
)


@dataclass
class Admin:
    app: Flask
    client: FlaskClient
    token: str


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def admin(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Admin]:
    folder: Path = tmp_path_factory.mktemp("fuzz-urls")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'store.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_server")
        reset_postgres(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "LDN_AUTO_MIGRATE": True,
            "INSTANCE_PATH": str(folder),
            "TESTING": True,
        }
    )
    create_admin(app)
    client = app.test_client()
    assert login(client).status_code == 302
    assert publish(client, based_on=1, target_dose_mg="3").status_code == 302
    token = csrf_token(client.get("/admin/settings").get_data(as_text=True))
    yield Admin(app, client, token)
    app.extensions["ldn_engine"].dispose()


def check(app: Flask, response: TestResponse) -> None:
    assert response.status_code < 500, response.status_code
    cookies = response.headers.getlist("Set-Cookie")
    if response.status_code >= 500:  # unreachable while the line above holds; kept explicit
        assert not [c for c in cookies if c.startswith(app.config["SESSION_COOKIE_NAME"] + "=")]
    for value in response.headers.values():
        assert "\r" not in value and "\n" not in value
    if response.status_code in {301, 302, 303}:
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//"), location
        return
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    check_page(body)


FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(number=version_numbers, rollback=st.booleans(), post=st.booleans(), based_on=numberish)
def test_version_numbers(
    admin: Admin, number: int, rollback: bool, post: bool, based_on: str
) -> None:
    path = f"/admin/history/{number}" + ("/rollback" if rollback else "")
    if rollback and post:
        data = {"csrf_token": admin.token, "based_on": based_on, "reason": "fuzz"}
        before = len(admin.app.extensions["ldn_settings"].history())
        response = admin.client.post(path, data=data)
        check(admin.app, response)
        if response.status_code != 302:
            assert len(admin.app.extensions["ldn_settings"].history()) == before
    else:
        check(admin.app, admin.client.get(path))


@FUZZ
@given(old=numberish, new=numberish)
def test_compare_query(admin: Admin, old: str, new: str) -> None:
    check(
        admin.app, admin.client.get("/admin/history/compare", query_string={"old": old, "new": new})
    )


@FUZZ
@given(
    action=st.one_of(st.sampled_from(["", "login", "publish"]), nasty_text),
    actor=st.one_of(st.sampled_from(["", "alice", "system"]), nasty_text),
    since=date_text,
    until=date_text,
    page=numberish,
)
def test_audit_query(
    admin: Admin, action: str, actor: str, since: str, until: str, page: str
) -> None:
    query = {"action": action, "actor": actor, "since": since, "until": until, "page": page}
    check(admin.app, admin.client.get("/admin/audit", query_string=query))


@FUZZ
@given(
    page=st.sampled_from(ADMIN_PAGES),
    query=st.dictionaries(st.text(min_size=1, max_size=10), nasty_text, max_size=4),
)
def test_any_query_string_on_any_admin_page(admin: Admin, page: str, query: dict[str, str]) -> None:
    check(admin.app, admin.client.get(page, query_string=query))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=nexts, via=st.sampled_from(["query", "form"]))
def test_next_on_sign_in(admin: Admin, target: str, via: str) -> None:
    # A new browser each time: the sign-in itself (argon2) is what makes this one slow.
    client = admin.app.test_client()
    page = client.get("/admin/login", query_string={"next": target})
    check(admin.app, page)
    if page.status_code != 200:
        return
    body = page.get_data(as_text=True)
    data = {"csrf_token": csrf_token(body), "username": "alice", "password": PASSWORD}
    kept = re.search(r'name="next"[^>]*value="([^"]*)"', body)
    # What the page kept in its hidden field, as a browser sends it back; or anything at all.
    data["next"] = html.unescape(kept.group(1)) if kept and via == "query" else target
    response = client.post("/admin/login", data=data)
    check(admin.app, response)
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/admin")
