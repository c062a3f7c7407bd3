"""An attacker's tokens against the CDS Hooks trust check: every one is a bare 401 (never a
500, never accepted), and the log never carries the token."""

from __future__ import annotations

import base64
import json
import logging
import time
from typing import Any

import jwt
import pytest
from flask import Flask

from tests.cds_support_jwt import ISSUER, SigningKey, ehr_jwt, trust_issuer, url
from tests.cds_trust.support import PATH, status_of
from tests.cds_trust.test_cors import cors_app, preflight  # noqa: F401  (a fixture)

AUD = url(PATH)


def _b64(data: dict[str, Any] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUD, "exp": now + 300, "iat": now, "jti": f"j-{time.time()}"}
    return {**claims, **extra}


def _signed(key: SigningKey, header: dict[str, Any], payload: dict[str, Any] | bytes) -> str:
    """A token PyJWT would refuse to build: signed by hand."""
    signing = f"{_b64(header)}.{_b64(payload)}"
    signature = jwt.get_algorithm_by_name(key.alg).sign(signing.encode(), key.private)
    return signing + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def test_alg_none_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    token = f"{_b64({'alg': 'none', 'kid': ehr_key.kid})}.{_b64(_claims())}."
    assert status_of(ehr_app, token) == 401


def test_hs256_signed_with_the_public_key_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    header = {"alg": "HS256", "kid": ehr_key.kid, "typ": "JWT"}
    signing = f"{_b64(header)}.{_b64(_claims())}".encode()
    import hashlib
    import hmac

    sig = hmac.new(ehr_key.public_pem(), signing, hashlib.sha256).digest()
    token = signing.decode() + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()
    assert status_of(ehr_app, token) == 401


@pytest.mark.parametrize(
    "kid", ["../../../../etc/passwd", "' OR '1'='1", "x" * 5000, "\x00", "\ud800"]
)
def test_kid_tricks_are_refused(ehr_app: Flask, ehr_key: SigningKey, kid: str) -> None:
    token = ehr_jwt(ehr_key, AUD, headers={"kid": kid})
    assert status_of(ehr_app, token) == 401


@pytest.mark.parametrize("kid", [["a"], {"a": 1}, 7, None, True])
def test_kid_of_another_type_is_refused(ehr_app: Flask, ehr_key: SigningKey, kid: Any) -> None:
    header = {"alg": ehr_key.alg, "kid": kid, "typ": "JWT"}
    token = _signed(ehr_key, header, _claims())
    assert status_of(ehr_app, token) == 401


def test_jwk_header_with_the_attackers_key_is_ignored(ehr_app: Flask) -> None:
    attacker = SigningKey.ec("P-384")
    token = ehr_jwt(
        attacker,
        AUD,
        headers={"jwk": attacker.public_jwk(), "jku": "https://evil.example/jwks.json"},
    )
    assert status_of(ehr_app, token) == 401


def test_x5u_header_is_never_fetched(ehr_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib.request

    opened: list[Any] = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda *a, **k: opened.append(a))
    attacker = SigningKey.ec("P-384")
    token = ehr_jwt(attacker, AUD, headers={"x5u": "http://169.254.169.254/latest/"})
    assert status_of(ehr_app, token) == 401
    assert opened == []


def test_unknown_crit_header_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    token = ehr_jwt(ehr_key, AUD, headers={"crit": ["exp-ext"], "exp-ext": 1})
    assert status_of(ehr_app, token) == 401


def test_nbf_in_the_future_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    token = ehr_jwt(ehr_key, AUD, nbf=int(time.time()) + 600)
    assert status_of(ehr_app, token) == 401


def test_iat_in_the_future_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    token = ehr_jwt(ehr_key, AUD, now=time.time() + 600, lifetime=60)
    assert status_of(ehr_app, token) == 401


