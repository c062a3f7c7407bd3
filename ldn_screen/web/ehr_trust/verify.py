"""Checking an EHR's JWT on a CDS Hooks call (CDS Hooks 2.0, "Trusting CDS Clients", and the
checks of its best-practices page).

In order: a Bearer token; its header's ``alg`` is asymmetric and allowed for the issuer, and a
``kid`` names the key; the (not yet trusted) ``iss`` is on the allowlist; the key comes from
that issuer's configured JWK Set (never a ``jku``/``x5u`` from the token) and its type fits
the algorithm; then PyJWT checks the signature, ``iss`` (as a list: an exact match), ``aud``
(the exact URL of this endpoint), ``exp``, ``iat`` and that ``jti`` is present, with a small
leeway for clock skew; the token may live at most an hour; the tenant, if the issuer names
tenants; and last, ``jti`` must never have been used (the shared replay store).

Any failure is a bare 401: no body, no reason (the reason goes to the log as a short code,
never the token or its claims).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .issuers import ALGORITHMS, Issuer
from .keys import KeyNotFound, PublicKey

if TYPE_CHECKING:
    from .state import TrustState

log = logging.getLogger(__name__)

LEEWAY_SECONDS = 30
# The best-practices page: tokens are short-lived, and the replay store keeps each jti for
# the token's life. An issuer's tokens may not claim to live longer than this.
MAX_LIFETIME_SECONDS = 3600
MAX_TOKEN_CHARS = 8000  # the header limit (8190, web/edge/limits.py) comes first anyway
MAX_JTI_CHARS = 255
_CURVE_ALGORITHM = {"P-256": "ES256", "P-384": "ES384"}


class Refused(Exception):
    """The token is not accepted; ``reason`` is a short code for the log only."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ReplayStoreDown(Exception):
    """The replay store could not be asked: the token is not accepted (answered 503)."""


@dataclass(frozen=True, slots=True)
class VerifiedClient:
    """The EHR that made this call, once its token passed every check."""

    iss: str | None  # None only for a demo issuer's discovery call without a token
    jti: str | None
    tenant: str | None
    demo: bool
    expires_at: float | None


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Refused("no-token")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Refused("not-bearer")
    if len(token) > MAX_TOKEN_CHARS:
        raise Refused("too-long")
    return token


def check_token(
    token: str,
    audience: str,
    state: TrustState,
    now: float | None = None,
) -> VerifiedClient:
    """Every check but the Authorization header; raises Refused."""
    import jwt

    try:
        # Header and claims in one parse (PyJWT checks every character of each segment).
        parts = jwt.decode_complete(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise Refused("malformed") from None
    header, unverified = parts["header"], parts["payload"]
    if not isinstance(unverified, dict):
        raise Refused("malformed")
    alg, kid, iss = header.get("alg"), header.get("kid"), unverified.get("iss")
    if alg not in ALGORITHMS:
        raise Refused("algorithm")  # HS*, none and anything else, before any key is looked up
    if not isinstance(kid, str) or not kid:
        raise Refused("no-kid")
    if "typ" in header and str(header["typ"]).upper() != "JWT":
        raise Refused("typ")
    issuer = state.issuers.get(iss) if isinstance(iss, str) else None
    if issuer is None:
        raise Refused("unknown-issuer")
    if alg not in issuer.algorithms:
        raise Refused("algorithm")
    try:
        jwk = state.keys_for(issuer).key(kid)
    except KeyNotFound:
        raise Refused("unknown-kid") from None
    _check_key_fits(jwk, alg)
    now = time.time() if now is None else now
    verify_aud = not issuer.demo
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            jwk.key,
            algorithms=[alg],
            audience=audience if verify_aud else None,
            issuer=[issuer.iss],
            leeway=LEEWAY_SECONDS,
            options={
                "require": ["iss", "exp", "iat", "jti"] + (["aud"] if verify_aud else []),
                "verify_aud": verify_aud,
            },
        )
    except jwt.ExpiredSignatureError:
        raise Refused("expired") from None
    except jwt.InvalidAudienceError:
        raise Refused("audience") from None
    except jwt.MissingRequiredClaimError:
        raise Refused("missing-claim") from None
    except jwt.PyJWTError:
        raise Refused("invalid") from None
    return _check_claims(claims, issuer, state, now, audience)


def _check_key_fits(jwk: PublicKey, alg: str) -> None:
    """The key's own type (and curve, and ``alg`` if it states one) must fit the token's
    algorithm: an RSA key never verifies an ES token, a P-256 key never an ES384 one."""
    data = jwk.data
    if data.get("alg") and data["alg"] != alg:
        raise Refused("key-algorithm")
    if data.get("kty") == "EC":
        if _CURVE_ALGORITHM.get(data.get("crv", "")) != alg:
            raise Refused("key-algorithm")
    elif data.get("kty") == "RSA":
        if not alg.startswith("RS"):
            raise Refused("key-algorithm")
    else:
        raise Refused("key-algorithm")


def _all_ours(audiences: list[Any], endpoint: str) -> bool:
    """Every audience is an address of this server (the scheme and host of ``endpoint``)."""
    ours = urlsplit(endpoint)[:2]
    try:
        return all(isinstance(a, str) and urlsplit(a)[:2] == ours for a in audiences)
    except ValueError:  # "http://[oops": not an address at all
        return False


def _check_claims(
    claims: dict[str, Any], issuer: Issuer, state: TrustState, now: float, audience: str
) -> VerifiedClient:
    jti, exp, iat = claims.get("jti"), claims.get("exp"), claims.get("iat")
    # isprintable: no NUL, control or format characters and no lone surrogate, which the
    # replay store cannot write (PostgreSQL refuses NUL; UTF-8 a surrogate): that would be
    # answered 503 "replay store down" for what is the token's own fault.
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_CHARS or not jti.isprintable():
        raise Refused("jti")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise Refused("times")
    if exp - iat > MAX_LIFETIME_SECONDS or exp - now > MAX_LIFETIME_SECONDS + LEEWAY_SECONDS:
        raise Refused("lifetime")  # the replay store keeps jti for at most this long
    aud = claims.get("aud")
    if not issuer.demo and isinstance(aud, list) and not _all_ours(aud, audience):
        # PyJWT accepts a list that names us among others; but then each other service
        # named holds a token it could present here, before its jti is ever seen by us.
        raise Refused("audience")
    tenant = claims.get("tenant")
    # A tenant that is not a string (a list, an object) is unhashable: refused, not a 500.
    if issuer.tenants is not None and not (isinstance(tenant, str) and tenant in issuer.tenants):
        raise Refused("tenant")
    try:
        first = state.replay_store().first_use(issuer.iss, jti, float(exp) + LEEWAY_SECONDS)
    except Exception as exc:  # database or Redis down: fail closed
        raise ReplayStoreDown() from exc
    if not first:
        raise Refused("replayed")
    return VerifiedClient(
        iss=issuer.iss,
        jti=jti,
        tenant=tenant if isinstance(tenant, str) else None,
        demo=issuer.demo,
        expires_at=float(exp),
    )
