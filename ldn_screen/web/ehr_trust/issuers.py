"""The EHRs (JWT issuers) allowed to call the CDS services: LDN_CDS_ISSUERS.

Standard library only, read once at start-up. The value is inline JSON (it starts with ``{``
or ``[``) or the path of a JSON file, holding a list of issuers or ``{"issuers": [...]}``::

    {"issuers": [
      {"iss": "https://ehr.example.org",
       "jwks_url": "https://ehr.example.org/.well-known/jwks.json",
       "tenants": ["clinic-a"]},
      {"iss": "https://other.example.org", "jwks": {"keys": [{"kty": "EC", ...}]}}
    ]}

- ``iss``: the token's issuer, matched exactly.
- ``jwks_url`` *or* ``jwks``: where the issuer's public keys are. Keys come only from here,
  never from a ``jku`` or ``x5u`` named in a token (that would let a token pick its own key,
  and make the server fetch any address: SSRF). ``jwks_url`` must be https (plain http only
  to this machine, outside production).
- ``tenants`` (optional): the ``tenant`` claims accepted; without it, any or none.
- ``algorithms`` (optional): a subset of ES384, RS384, ES256, RS256.
- ``demo`` (optional, default false): the public CDS Hooks sandboxes' known quirks are
  tolerated for this issuer only: its ``aud`` is not checked (the legacy sandbox sent the
  wrong one, Meld sends "sand_man"), and discovery may be called without a token (the legacy
  sandbox's first call). Refused in production (LDN_ENV=production).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Asymmetric only: the spec forbids HMAC and "none". ES384 and RS384 are the recommended ones.
ALGORITHMS = ("ES384", "RS384", "ES256", "RS256")
_FIELDS = {"iss", "jwks_url", "jwks", "tenants", "algorithms", "demo"}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class IssuerConfigError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Issuer:
    iss: str
    jwks_url: str | None = None
    jwks: dict[str, Any] | None = None
    tenants: frozenset[str] | None = None
    algorithms: tuple[str, ...] = ALGORITHMS
    demo: bool = False


def parse_issuers(value: str | None, production: bool) -> dict[str, Issuer]:
    """The issuers by ``iss``; raises IssuerConfigError with what to fix."""
    if not value or not value.strip():
        return {}
    text = value.strip()
    if not text.startswith(("{", "[")):
        try:
            text = Path(text).read_text(encoding="utf-8")
        except OSError as exc:
            raise IssuerConfigError(
                f"LDN_CDS_ISSUERS names a file that cannot be read: {exc.strerror}"
            ) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise IssuerConfigError(f"LDN_CDS_ISSUERS is not valid JSON: {exc}") from None
    if isinstance(data, dict):
        data = data.get("issuers")
    if not isinstance(data, list):
        raise IssuerConfigError('LDN_CDS_ISSUERS must be a list, or {"issuers": [...]}')
    issuers: dict[str, Issuer] = {}
    for entry in data:
        issuer = _issuer(entry, production)
        if issuer.iss in issuers:
            raise IssuerConfigError(f"LDN_CDS_ISSUERS names {issuer.iss!r} twice")
        issuers[issuer.iss] = issuer
    return issuers


def _issuer(entry: Any, production: bool) -> Issuer:
    if not isinstance(entry, dict):
        raise IssuerConfigError("each issuer in LDN_CDS_ISSUERS must be a JSON object")
    iss = entry.get("iss")
    if not isinstance(iss, str) or not iss:
        raise IssuerConfigError('each issuer needs "iss", the exact issuer of its tokens')
    where = f"issuer {iss!r} in LDN_CDS_ISSUERS"
    if unknown := set(entry) - _FIELDS:
        raise IssuerConfigError(f"{where}: unknown field(s) {sorted(unknown)}")
    url, jwks = entry.get("jwks_url"), entry.get("jwks")
    if (url is None) == (jwks is None):
        raise IssuerConfigError(f'{where}: give exactly one of "jwks_url" and "jwks"')
    if url is not None:
        _check_url(url, production, where)
    if jwks is not None and not (
        isinstance(jwks, dict) and isinstance(jwks.get("keys"), list) and jwks["keys"]
    ):
        raise IssuerConfigError(f'{where}: "jwks" must be a JWK Set, {{"keys": [...]}}')
    tenants = entry.get("tenants")
    if tenants is not None and not (
        isinstance(tenants, list) and all(isinstance(t, str) for t in tenants)
    ):
        raise IssuerConfigError(f'{where}: "tenants" must be a list of strings')
    algorithms = entry.get("algorithms", list(ALGORITHMS))
    if (
        not isinstance(algorithms, list)
        or not algorithms
        or any(a not in ALGORITHMS for a in algorithms)
    ):
        raise IssuerConfigError(f'{where}: "algorithms" may only name {", ".join(ALGORITHMS)}')
    demo = entry.get("demo", False)
    if not isinstance(demo, bool):
        raise IssuerConfigError(f'{where}: "demo" must be true or false')
    if demo and production:
        raise IssuerConfigError(
            f'{where}: "demo" (the public sandboxes\' quirks: no audience check, discovery '
            "without a token) is refused in production"
        )
    return Issuer(
        iss=iss,
        jwks_url=url,
        jwks=jwks,
        tenants=frozenset(tenants) if tenants is not None else None,
        algorithms=tuple(algorithms),
        demo=demo,
    )


def _check_url(url: Any, production: bool, where: str) -> None:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or not parts.hostname:
        raise IssuerConfigError(f'{where}: "jwks_url" must be an https address')
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and parts.hostname in _LOOPBACK and not production:
        return  # a local test EHR
    raise IssuerConfigError(f'{where}: "jwks_url" must be an https address')
