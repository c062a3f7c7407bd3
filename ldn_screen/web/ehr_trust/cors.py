"""CORS for the CDS Hooks endpoints only (``/cds-services`` and below), for the origins named in
LDN_CDS_CORS_ORIGINS; off when it is empty (the default).

A browser-based CDS client (the public sandbox, an EHR's web front end) needs it; a
server-to-server EHR call does not. Never ``*`` and never credentials: the calls carry a
Bearer token, not cookies. Every other path (the form, the admin pages) gets no CORS header.
"""

from __future__ import annotations

from flask import Flask

from ...config import UnsafeConfiguration

CDS_PATHS = r"^/cds-services(/.*)?$"


def parse_origins(value: str | None) -> list[str]:
    origins = [o.strip().rstrip("/") for o in (value or "").replace(" ", ",").split(",")]
    origins = [o for o in origins if o]
    if "*" in origins:
        raise ValueError("LDN_CDS_CORS_ORIGINS must name origins, not '*'")
    return origins


def init_cors(app: Flask) -> None:
    try:
        origins = parse_origins(app.config.get("LDN_CDS_CORS_ORIGINS"))
    except ValueError as exc:
        raise UnsafeConfiguration(str(exc)) from None
    if not origins:
        return
    from flask_cors import CORS  # only when configured

    CORS(
        app,
        resources={CDS_PATHS: {"origins": origins}},
        methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
        supports_credentials=False,
        max_age=600,
    )
