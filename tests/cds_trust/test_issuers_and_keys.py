"""Issuer configuration (LDN_CDS_ISSUERS), keys from a JWKS URL with rotation, the token's
``jku`` never fetched, and the per-issuer "demo" flag (refused in production)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask, request
from werkzeug.exceptions import HTTPException

from ldn_screen.app import create_app
from ldn_screen.config import UnsafeConfiguration
from ldn_screen.web.ehr_trust import EXTENSION, keys, verify, verify_cds_jwt
from ldn_screen.web.ehr_trust.issuers import IssuerConfigError, parse_issuers
from ldn_screen.web.ehr_trust.state import TrustState
from tests.cds_support_jwt import (
    ISSUER,
    SigningKey,
    ehr_jwt,
    issuer_config,
    jwks,
    trust_issuer,
    url,
)
from tests.cds_trust.support import PATH, status_of


class JwksServer:
    """A local EHR publishing a JWK Set; counts the requests it gets."""

    def __init__(self) -> None:
        self.body: dict[str, Any] = {"keys": []}
        self.hits = 0
        self.redirect_to: str | None = None
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.hits += 1
                if owner.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", owner.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = json.dumps(owner.body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/jwks.json"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def jwks_server() -> Iterator[JwksServer]:
    server = JwksServer()
    yield server
    server.close()


def with_url_issuer(app: Flask, jwks_url: str, **fields: Any) -> TrustState:
    config = json.dumps({"issuers": [{"iss": ISSUER, "jwks_url": jwks_url, **fields}]})
    state = TrustState(parse_issuers(config, production=False), app.extensions["ldn_engine"], None)
    app.extensions[EXTENSION] = state
    return state


def test_keys_come_from_the_issuers_jwks_url(app: Flask, jwks_server: JwksServer) -> None:
    key = SigningKey.ec()
    jwks_server.body = jwks(key)
    with_url_issuer(app, jwks_server.url)
    assert status_of(app, ehr_jwt(key, url(PATH))) == 200
    assert status_of(app, ehr_jwt(key, url(PATH))) == 200
    assert jwks_server.hits == 1  # the set is cached


def test_a_rotated_key_is_fetched_once_on_its_first_token(
    app: Flask, jwks_server: JwksServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = SigningKey.ec(), SigningKey.rsa("RS384")
    jwks_server.body = jwks(old)
    with_url_issuer(app, jwks_server.url)
    clock = [1000.0]
    monkeypatch.setattr(keys.time, "monotonic", lambda: clock[0])
    assert status_of(app, ehr_jwt(old, url(PATH))) == 200
    # The EHR rotates: its set now holds the new key. Within the refetch interval a token with
    # an unknown kid fetches nothing (a stream of made-up kids cannot flood the EHR)...
    jwks_server.body = jwks(old, new)
    clock[0] += keys.REFETCH_SECONDS / 2
    assert status_of(app, ehr_jwt(new, url(PATH))) == 401
    assert jwks_server.hits == 1
    # ...after it, the unknown kid makes one refetch, and the new key verifies.
    clock[0] += keys.REFETCH_SECONDS
    assert status_of(app, ehr_jwt(new, url(PATH))) == 200
    assert jwks_server.hits == 2
    made_up = SigningKey.ec()
    assert status_of(app, ehr_jwt(made_up, url(PATH))) == 401
    assert status_of(app, ehr_jwt(made_up, url(PATH))) == 401
    assert jwks_server.hits == 2


def test_the_set_is_refreshed_after_its_lifetime(
    app: Flask, jwks_server: JwksServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key the EHR withdrew stops working once the cache has expired."""
    key = SigningKey.ec()
    jwks_server.body = jwks(key)
    with_url_issuer(app, jwks_server.url)
    clock = [1000.0]
    monkeypatch.setattr(keys.time, "monotonic", lambda: clock[0])
    assert status_of(app, ehr_jwt(key, url(PATH))) == 200
    jwks_server.body = {"keys": []}
    clock[0] += keys.CACHE_SECONDS + 1
    assert status_of(app, ehr_jwt(key, url(PATH))) == 401
    assert jwks_server.hits == 2


