"""The parts every page shares: stylesheet and script links, and the navigation."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient


def current_links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page">', html)


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/", ["/"]),
        ("/followup", ["/followup"]),
        ("/sheet", ["/sheet"]),
        ("/admin/login", ["/admin/"]),
        ("/no-such-page", []),
    ],
)
def test_the_navigation_marks_the_current_section(
    client: FlaskClient, path: str, current: list[str]
) -> None:
    # Twice: the shared parts are rendered once and reused, and must stay right.
    for _ in range(2):
        html = client.get(path).get_data(as_text=True)
        assert current_links(html) == current
        assert html.count('<nav aria-label="Main">') == 1


def test_links_follow_the_path_prefix_of_each_request(client: FlaskClient) -> None:
    plain = client.get("/").get_data(as_text=True)
    prefixed = client.get("/", base_url="http://localhost/ldn").get_data(as_text=True)
    again = client.get("/").get_data(as_text=True)
    assert 'href="/static/css/app.css"' in plain and 'src="/static/js/app.js"' in plain
    assert 'href="/ldn/static/css/app.css"' in prefixed
    assert 'href="/ldn/followup"' in prefixed and 'href="/followup"' not in prefixed
    assert again == plain.replace(csrf(plain), csrf(again))


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_one_app_marks_each_section_in_turn(client: FlaskClient) -> None:
    # One app and its shared-part cache, visiting every section and back again.
    expected = {"/": ["/"], "/followup": ["/followup"], "/sheet": ["/sheet"]}
    expected |= {"/admin/login": ["/admin/"], "/no-such-page": [], "/followup/": []}
    for _ in range(2):
        for path, current in expected.items():
            assert current_links(client.get(path).get_data(as_text=True)) == current, path


@pytest.mark.parametrize("path", ["/", "/followup", "/sheet", "/admin/login", "/healthz"])
def test_head_answers_like_get_without_a_body(client: FlaskClient, path: str) -> None:
    # Load balancers and uptime checks often send HEAD; it must not look like a bad form post.
    head = client.head(path)
    assert head.status_code == client.get(path).status_code == 200
    assert head.get_data() == b""
    assert head.headers["Cache-Control"] == "no-store"
