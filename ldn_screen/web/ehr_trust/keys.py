"""The issuers' public keys, from their configured JWK Set only, cached per worker.

A JWKS URL is fetched with a hard timeout and kept for ``CACHE_SECONDS``. A token whose ``kid``
is not in the cached set makes one refetch (the issuer may have rotated its key), but at most
one per ``REFETCH_SECONDS`` per issuer, so tokens with made-up ``kid`` values cannot turn this
server into a flood of requests to the EHR. A fetch that fails keeps the last good set.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .issuers import Issuer

log = logging.getLogger(__name__)

CACHE_SECONDS = 300.0
REFETCH_SECONDS = 30.0
FETCH_TIMEOUT_SECONDS = 2.0
MAX_JWKS_BYTES = 256 * 1024


class KeyNotFound(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A key of the issuer's set: PyJWT's key, and the JWK's own fields (kty, crv, alg)."""

    key: Any  # the cryptography public key
    data: dict[str, Any]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: the key set comes from the configured address only."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch_jwks(url: str, timeout: float = FETCH_TIMEOUT_SECONDS) -> dict[str, Any]:
    # The URL comes from the operator's configuration (checked at start-up), never from a
    # token; checked again here so that no other scheme (file:, ftp:) is ever opened.
    if not url.startswith(("https://", "http://")):
        raise ValueError("a JWKS URL must be http(s)")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    deadline = time.monotonic() + timeout
    with _OPENER.open(request, timeout=timeout) as response:  # nosec B310 (scheme checked)
        # Read in chunks against one deadline: the timeout alone bounds each wait, so a
        # server sending a byte at a time would hold this issuer's lock (and every call
        # waiting for its keys) for as long as it liked.
        body = b""
        while chunk := response.read1(65536):
            body += chunk
            if len(body) > MAX_JWKS_BYTES:
                raise ValueError("JWK Set too large")
            if time.monotonic() > deadline:
                raise TimeoutError("JWK Set not read in time")
    data = json.loads(body)
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError("not a JWK Set")
    return data


class IssuerKeys:
    """One issuer's keys by ``kid``, as PyJWT key objects."""

    def __init__(
        self,
        issuer: Issuer,
        fetch: Callable[[str], dict[str, Any]] = fetch_jwks,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.issuer = issuer
        self.fetch = fetch
        self.clock = clock or (lambda: time.monotonic())
        self._lock = threading.Lock()
        self._keys: dict[str, PublicKey] = {}
        self._fetched_at: float | None = None
        if issuer.jwks is not None:
            self._keys = _parse(issuer.jwks, issuer.iss)

    def key(self, kid: str) -> PublicKey:
        """The key with this ``kid``; raises KeyNotFound."""
        if self.issuer.jwks_url is None:
            if kid in self._keys:
                return self._keys[kid]
            raise KeyNotFound(kid)
        with self._lock:
            now = self.clock()
            age = None if self._fetched_at is None else now - self._fetched_at
            if (
                age is None
                or age >= CACHE_SECONDS
                or (kid not in self._keys and age >= REFETCH_SECONDS)
            ):
                self._refresh(now)
            if kid in self._keys:
                return self._keys[kid]
        raise KeyNotFound(kid)

    def _refresh(self, now: float) -> None:
        url = self.issuer.jwks_url or ""
        self._fetched_at = now  # also after a failure: no retry storm while the EHR is down
        try:
            self._keys = _parse(self.fetch(url), self.issuer.iss)
        except Exception as exc:  # keep the last good set; the token is refused if unknown
            log.warning(
                "JWK Set of CDS issuer %s could not be fetched: %s",
                self.issuer.iss,
                exc.__class__.__name__,
            )


def _parse(jwks: dict[str, Any], iss: str) -> dict[str, PublicKey]:
    from jwt import PyJWK
    from jwt.exceptions import PyJWKError

    keys: dict[str, PublicKey] = {}
    for data in jwks.get("keys", []):
        if not isinstance(data, dict) or not isinstance(data.get("kid"), str):
            continue  # a key without a kid can never be chosen: tokens must name theirs
        if data.get("use", "sig") != "sig" or data.get("kty") not in {"EC", "RSA"}:
            continue  # only public signing keys (never "oct": no shared secrets)
        if any(private in data for private in ("d", "p", "q")):
            log.warning("CDS issuer %s publishes a private key; it is ignored", iss)
            continue
        try:
            keys[data["kid"]] = PublicKey(PyJWK(data).key, dict(data))
        except PyJWKError:
            log.warning("CDS issuer %s has a key PyJWT cannot read; it is ignored", iss)
    return keys
