"""The EHR's JWT on a CDS Hooks call: every check of CDS Hooks 2.0 "Trusting CDS Clients" and
its best-practices page, each shown to refuse, and a good token shown to pass.

The calls go to the feedback endpoint, a real CDS route behind ``require_ehr_jwt``; a body
naming an unknown card is answered 200 once the token is accepted."""

from __future__ import annotations

import time

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient

from ldn_screen.web.ehr_trust import verify
from tests.cds_support_jwt import (
    ISSUER,
    SigningKey,
    ehr_jwt,
    trust_issuer,
    url,
)
from tests.cds_trust.support import BODY, PATH


def call(client: FlaskClient, token: str | None, path: str = PATH):
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return client.post(path, json=BODY, headers=headers)


def assert_bare_401(response) -> None:
    assert response.status_code == 401
    assert response.get_data() == b""  # no reason, no HTML page
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_good_token_is_accepted(ehr_app: Flask, ehr_key: SigningKey) -> None:
    response = call(ehr_app.test_client(), ehr_jwt(ehr_key, url(PATH)))
    assert response.status_code == 200


def test_the_verified_client_names_the_issuer(ehr_app: Flask, ehr_key: SigningKey) -> None:
    from flask import request

    from ldn_screen.web.ehr_trust import verify_cds_jwt

    token = ehr_jwt(ehr_key, url(PATH), tenant="clinic-a")
    with ehr_app.test_request_context(PATH, headers={"Authorization": f"Bearer {token}"}):
        client = verify_cds_jwt(request, url(PATH))
    assert (client.iss, client.tenant, client.demo) == (ISSUER, "clinic-a", False)


@pytest.mark.parametrize(
    "make_key",
    [
        lambda: SigningKey.ec("P-384"),
        lambda: SigningKey.ec("P-256"),
        lambda: SigningKey.rsa("RS384"),
        lambda: SigningKey.rsa("RS256"),
    ],
    ids=["ES384", "ES256", "RS384", "RS256"],
)
def test_each_allowed_algorithm_verifies(app: Flask, make_key) -> None:
    key = make_key()
    trust_issuer(app, key)
    assert call(app.test_client(), ehr_jwt(key, url(PATH))).status_code == 200


def test_no_token_and_other_schemes_are_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    client = ehr_app.test_client()
    assert_bare_401(call(client, None))
    token = ehr_jwt(ehr_key, url(PATH))
    assert_bare_401(client.post(PATH, json=BODY, headers={"Authorization": f"Basic {token}"}))
    assert_bare_401(call(client, "x" * 8000))
    assert_bare_401(call(client, "not.a.jwt"))


def test_a_replayed_jti_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    client = ehr_app.test_client()
    token = ehr_jwt(ehr_key, url(PATH))
    assert call(client, token).status_code == 200
    assert_bare_401(call(client, token))
    # The same jti in a freshly signed token is a replay too.
    again = ehr_jwt(
        ehr_key, url(PATH), jti=jwt.decode(token, options={"verify_signature": False})["jti"]
    )
    assert_bare_401(call(client, again))


def test_the_replay_store_is_shared_by_every_worker(app: Flask, ehr_key: SigningKey) -> None:
    """Two apps on one database (two gunicorn workers, or two servers): a token used on one is
    refused on the other."""
    from ldn_screen.app import create_app

    other = create_app({"INSTANCE_PATH": app.instance_path, "TESTING": True})
    try:
        trust_issuer(app, ehr_key)
        trust_issuer(other, ehr_key)
        token = ehr_jwt(ehr_key, url(PATH))
        assert call(app.test_client(), token).status_code == 200
        assert_bare_401(call(other.test_client(), token))
    finally:
        other.extensions["ldn_engine"].dispose()


@pytest.mark.parametrize(
    "aud",
    [
        url("/cds-services"),  # discovery's URL
        url("/cds-services/opioid-on-ldn/feedback"),  # another service
        url("/cds-services/ldn-order"),  # the service, not its feedback endpoint
        "https://ldn.clinic.example/cds-services/ldn-order/feedback",  # another host
        url(PATH) + "/",
        "sand_man",
    ],
)
def test_a_wrong_audience_is_refused(ehr_app: Flask, ehr_key: SigningKey, aud: str) -> None:
    assert_bare_401(call(ehr_app.test_client(), ehr_jwt(ehr_key, aud)))


