"""A chunked request body (no Content-Length) over the size limit gets the house 413, as a
Content-Length body does. Before, gunicorn passed it on with ``wsgi.input_terminated`` and
Werkzeug read it only up to ``MAX_CONTENT_LENGTH``, silently dropping the rest: the form was
parsed from a truncated body.

The Werkzeug test client does not set ``wsgi.input_terminated`` (it then ignores a body
without a length), so these tests set it, as gunicorn does; tests/deploy/test_chunked_body.py
sends real chunked requests to gunicorn.
"""

from __future__ import annotations

import io
import urllib.parse

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import TestResponse

from ldn_screen.web.edge.limits import CappedBody
from tests.helpers import csrf_token, valid_answers

FORM = "application/x-www-form-urlencoded"


def post_chunked(client: FlaskClient, path: str, body: bytes) -> TestResponse:
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        headers={"Content-Type": FORM, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def screening_body(client: FlaskClient, size: int) -> bytes:
    """A complete, valid screening post padded with an unknown field to ``size`` bytes."""
    token = csrf_token(client.get("/").get_data(as_text=True))
    body = urllib.parse.urlencode({"csrf_token": token, **valid_answers()}) + "&padding="
    return (body + "x" * (size - len(body))).encode()


def limit(app: Flask) -> int:
    return int(app.config["MAX_CONTENT_LENGTH"])


@pytest.mark.parametrize("over", [1, 1024 * 1024])
def test_a_chunked_body_over_the_limit_gets_the_house_413(
    app: Flask, client: FlaskClient, over: int
) -> None:
    response = post_chunked(client, "/", screening_body(client, limit(app) + over))
    assert response.status_code == 413
    assert "What was sent is too large" in response.get_data(as_text=True)


@pytest.mark.parametrize("under", [0, 1, 100_000])
def test_a_chunked_body_up_to_the_limit_is_read_whole(
    app: Flask, client: FlaskClient, under: int
) -> None:
    # Exactly at the limit is allowed, as a Content-Length body of that size is. The answers
    # come before the padding, so a body cut short would still screen: the summary alone
    # proves nothing. The padding's length proves the whole body was read.
    body = screening_body(client, limit(app) - under)
    response = post_chunked(client, "/", body)
    assert response.status_code == 200
    assert "settings version 1 of" in response.get_data(as_text=True)
    with app.test_request_context(
        "/",
        method="POST",
        input_stream=io.BytesIO(body),
        content_type=FORM,
        environ_overrides={"wsgi.input_terminated": True},
    ):
        from flask import request

        assert len(request.form["padding"]) == len(body) - body.index(b"&padding=") - 9


def test_a_chunked_sign_in_over_the_limit_is_refused(app: Flask, client: FlaskClient) -> None:
    token = csrf_token(client.get("/admin/login").get_data(as_text=True))
    body = f"csrf_token={token}&username=alice&password=".encode()
    response = post_chunked(client, "/admin/login", body + b"x" * limit(app))
    assert response.status_code == 413


def test_the_capped_stream_reads_at_most_one_byte_past_the_limit() -> None:
    source = io.BytesIO(b"a" * 20)
    with pytest.raises(RequestEntityTooLarge):
        CappedBody(source, 10).read()
    assert source.tell() == 11  # never reads the rest of an oversized body into memory
    assert CappedBody(io.BytesIO(b"a" * 10), 10).read() == b"a" * 10