def test_an_unreachable_jwks_url_refuses_within_the_timeout(app: Flask) -> None:
    import socket
    import time

    # A listening socket that never answers: the fetch must give up, not hang the worker.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    try:
        with_url_issuer(app, f"http://127.0.0.1:{silent.getsockname()[1]}/jwks.json")
        started = time.monotonic()
        assert status_of(app, ehr_jwt(SigningKey.ec(), url(PATH))) == 401
        assert time.monotonic() - started < keys.FETCH_TIMEOUT_SECONDS + 1.5
    finally:
        silent.close()


def test_the_tokens_jku_is_never_fetched(app: Flask, jwks_server: JwksServer) -> None:
    """An attacker signs with their own key and points ``jku`` at their own JWK Set: the key
    must still come from the configured set only, and the attacker's URL is never requested."""
    trusted, attacker = SigningKey.ec(), SigningKey.ec()
    trust_issuer(app, trusted)
    jwks_server.body = jwks(attacker)
    for header in ({"jku": jwks_server.url}, {"x5u": jwks_server.url}):
        token = ehr_jwt(attacker, url(PATH), headers=header)
        assert status_of(app, token) == 401
    assert jwks_server.hits == 0


def test_a_redirecting_jwks_url_is_not_followed(app: Flask, jwks_server: JwksServer) -> None:
    """The keys come from the configured address only, not wherever it points."""
    key = SigningKey.ec()
    target = JwksServer()
    try:
        target.body = jwks(key)
        jwks_server.redirect_to = target.url
        with_url_issuer(app, jwks_server.url)
        assert status_of(app, ehr_jwt(key, url(PATH))) == 401
        assert (jwks_server.hits, target.hits) == (1, 0)
    finally:
        target.close()


def test_a_private_or_symmetric_key_in_the_set_is_ignored(app: Flask) -> None:
    """An "oct" (shared secret) key in the EHR's set can never verify anything."""
    key = SigningKey.ec()
    config = {
        "keys": [
            {"kty": "oct", "kid": "shared", "k": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"},
            key.public_jwk(),
        ]
    }
    state = keys.IssuerKeys(
        parse_issuers(json.dumps([{"iss": ISSUER, "jwks": config}]), False)[ISSUER]
    )
    assert state.key(key.kid) is not None
    with pytest.raises(keys.KeyNotFound):
        state.key("shared")


def test_an_rsa_key_never_verifies_an_es_token() -> None:
    from jwt import PyJWK

    data = SigningKey.rsa("RS384").public_jwk()
    del data["alg"]  # the key states no algorithm of its own: its type still decides
    rsa_key = keys.PublicKey(PyJWK(data).key, data)
    for alg in ("ES384", "ES256"):
        with pytest.raises(verify.Refused):
            verify._check_key_fits(rsa_key, alg)
    verify._check_key_fits(rsa_key, "RS384")


# --- Configuration -------------------------------------------------------------------------


def test_issuers_from_a_file(tmp_path, app: Flask) -> None:
    key = SigningKey.ec()
    path = tmp_path / "issuers.json"
    path.write_text(issuer_config(key))
    parsed = parse_issuers(str(path), production=True)
    assert list(parsed) == [ISSUER]
    assert parsed[ISSUER].jwks == jwks(key)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('[{"iss": "https://a.example"}]', "exactly one of"),
        (
            '[{"iss": "https://a.example", "jwks_url": "https://a.example/j", '
            '"jwks": {"keys": [{}]}}]',
            "exactly one of",
        ),
        ('[{"iss": "https://a.example", "jwks_uri": "https://a.example/j"}]', "unknown field"),
        ('[{"iss": "https://a.example", "jwks_url": "http://a.example/j"}]', "https"),
        ('[{"iss": "https://a.example", "jwks_url": "file:///etc/passwd"}]', "https"),
        ('[{"iss": "https://a.example", "jwks": {"keys": []}}]', "JWK Set"),
        (
            '[{"iss": "https://a.example", "jwks_url": "https://a.example/j", '
            '"algorithms": ["HS256"]}]',
            "algorithms",
        ),
        (
            '[{"iss": "https://a.example", "jwks_url": "https://a.example/j"}, '
            '{"iss": "https://a.example", "jwks_url": "https://a.example/k"}]',
            "twice",
        ),
        ("{not json", "not valid JSON"),
        ("/no/such/issuers.json", "cannot be read"),
    ],
)
def test_a_bad_issuer_configuration_is_refused(config: str, message: str) -> None:
    with pytest.raises(IssuerConfigError, match=message):
        parse_issuers(config, production=False)