def test_an_audience_list_naming_this_endpoint_is_accepted(
    ehr_app: Flask, ehr_key: SigningKey
) -> None:
    token = ehr_jwt(ehr_key, [url("/cds-services"), url(PATH)])
    assert call(ehr_app.test_client(), token).status_code == 200


def test_the_audience_is_the_public_url_when_one_is_configured(
    ehr_app: Flask, ehr_key: SigningKey
) -> None:
    ehr_app.config["LDN_PUBLIC_URL"] = "https://ldn.clinic.example"
    client = ehr_app.test_client()
    assert_bare_401(call(client, ehr_jwt(ehr_key, url(PATH))))
    public = "https://ldn.clinic.example" + PATH
    assert call(client, ehr_jwt(ehr_key, public)).status_code == 200


def test_an_expired_token_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    now = time.time()
    client = ehr_app.test_client()
    assert_bare_401(call(client, ehr_jwt(ehr_key, url(PATH), now=now - 400, lifetime=300)))
    # Within the leeway for clock skew: still accepted.
    skewed = ehr_jwt(ehr_key, url(PATH), now=now - 310, lifetime=300)
    assert call(client, skewed).status_code == 200


def test_a_token_issued_in_the_future_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    token = ehr_jwt(ehr_key, url(PATH), now=time.time() + 600)
    assert_bare_401(call(ehr_app.test_client(), token))


def test_a_token_living_longer_than_an_hour_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    """The replay store keeps each jti for the token's life: at most an hour."""
    client = ehr_app.test_client()
    assert_bare_401(call(client, ehr_jwt(ehr_key, url(PATH), lifetime=2 * 3600)))
    assert call(client, ehr_jwt(ehr_key, url(PATH), lifetime=3600)).status_code == 200


@pytest.mark.parametrize("claim", ["iss", "aud", "exp", "iat", "jti"])
def test_a_missing_claim_is_refused(ehr_app: Flask, ehr_key: SigningKey, claim: str) -> None:
    assert_bare_401(call(ehr_app.test_client(), ehr_jwt(ehr_key, url(PATH), omit=[claim])))


@pytest.mark.parametrize("jti", ["", 42, "j" * 256])
def test_a_bad_jti_is_refused(ehr_app: Flask, ehr_key: SigningKey, jti: object) -> None:
    assert_bare_401(call(ehr_app.test_client(), ehr_jwt(ehr_key, url(PATH), jti=jti)))


def test_an_unknown_issuer_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    client = ehr_app.test_client()
    # Signed with a trusted key, but naming another issuer.
    assert_bare_401(call(client, ehr_jwt(ehr_key, url(PATH), iss="https://evil.example")))
    # A prefix or extension of the trusted issuer is another issuer (CVE-2024-53861).
    assert_bare_401(call(client, ehr_jwt(ehr_key, url(PATH), iss=ISSUER[:-3])))
    assert_bare_401(call(client, ehr_jwt(ehr_key, url(PATH), iss=ISSUER + ".evil")))


def test_another_key_under_the_trusted_kid_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    forger = SigningKey.ec("P-384")
    forger.kid = ehr_key.kid  # claims to be the trusted key
    assert_bare_401(call(ehr_app.test_client(), ehr_jwt(forger, url(PATH))))


def test_a_token_without_a_kid_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    token = jwt.encode(
        {
            "iss": ISSUER,
            "aud": url(PATH),
            "exp": int(time.time()) + 300,
            "iat": int(time.time()),
            "jti": "k1",
        },
        ehr_key.private,
        algorithm="ES384",
    )
    assert_bare_401(call(ehr_app.test_client(), token))


def test_the_key_type_must_fit_the_algorithm(app: Flask) -> None:
    """A P-256 key never verifies an ES384 token (signed here with SHA-384 over P-256, which
    PyJWT itself would not produce), and an RSA key never an ES one."""
    import base64
    import json

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from jwt.utils import der_to_raw_signature

    key = SigningKey.ec("P-256")
    trust_issuer(app, key)

    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    now = int(time.time())
    claims = {"iss": ISSUER, "aud": url(PATH), "exp": now + 300, "iat": now, "jti": "curve"}
    signing_input = (
        b64(json.dumps({"alg": "ES384", "kid": key.kid, "typ": "JWT"}).encode())
        + b"."
        + b64(json.dumps(claims).encode())
    )
    der = key.private.sign(signing_input, ec.ECDSA(hashes.SHA384()))
    token = signing_input + b"." + b64(der_to_raw_signature(der, key.private.curve))
    assert_bare_401(call(app.test_client(), token.decode()))
    # The same token shape with the right hash passes, so the refusal above is the curve's.
    assert call(app.test_client(), ehr_jwt(key, url(PATH))).status_code == 200


