"""Helpers for the admin tests: an account, signing in, and posting the settings form."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ldn_screen.rules import DEFAULT_SETTINGS
from ldn_screen.web.forms.admin import display
from tests.helpers import csrf_token

PASSWORD = "correct horse battery staple"


def create_admin(app: Flask, username: str = "alice", password: str = PASSWORD) -> None:
    app.extensions["ldn_users"].create(username, password)


def login(client: FlaskClient, username: str = "alice", password: str = PASSWORD) -> TestResponse:
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    return client.post(
        "/admin/login", data={"csrf_token": token, "username": username, "password": password}
    )


def text_of(response: TestResponse) -> str:
    """The page's visible text in <main>, tags removed and spaces collapsed."""
    body = response.get_data(as_text=True)
    main = body[body.find("<main") :]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def settings_data(values: dict[str, Any] | None = None, **overrides: str) -> dict[str, str]:
    """The settings form as a browser posts it: every field as text."""
    data = {k: display(v) for k, v in (values or DEFAULT_SETTINGS.as_dict()).items()}
    data.update(overrides)
    return data


def preview(client: FlaskClient, based_on: int, **overrides: str) -> TestResponse:
    token = csrf_token(client.get("/admin/settings").get_data(as_text=True))
    data = {"csrf_token": token, "based_on": str(based_on), **settings_data(**overrides)}
    return client.post("/admin/settings/preview", data=data)


def hidden_fields(response: TestResponse) -> dict[str, str]:
    """Every hidden input of the page's publish form (what the browser would send back)."""
    body = response.get_data(as_text=True)
    form = body[body.index('action="/admin/settings/publish"') :]
    fields = re.findall(r'<input[^>]*type="hidden"[^>]*>', form[: form.index("</form>")])
    found: dict[str, str] = {}
    for tag in fields:
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        assert name and value
        found[name.group(1)] = html.unescape(value.group(1))
    return found


def publish(
    client: FlaskClient, based_on: int, reason: str = "Agreed at governance", **overrides: str
) -> TestResponse:
    """Preview, then publish from the preview page's own hidden fields."""
    page = preview(client, based_on, **overrides)
    assert page.status_code == 200
    data = {**hidden_fields(page), "reason": reason, "action": "publish"}
    return client.post("/admin/settings/publish", data=data)


def form_fields(page: str, action: str) -> dict[str, str]:
    """What a browser would send for the form posting to ``action``, as the page stands."""
    form = page[page.index(f'action="{action}"') :]
    form = form[: form.index("</form>")]
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if not name or not value:
            continue
        if 'type="radio"' in tag and " checked" not in tag:
            data.setdefault(name.group(1), "")
            continue
        data[name.group(1)] = html.unescape(value.group(1))
    return data