def test_the_demo_flag_is_refused_in_production(tmp_path) -> None:
    config = issuer_config(SigningKey.ec(), demo=True)
    with pytest.raises(IssuerConfigError, match="refused in production"):
        parse_issuers(config, production=True)
    assert parse_issuers(config, production=False)[ISSUER].demo
    with pytest.raises(UnsafeConfiguration, match="demo"):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "TESTING": True,
                "LDN_ENV": "production",
                "SECRET_KEY": "k3Jd8s0Zq1Lm4Vb7Xn2Rt6Yw9Pc5Hf0Gu8Ae3Do1Si7Kl4",
                "TRUSTED_HOSTS": ["ldn.clinic.example"],
                "LDN_CDS_ISSUERS": config,
            }
        )


def test_a_plain_http_jwks_url_is_allowed_only_to_this_machine_outside_production() -> None:
    local = '[{"iss": "https://a.example", "jwks_url": "http://127.0.0.1:8080/j"}]'
    assert parse_issuers(local, production=False)
    with pytest.raises(IssuerConfigError, match="https"):
        parse_issuers(local, production=True)


def test_issuers_from_the_environment_reach_the_app(tmp_path) -> None:
    key = SigningKey.ec()
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "TESTING": True,
            "LDN_CDS_ISSUERS": issuer_config(key),
        }
    )
    try:
        assert status_of(app, ehr_jwt(key, url(PATH))) == 200
    finally:
        app.extensions["ldn_engine"].dispose()


# --- The demo flag ---------------------------------------------------------------------------


def test_a_demo_issuer_is_not_held_to_the_audience(app: Flask) -> None:
    """The Meld sandbox sends aud "sand_man"; the legacy sandbox a wrong URL."""
    demo, strict = SigningKey.ec(), SigningKey.ec()
    config = json.dumps(
        [
            {"iss": "https://sandbox.cds-hooks.org", "jwks": jwks(demo), "demo": True},
            {"iss": ISSUER, "jwks": jwks(strict)},
        ]
    )
    app.extensions[EXTENSION] = TrustState(
        parse_issuers(config, False), app.extensions["ldn_engine"], None
    )
    assert status_of(app, ehr_jwt(demo, "sand_man", iss="https://sandbox.cds-hooks.org")) == 200
    # Only that issuer: the other is still held to the exact URL.
    assert status_of(app, ehr_jwt(strict, "sand_man")) == 401
    # Everything else is still checked for the demo issuer: its signature, expiry, replay.
    token = ehr_jwt(demo, "sand_man", iss="https://sandbox.cds-hooks.org")
    assert status_of(app, token) == 200
    assert status_of(app, token) == 401
    assert status_of(app, ehr_jwt(strict, "sand_man", iss="https://sandbox.cds-hooks.org")) == 401


def test_discovery_without_a_token_only_while_a_demo_issuer_is_configured(app: Flask) -> None:
    trust_issuer(app, SigningKey.ec())
    with app.test_request_context("/cds-services"):
        with pytest.raises(HTTPException) as refused:
            verify_cds_jwt(request, url("/cds-services"))
        assert refused.value.get_response().status_code == 401
    trust_issuer(app, SigningKey.ec(), demo=True)
    with app.test_request_context("/cds-services"):
        client = verify_cds_jwt(request, url("/cds-services"))
        assert client.demo and client.iss is None
        # Not a service call, even with the demo issuer.
        with pytest.raises(HTTPException) as refused:
            verify_cds_jwt(request, url("/cds-services/ldn-order"))
        assert refused.value.get_response().status_code == 401
