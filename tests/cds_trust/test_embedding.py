"""Embedding the form in an EHR's frame: frame-ancestors only on the pages a smart link opens,
only for the configured origins; the cookie-free CSRF token there, accepted only from this
origin. Off by default."""

from __future__ import annotations

import html
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.app import create_app
from ldn_screen.config import UnsafeConfiguration
from ldn_screen.web.embedding import parse_frame_ancestors
from ldn_screen.web.forms.screening import CSRF_EXPIRED_MESSAGE
from tests.helpers import csrf_token, valid_answers

EHR = "https://ehr.clinic.example"
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Dest": "iframe"}


@pytest.fixture()
def embed_app(tmp_path: Path, _template_instance: Path) -> Iterator[Flask]:
    instance = tmp_path / "instance"
    shutil.copytree(_template_instance, instance)
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "TESTING": True,
            "LDN_FRAME_ANCESTORS": f"{EHR} https://other-ehr.example:8443",
        }
    )
    yield app
    app.extensions["ldn_engine"].dispose()


def frame_policy(response) -> tuple[str, str | None]:
    csp = response.headers["Content-Security-Policy"]
    ancestors = next(p.strip() for p in csp.split(";") if "frame-ancestors" in p)
    return ancestors, response.headers.get("X-Frame-Options")


def screen(client: FlaskClient, headers: dict[str, str], token: str | None = None):
    if token is None:
        token = csrf_token(client.get("/").get_data(as_text=True))
    return client.post("/", data={"csrf_token": token, **valid_answers()}, headers=headers)


def test_by_default_no_page_may_be_framed(client: FlaskClient) -> None:
    for path in ("/", "/followup", "/admin/login", "/sheet"):
        assert frame_policy(client.get(path)) == ("frame-ancestors 'none'", "DENY"), path


def test_the_form_and_its_summary_may_be_framed_by_the_configured_origins(
    embed_app: Flask,
) -> None:
    client = embed_app.test_client()
    expected = (f"frame-ancestors {EHR} https://other-ehr.example:8443", None)
    assert frame_policy(client.get("/")) == expected
    summary = screen(client, SAME_ORIGIN)
    assert summary.status_code == 200
    assert "Screening result" in summary.get_data(as_text=True)
    assert frame_policy(summary) == expected


def test_the_sheet_from_the_embedded_summary_prints_without_a_cookie(embed_app: Flask) -> None:
    """The summary's sheet button opens a new tab: a top-level page where the frame's
    cookies never were. The cookie-free token works there too."""
    client = embed_app.test_client(use_cookies=False)
    summary = screen(client, SAME_ORIGIN)
    token = csrf_token(summary.get_data(as_text=True))
    sheet = client.post(
        "/sheet/patient",
        data={"csrf_token": token, **valid_answers()},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert sheet.status_code == 200
    assert "Your low-dose naltrexone (LDN) plan" in html.unescape(sheet.get_data(as_text=True))
    assert "Set-Cookie" not in sheet.headers


def test_other_pages_stay_unframeable_when_embedding_is_on(embed_app: Flask) -> None:
    client = embed_app.test_client()
    for path in ("/followup", "/admin/login", "/sheet", "/no-such-page"):
        assert frame_policy(client.get(path)) == ("frame-ancestors 'none'", "DENY"), path


def test_the_embedded_form_needs_no_cookie(embed_app: Flask) -> None:
    client = embed_app.test_client(use_cookies=False)  # as a frame whose cookies are blocked
    page = client.get("/")
    assert "Set-Cookie" not in page.headers
    summary = screen(client, SAME_ORIGIN, csrf_token(page.get_data(as_text=True)))
    assert summary.status_code == 200
    assert "Screening result" in summary.get_data(as_text=True)
    assert "Set-Cookie" not in summary.headers


def test_an_origin_header_naming_this_origin_is_accepted(embed_app: Flask) -> None:
    response = screen(embed_app.test_client(), {"Origin": "http://localhost"})
    assert response.status_code == 200
    assert "Screening result" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": EHR},  # even the allowed framer cannot post the form itself
        {"Origin": "null"},
        {},  # a client that says nothing of where it posts from
    ],
    ids=["cross-site", "same-site", "framer-origin", "null-origin", "no-header"],
)
def test_a_post_from_another_origin_is_refused(embed_app: Flask, headers: dict[str, str]) -> None:
    client = embed_app.test_client()
    client.check_pages = False  # type: ignore[attr-defined]
    response = screen(client, headers)
    assert response.status_code == 403
    assert "Screening result" not in response.get_data(as_text=True)


def test_a_bad_or_old_token_asks_again_with_the_answers_kept(
    embed_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = embed_app.test_client()
    response = screen(client, SAME_ORIGIN, token="forged")
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert CSRF_EXPIRED_MESSAGE in body
    assert "Screening result" not in body
    # An old token: past WTF_CSRF_TIME_LIMIT.
    token = csrf_token(client.get("/").get_data(as_text=True))
    embed_app.config["WTF_CSRF_TIME_LIMIT"] = -1
    old = html.unescape(screen(client, SAME_ORIGIN, token=token).get_data(as_text=True))
    assert CSRF_EXPIRED_MESSAGE in old


def test_the_session_bound_token_still_applies_to_the_admin(embed_app: Flask) -> None:
    """The admin's sign-in form keeps its cookie-bound token: the embedded form's token is
    not accepted there, even with the right password."""
    from tests.admin_support import PASSWORD, create_admin

    create_admin(embed_app)
    client = embed_app.test_client()
    client.get("/admin/login")  # the session (and its token) exist
    embedded = csrf_token(client.get("/").get_data(as_text=True))
    client.post(
        "/admin/login",
        data={"csrf_token": embedded, "username": "alice", "password": PASSWORD},
        headers=SAME_ORIGIN,
    )
    assert client.get("/admin/").status_code == 302  # not signed in
    # The same sign-in with the login page's own token works: the refusal was the token's.
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    client.post(
        "/admin/login",
        data={"csrf_token": token, "username": "alice", "password": PASSWORD},
        headers=SAME_ORIGIN,
    )
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "value",
    ["*", "https://*.example", "'none'", "ehr.example", "https://ehr.example/path", "ftp://x"],
)
def test_only_origins_are_accepted(value: str) -> None:
    with pytest.raises(UnsafeConfiguration, match="LDN_FRAME_ANCESTORS"):
        parse_frame_ancestors(value, production=False)


def test_plain_http_only_to_this_machine_outside_production() -> None:
    assert parse_frame_ancestors("http://127.0.0.1:9000", production=False) == (
        "http://127.0.0.1:9000",
    )
    for production in (True, False):
        with pytest.raises(UnsafeConfiguration):
            parse_frame_ancestors("http://ehr.example", production=production)
    with pytest.raises(UnsafeConfiguration):
        parse_frame_ancestors("http://127.0.0.1:9000", production=True)
