"""Trusting the EHR: every CDS Hooks call carries a JWT from an allowlisted issuer.

- ``init_app(app)``: reads LDN_CDS_ISSUERS at start-up (a bad file, or a "demo" issuer in
  production, stops the app from starting).
- ``verify_cds_jwt(request, endpoint_url)``: the calling EHR, or a bare 401.
- ``require_ehr_jwt(blueprint)``: the check on every request of that blueprint (CORS
  preflights excepted: a browser sends them without credentials), the result in
  ``g.cds_client``.
- ``endpoint_url(request)``: the URL the token's ``aud`` must name.
- ``init_cors(app)``: CORS on ``/cds-services`` only, for LDN_CDS_CORS_ORIGINS (cors.py).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Request, abort, current_app, g, request
from flask.wrappers import Response

from ...config import UnsafeConfiguration
from .cors import init_cors
from .issuers import IssuerConfigError, parse_issuers
from .state import TrustState, replay_storage_uri
from .verify import Refused, ReplayStoreDown, VerifiedClient, bearer_token, check_token

__all__ = [
    "VerifiedClient",
    "endpoint_url",
    "init_app",
    "init_cors",
    "require_ehr_jwt",
    "verify_cds_jwt",
]

EXTENSION = "ldn_ehr_trust"
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Read the issuers once; idempotent (several blueprints may ask)."""
    if EXTENSION in app.extensions:
        return
    try:
        issuers = parse_issuers(
            app.config.get("LDN_CDS_ISSUERS"), app.config.get("LDN_ENV") == "production"
        )
    except IssuerConfigError as exc:
        raise UnsafeConfiguration(str(exc)) from None
    app.extensions[EXTENSION] = TrustState(
        issuers, app.extensions["ldn_engine"], replay_storage_uri(app.config)
    )


def _state() -> TrustState:
    if EXTENSION not in current_app.extensions:
        init_app(current_app._get_current_object())  # type: ignore[attr-defined]
    state: TrustState = current_app.extensions[EXTENSION]
    return state


def endpoint_url(req: Request) -> str:
    """The exact URL the EHR called, which its token's ``aud`` must name.

    With LDN_PUBLIC_URL set, that address plus the path: it is the address the EHR was given,
    whatever the proxies in between did to the scheme and host. Without it, the request's own
    URL (scheme, host, path; no query): its host is one of LDN_TRUSTED_HOSTS and its scheme
    comes from a trusted proxy only (web/edge/proxy.py), so a client cannot choose it; behind
    a proxy that is not configured it reads http://, no token names it, and calls fail
    closed rather than open. (In development, without LDN_TRUSTED_HOSTS, the Host header is
    the client's choice: a token an EHR issued for another service could then be presented
    with that service's host name. Production requires LDN_TRUSTED_HOSTS; LDN_PUBLIC_URL
    removes the question entirely.)
    """
    public = current_app.config.get("LDN_PUBLIC_URL")
    if public:
        return str(public).rstrip("/") + req.path
    return req.base_url


def _discovery(url: str) -> bool:
    return url.rstrip("/").endswith("/cds-services")


def verify_cds_jwt(req: Request, endpoint: str) -> VerifiedClient:
    """The EHR that made this call, or a bare 401 (nothing says why; the log has a short
    reason code, never the token)."""
    state = _state()
    try:
        header = req.headers.get("Authorization")
        if header is None and state.demo_configured and _discovery(endpoint):
            # The legacy sandbox's first discovery call had no token (legacy-sandbox #82);
            # discovery holds no patient data. Only while a demo issuer is configured,
            # which production refuses.
            return VerifiedClient(iss=None, jti=None, tenant=None, demo=True, expires_at=None)
        return check_token(bearer_token(header), endpoint, state)
    except Refused as refused:
        log.info("CDS call refused: %s", refused.reason)
        abort(_bare(401, {"WWW-Authenticate": "Bearer"}))
    except ReplayStoreDown:
        # The replay check could not be made: never let the token through. 503, so the EHR
        # knows to try again rather than that its token is bad.
        log.warning("CDS call refused: the jti replay store is unreachable")
        abort(_bare(503, {"Retry-After": "5"}))


def _bare(status: int, headers: dict[str, str]) -> Response:
    return Response(b"", status, {**headers, "Cache-Control": "no-store"}, mimetype="text/plain")


def require_ehr_jwt(blueprint: Blueprint) -> None:
    """Check the EHR's JWT on every request of ``blueprint`` (register before the app is
    built); the result is ``g.cds_client``."""
    blueprint.record_once(lambda setup: init_app(setup.app))  # type: ignore[arg-type]

    @blueprint.before_request
    def _verify() -> None:
        if request.method == "OPTIONS":  # a CORS preflight never carries credentials
            return
        g.cds_client = verify_cds_jwt(request, endpoint_url(request))
