"""The one place a CDS Hooks request is checked for trust, before anything else runs.

A placeholder until the EHR trust checks (JWT, issuer allowlist, jti replay store) are wired
in: ``verify`` is called once at the top of every request to ``/cds-services``, discovery
included, and must answer a bare 401 by raising (``abort(401)``) when the caller is not trusted.
"""

from __future__ import annotations


def verify() -> None:
    """Accept every caller (placeholder; the integrator wires the JWT verifier here)."""
    return None