def test_hs256_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    token = jwt.encode(
        {
            "iss": ISSUER,
            "aud": url(PATH),
            "exp": int(time.time()) + 300,
            "iat": int(time.time()),
            "jti": "hs",
        },
        "a shared secret of at least thirty-two bytes",
        algorithm="HS256",
        headers={"kid": ehr_key.kid},
    )
    assert_bare_401(call(ehr_app.test_client(), token))


def test_the_rsa_public_key_used_as_an_hmac_secret_is_refused(app: Flask) -> None:
    """Algorithm confusion: the attacker signs HS256 with the server's *public* RSA key as the
    secret; a verifier that lets the header pick the algorithm would accept it."""
    import base64
    import hashlib
    import hmac
    import json

    key = SigningKey.rsa("RS256")
    trust_issuer(app, key)

    def b64(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": url(PATH), "exp": now + 300, "iat": now, "jti": "confused"}
    payload = b64(json.dumps(claims).encode())
    for secret in (key.public_pem(), json.dumps(key.public_jwk()).encode()):
        signature = b64(hmac.new(secret, header + b"." + payload, hashlib.sha256).digest())
        token = (header + b"." + payload + b"." + signature).decode()
        assert_bare_401(call(app.test_client(), token))


def test_alg_none_is_refused(ehr_app: Flask, ehr_key: SigningKey) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": url(PATH), "exp": now + 300, "iat": now, "jti": "none"}
    token = jwt.encode(claims, "", algorithm="none", headers={"kid": ehr_key.kid})
    assert_bare_401(call(ehr_app.test_client(), token))
    assert_bare_401(call(ehr_app.test_client(), token.rstrip(".") + ".AAAA"))


def test_a_tenant_outside_the_issuers_list_is_refused(app: Flask) -> None:
    key = SigningKey.ec()
    trust_issuer(app, key, tenants=["clinic-a"])
    client = app.test_client()
    assert call(client, ehr_jwt(key, url(PATH), tenant="clinic-a")).status_code == 200
    assert_bare_401(call(client, ehr_jwt(key, url(PATH), tenant="clinic-b")))
    assert_bare_401(call(client, ehr_jwt(key, url(PATH))))


def test_an_issuer_limited_to_es384_refuses_rs384(app: Flask) -> None:
    key = SigningKey.rsa("RS384")
    trust_issuer(app, key, algorithms=["ES384"])
    assert_bare_401(call(app.test_client(), ehr_jwt(key, url(PATH))))


def test_no_configured_issuer_refuses_every_call(app: Flask, ehr_key: SigningKey) -> None:
    assert_bare_401(call(app.test_client(), ehr_jwt(ehr_key, url(PATH))))


def test_the_token_is_never_logged(
    ehr_app: Flask, ehr_key: SigningKey, caplog: pytest.LogCaptureFixture, capfd
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    client = ehr_app.test_client()
    good = ehr_jwt(ehr_key, url(PATH))
    tokens = [
        good,
        good,  # replayed
        ehr_jwt(ehr_key, "https://wrong.example/"),
        ehr_jwt(ehr_key, url(PATH), iss="https://evil.example"),
        ehr_jwt(ehr_key, url(PATH), now=time.time() - 4000),
    ]
    statuses = [call(client, token).status_code for token in tokens]
    assert statuses == [200, 401, 401, 401, 401]
    out, err = capfd.readouterr()
    logged = caplog.text + out + err
    assert "CDS call refused" in logged  # the refusals were logged, by reason only
    for token in tokens:
        for part in token.split("."):
            assert part not in logged
    assert "evil.example" not in logged


def test_refusal_reasons_are_specific_in_the_code(ehr_app: Flask, ehr_key: SigningKey) -> None:
    """The reason each refusal logs (not sent to the client) names the failed check."""
    from ldn_screen.web.ehr_trust import EXTENSION

    state = ehr_app.extensions[EXTENSION]
    with ehr_app.app_context():
        with pytest.raises(verify.Refused) as refused:
            verify.check_token(ehr_jwt(ehr_key, "x"), url(PATH), state)
        assert refused.value.reason == "audience"
        with pytest.raises(verify.Refused) as refused:
            verify.check_token(ehr_jwt(ehr_key, url(PATH), omit=["jti"]), url(PATH), state)
        assert refused.value.reason == "missing-claim"
