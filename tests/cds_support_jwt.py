"""EHR-style JWTs for the CDS Hooks tests, signed with keys the tests generate.

The tokens have the shape the public CDS Hooks sandbox and the Inferno CRD test kit send
(``alg`` ES384, ``kid``, ``typ: JWT``, ``jku``; ``iss``, ``aud`` = the exact endpoint URL,
``exp`` = now + 300 s, ``iat``, a UUID ``jti``), but every key is made here.

- ``SigningKey.ec()`` / ``SigningKey.rsa()``: a key pair with a ``kid`` and its public JWK.
- ``ehr_jwt(key, aud, ...)``: a signed token; claims and header fields can be changed or left
  out to build bad ones.
- ``bearer(key, path)``: the Authorization header for a call to ``path`` on the test client.
- ``trust_issuer(app, *keys, ...)``: make ``app`` trust an issuer whose static JWKS holds
  ``keys`` (after create_app, so it works with the shared ``app`` fixture).
- fixtures ``ehr_key`` (EC P-384, the sandbox's algorithm) and ``ehr_app`` (the ``app`` with
  that issuer trusted). Import them into a test module to use them.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import Flask

from ldn_screen.web.ehr_trust import EXTENSION
from ldn_screen.web.ehr_trust.issuers import parse_issuers
from ldn_screen.web.ehr_trust.state import TrustState

ISSUER = "https://ehr.test.example"
JWKS_URL = "https://ehr.test.example/.well-known/jwks.json"
HOST_URL = "http://localhost"  # the test client's scheme and host


@dataclass
class SigningKey:
    private: Any
    alg: str
    kid: str = field(default_factory=lambda: str(uuid.uuid4()))

    @classmethod
    def ec(cls, curve: str = "P-384") -> SigningKey:
        kinds = {"P-384": (ec.SECP384R1(), "ES384"), "P-256": (ec.SECP256R1(), "ES256")}
        kind, alg = kinds[curve]
        return cls(ec.generate_private_key(kind), alg)

    @classmethod
    def rsa(cls, alg: str = "RS384") -> SigningKey:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048), alg)

    def public_jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.alg)
        data: dict[str, Any] = json.loads(algorithm.to_jwk(self.private.public_key()))
        data.update(kid=self.kid, use="sig", alg=self.alg)
        return data

    def public_pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def jwks(*keys: SigningKey) -> dict[str, Any]:
    return {"keys": [key.public_jwk() for key in keys]}


def ehr_jwt(
    key: SigningKey,
    aud: str | list[str],
    *,
    iss: str = ISSUER,
    lifetime: int = 300,
    now: float | None = None,
    omit: Iterable[str] = (),
    headers: dict[str, Any] | None = None,
    alg: str | None = None,
    **claims: Any,
) -> str:
    """A token as an EHR would send it; ``omit`` leaves claims out, ``claims`` adds or
    replaces them, ``headers`` adds or replaces header fields."""
    issued = int(time.time() if now is None else now)
    payload: dict[str, Any] = {
        "iss": iss,
        "aud": aud,
        "exp": issued + lifetime,
        "iat": issued,
        "jti": str(uuid.uuid4()),
    }
    payload.update(claims)
    for name in omit:
        payload.pop(name, None)
    header = {"kid": key.kid, "typ": "JWT", "jku": JWKS_URL, **(headers or {})}
    return jwt.encode(payload, key.private, algorithm=alg or key.alg, headers=header)


def url(path: str) -> str:
    return HOST_URL + path


def bearer(key: SigningKey, path: str, **kwargs: Any) -> dict[str, str]:
    return {"Authorization": "Bearer " + ehr_jwt(key, url(path), **kwargs)}


def issuer_config(*keys: SigningKey, iss: str = ISSUER, **fields: Any) -> str:
    """LDN_CDS_ISSUERS, inline: one issuer with a static JWKS."""
    return json.dumps({"issuers": [{"iss": iss, "jwks": jwks(*keys), **fields}]})


def trust_issuer(app: Flask, *keys: SigningKey, iss: str = ISSUER, **fields: Any) -> TrustState:
    """Make ``app`` trust one issuer with a static JWKS of ``keys`` (replacing any others)."""
    issuers = parse_issuers(issuer_config(*keys, iss=iss, **fields), production=False)
    state = TrustState(issuers, app.extensions["ldn_engine"], None)
    app.extensions[EXTENSION] = state
    return state


@pytest.fixture(scope="session")
def ehr_key() -> SigningKey:
    return SigningKey.ec("P-384")


@pytest.fixture()
def ehr_app(app: Flask, ehr_key: SigningKey) -> Flask:
    trust_issuer(app, ehr_key)
    return app
