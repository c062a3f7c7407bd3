"""What gunicorn itself does at the edge, under the shipped config (security issue, items 7
and 10): which forwarded headers it trusts, the Server header, and the answer to an address or
a header that is too long."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.instances import BIN, Instance, _wait_until_serving, app_env
from tests.pg_support import free_port

ROOT = Path(__file__).resolve().parents[2]
CSP = "Content-Security-Policy"


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], logs: Path) -> Iterator[Instance]:
    """One gunicorn with the shipped config and one worker, serving ``app``."""
    port = free_port()
    log = logs / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                "python:ldn_screen.config.gunicorn",
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "--chdir",
                str(ROOT),
                app,
            ],
            # Our tests/ before any other (textstat installs a top-level "tests" package).
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    instance = Instance("edge", f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_until_serving(instance)
        yield instance
    finally:
        process.terminate()
        process.wait(timeout=20)


def local_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A development instance on SQLite; nothing LDN_* or FORWARDED_ALLOW_IPS inherited."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LDN_") and k not in {"DATABASE_URL", "FORWARDED_ALLOW_IPS"}
    }
    return {**inherited, "LDN_INSTANCE_PATH": str(tmp_path / "instance"), **extra}


def request(
    instance: Instance, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    host, port = instance.base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read().decode()
    finally:
        conn.close()


def raw(instance: Instance, data: bytes) -> bytes:
    host, port = instance.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(data)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    return received


FORGED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "SCRIPT_NAME": "/x"}


@pytest.mark.parametrize(
    ("settings", "scheme"),
    [
        ({}, "http"),  # no proxy: no forwarded header counts, not even from 127.0.0.1
        ({"LDN_PROXY_HOPS": "1", "LDN_PROXY_ADDRESSES": "192.0.2.10"}, "http"),
        ({"LDN_PROXY_HOPS": "1"}, "https"),  # the proxy on this machine (the default)
    ],
)
def test_gunicorn_trusts_forwarded_headers_only_from_the_configured_proxy(
    tmp_path: Path, settings: dict[str, str], scheme: str
) -> None:
    with gunicorn("tests.deploy.probe_app:app", local_env(tmp_path, **settings), tmp_path) as gi:
        status, _, body = request(gi, "/x/probe", FORGED)
    assert status == 200, body
    seen = json.loads(body)
    assert seen["wsgi.url_scheme"] == scheme
    assert seen["REMOTE_ADDR"] == "127.0.0.1"  # the client address is the app's business
    assert seen["SCRIPT_NAME"] in {"", None}  # never a path prefix taken from a header


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    tmp = tmp_path_factory.mktemp("edge")
    env = app_env("", tmp / "instance")
    env.pop("DATABASE_URL")  # SQLite in the instance folder
    with gunicorn("ldn_screen.app:create_app()", env, tmp) as instance:
        yield instance


def test_no_response_names_the_server_software(production: Instance) -> None:
    status, headers, _ = request(production, "/")
    assert status == 200 and CSP.lower() in headers
    assert "server" not in headers
    # gunicorn's own answer to a request it cannot parse.
    answer = raw(production, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert b"\r\nserver:" not in answer.lower()


def test_a_long_address_gets_the_house_414_page_with_the_security_headers(
    production: Instance,
) -> None:
    # Longer than gunicorn's default request-line limit (4094), within the shipped one.
    status, headers, body = request(production, "/sheet?x=" + "a" * 5000)
    assert status == 414, body[:300]
    assert CSP.lower() in headers and headers["cache-control"] == "no-store"
    assert "The address is too long" in body
    # A normal address still works.
    assert request(production, "/sheet?x=" + "a" * 3000)[0] == 200


def test_a_large_header_gets_the_house_431_page_with_the_security_headers(
    production: Instance,
) -> None:
    status, headers, body = request(production, "/", {"X-Padding": "a" * 9000})
    assert status == 431, body[:300]
    assert CSP.lower() in headers and "x-frame-options" in headers
    assert "The request headers are too large" in body
    assert request(production, "/", {"X-Padding": "a" * 7000})[0] == 200
