"""Chunked request bodies under gunicorn, as a client that sends no Content-Length does:
over the size limit is the house 413 (it was cut at 2 MiB and parsed), up to it is read whole.
"""

from __future__ import annotations

import http.client
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from tests.deploy.instances import Instance, app_env, running
from tests.helpers import csrf_token, valid_answers

LIMIT = 2 * 1024 * 1024  # MAX_CONTENT_LENGTH (ldn_screen/config.py)


def _chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _post_chunked(instance: Instance, body: bytes) -> tuple[int, str]:
    """GET the form (cookie and CSRF token), then POST ``body`` with chunked encoding, the
    answers first and padding to the wanted size after them."""
    host = urllib.parse.urlsplit(instance.base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=20)
    conn.request("GET", "/")
    page = conn.getresponse()
    html = page.read().decode()
    cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    conn.close()
    form = urllib.parse.urlencode({"csrf_token": csrf_token(html), **valid_answers()})
    data = (form + "&padding=").encode()
    data += b"x" * (len(body) - len(data))
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=20)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    conn.request("POST", "/", body=_chunks(data), headers=headers, encode_chunked=True)
    reply = conn.getresponse()
    status, text = reply.status, reply.read().decode()
    conn.close()
    return status, text


def test_gunicorn_refuses_a_chunked_body_over_the_limit(tmp_path: Path) -> None:
    env = app_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path / "instance")
    with running([("chunked", env, 1)], tmp_path) as [instance]:
        status, page = _post_chunked(instance, b"\0" * (LIMIT + 512 * 1024))
        assert status == 413, instance.log_tail()
        assert "What was sent is too large" in page
        status, page = _post_chunked(instance, b"\0" * (LIMIT - 1024))
        assert status == 200, instance.log_tail()
        assert re.search(r"settings version 1 of", page)