@pytest.mark.parametrize(
    "other", ["https://other.example/cds-services/x", "http://[oops", 7, None, ["x"]]
)
def test_audience_list_naming_another_service_too_is_refused(
    ehr_app: Flask, ehr_key: SigningKey, other: Any
) -> None:
    # The other service could present the very token here: it was never meant only for us.
    header = {"alg": ehr_key.alg, "kid": ehr_key.kid, "typ": "JWT"}
    token = _signed(ehr_key, header, _claims(aud=[AUD, other]))
    assert status_of(ehr_app, token) == 401


def test_audience_list_of_ours_alone_passes(ehr_app: Flask, ehr_key: SigningKey) -> None:
    assert status_of(ehr_app, ehr_jwt(ehr_key, [AUD])) == 200


def test_exp_far_in_the_future_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    assert status_of(ehr_app, ehr_jwt(ehr_key, AUD, lifetime=10 * 365 * 86400)) == 401


@pytest.mark.parametrize("exp", ["9999999999", 1e309, True, None, [1], {"a": 1}, 10**400])
def test_odd_exp_values_are_refused(ehr_app: Flask, ehr_key: SigningKey, exp: Any) -> None:
    token = ehr_jwt(ehr_key, AUD, exp=exp)
    assert status_of(ehr_app, token) == 401


@pytest.mark.parametrize("iat", ["now", 1e309, True, [1], 10**400, -(10**400)])
def test_odd_iat_values_are_refused(ehr_app: Flask, ehr_key: SigningKey, iat: Any) -> None:
    assert status_of(ehr_app, ehr_jwt(ehr_key, AUD, iat=iat)) == 401


@pytest.mark.parametrize("jti", [1, 1.5, True, ["a"], {"a": "b"}, "", "x" * 300])
def test_odd_jti_values_are_refused(ehr_app: Flask, ehr_key: SigningKey, jti: Any) -> None:
    assert status_of(ehr_app, ehr_jwt(ehr_key, AUD, jti=jti)) == 401


@pytest.mark.parametrize("padding", [5950, 7000, 100_000])
def test_huge_token_is_refused(ehr_app: Flask, ehr_key: SigningKey, padding: int) -> None:
    # Refused by the token check (401) or, larger, by the header limit (431): never read.
    token = ehr_jwt(ehr_key, AUD, padding="x" * padding)
    assert len(token) > 8000
    assert status_of(ehr_app, token) in {401, 431}


@pytest.mark.parametrize("tenant", [["clinic-a"], {"clinic-a": 1}, 1, None, "clinic-b", ""])
def test_tenant_tricks_are_refused(app: Flask, ehr_key: SigningKey, tenant: Any) -> None:
    trust_issuer(app, ehr_key, tenants=["clinic-a"])
    assert status_of(app, ehr_jwt(ehr_key, AUD, tenant=tenant)) == 401


def test_the_right_tenant_passes(app: Flask, ehr_key: SigningKey) -> None:
    trust_issuer(app, ehr_key, tenants=["clinic-a"])
    assert status_of(app, ehr_jwt(ehr_key, AUD, tenant="clinic-a")) == 200


@pytest.mark.parametrize("iss", [[ISSUER], {"a": ISSUER}, ISSUER + "/", ISSUER.upper()])
def test_issuer_tricks_are_refused(ehr_app: Flask, ehr_key: SigningKey, iss: Any) -> None:
    header = {"alg": ehr_key.alg, "kid": ehr_key.kid, "typ": "JWT"}
    assert status_of(ehr_app, _signed(ehr_key, header, _claims(iss=iss))) == 401


@pytest.mark.parametrize(
    "payload",
    [
        b"[1,2]",
        b'"text"',
        b"null",
        b"{",
        b'{"iss": NaN}',
        "\ud800".encode("utf-8", "surrogatepass"),
    ],
)
def test_unreadable_claims_are_refused(ehr_app: Flask, ehr_key: SigningKey, payload: bytes) -> None:
    header = {"alg": ehr_key.alg, "kid": ehr_key.kid, "typ": "JWT"}
    token = _signed(ehr_key, header, payload)
    assert status_of(ehr_app, token) == 401


@pytest.mark.parametrize(
    "header_value",
    [
        "Bearer",
        "Bearer    ",
        "Basic abc",
        "bearer a.b.c",
        "Bearer a.b",
        "Bearer \x00.\x00.\x00",
        "Bearer é.é.é",
        "Bearer a..b",
    ],
)
def test_malformed_authorization_headers_are_refused(ehr_app: Flask, header_value: str) -> None:
    client = ehr_app.test_client()
    response = client.post(PATH, json={}, headers={"Authorization": header_value})
    assert response.status_code == 401
    assert response.get_data() == b""


def test_replay_is_refused_and_another_issuers_same_jti_is_its_own(
    app: Flask, ehr_key: SigningKey
) -> None:
    other = SigningKey.ec("P-384")
    config = {
        "issuers": [
            {"iss": ISSUER, "jwks": {"keys": [ehr_key.public_jwk()]}},
            {"iss": "https://other.example", "jwks": {"keys": [other.public_jwk()]}},
        ]
    }
    from ldn_screen.web.ehr_trust import EXTENSION
    from ldn_screen.web.ehr_trust.issuers import parse_issuers
    from ldn_screen.web.ehr_trust.state import TrustState

    app.extensions[EXTENSION] = TrustState(
        parse_issuers(json.dumps(config), False), app.extensions["ldn_engine"], None
    )
    token = ehr_jwt(ehr_key, AUD, jti="same")
    assert status_of(app, token) == 200
    assert status_of(app, token) == 401
    # Another issuer's key cannot sign for the first issuer, same jti or not.
    assert status_of(app, ehr_jwt(other, AUD, jti="same2")) == 401
    assert status_of(app, ehr_jwt(other, AUD, jti="same", iss="https://other.example")) == 200


def test_the_log_never_holds_the_token(
    ehr_app: Flask, ehr_key: SigningKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = [
        ehr_jwt(ehr_key, AUD, tenant=["x"]),
        ehr_jwt(ehr_key, AUD, exp=1e309),
        ehr_jwt(ehr_key, "https://wrong.example/"),
    ]
    for token in tokens:
        status_of(ehr_app, token)
        signature = token.rsplit(".", 1)[1]
        assert signature not in caplog.text
        assert token.split(".")[1] not in caplog.text


@pytest.mark.parametrize("jti", ["\ud800", "a\x00b", "\u202eabc"])
def test_a_jti_the_replay_store_cannot_hold_is_refused_not_a_503(
    ehr_app: Flask, ehr_key: SigningKey, jti: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A lone surrogate cannot be written to the database: that is the token's fault (401),
    # not a replay store that is down (503, "try again"), and the log must not say it is.
    header = {"alg": ehr_key.alg, "kid": ehr_key.kid, "typ": "JWT"}
    token = _signed(ehr_key, header, _claims(jti=jti))
    assert status_of(ehr_app, token) == 401
    assert "unreachable" not in caplog.text


def test_a_jwks_server_sending_a_byte_at_a_time_is_given_up_on_in_time() -> None:
    import socket
    import threading

    from ldn_screen.web.ehr_trust.keys import fetch_jwks

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def drip() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
            try:
                for _ in range(100):
                    conn.sendall(b" ")
                    time.sleep(0.05)
            except OSError:
                pass

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        fetch_jwks(f"http://127.0.0.1:{listener.getsockname()[1]}/jwks", timeout=0.5)
    assert time.monotonic() - started < 1.5
    listener.close()


@pytest.mark.parametrize(
    "origin",
    [
        "https://sandbox.cds-hooks.org.evil.example",
        "https://evilsandbox.cds-hooks.org",
        "http://sandbox.cds-hooks.org",
        "https://sandbox.cds-hooks.org:8443",
        "null",
        "https://SANDBOX.cds-hooks.org.",
    ],
)
def test_cors_answers_no_lookalike_origin(cors_app: Flask, origin: str) -> None:  # noqa: F811
    response = preflight(cors_app, origin)
    assert "Access-Control-Allow-Origin" not in response.headers
