"""Embedding the screening form in an EHR's frame (a CDS Hooks ``smart`` link): off by default.

LDN_FRAME_ANCESTORS names the EHR origins that may frame the pages a smart link opens: the
screening form (``/``), its summary (the form's POST answer) and "Change answers"
(``/edit``), and the counselling sheet printed from that summary. Only those pages get
``frame-ancestors <the origins>`` (and no X-Frame-Options, which cannot name origins);
every other page keeps ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``.

The CSRF token. In a frame from another site, the session cookie the form's token depends
on is a third-party cookie: SameSite=Lax keeps the browser from sending it, and Safari and
Firefox block or partition third-party cookies even with SameSite=None. So while embedding is
configured, those pages use a token that needs no cookie: signed with the app's secret and
time-limited like the usual one, and accepted only from a POST that the browser itself says
comes from this origin (``Sec-Fetch-Site: same-origin``, or an ``Origin`` naming this
origin). A page on another site cannot make a browser send either, so it cannot post the form,
framed or not; a POST with neither header is refused. The admin pages keep their session
cookie (SameSite=Lax) and session-bound tokens: embedding never changes them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask_wtf.csrf import _FlaskFormCSRF, generate_csrf
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms import ValidationError

from ..config import UnsafeConfiguration

# The pages a smart link opens, and the ones their buttons lead to.
EMBEDDABLE_ENDPOINTS = frozenset({"screening.form", "screening.edit", "sheet.for_patient"})
ENVIRON_KEY = "ldn.embeddable"  # read by edge/headers.py's SecurityHeaders
CONFIG_KEY = "LDN_FRAME_ANCESTOR_ORIGINS"  # the parsed list
_SALT = "ldn-embedded-form"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def parse_frame_ancestors(value: str | None, production: bool) -> tuple[str, ...]:
    """Origins (scheme://host[:port]), separated by spaces or commas; https only in
    production (plain http only to this machine otherwise, for local testing)."""
    origins: list[str] = []
    for raw in (value or "").replace(",", " ").split():
        parts = urlsplit(raw)
        plain_local = parts.scheme == "http" and parts.hostname in _LOOPBACK and not production
        if (
            parts.scheme not in {"https", "http"}
            or not parts.hostname
            or parts.path not in {"", "/"}
            or parts.query
            or "*" in raw
            or (parts.scheme == "http" and not plain_local)
        ):
            raise UnsafeConfiguration(
                f"LDN_FRAME_ANCESTORS: {raw!r} is not an https origin (scheme://host[:port]); "
                "name each EHR origin that may frame the screening form, no wildcards."
            )
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return tuple(origins)


def init_app(app: Flask) -> None:
    origins = parse_frame_ancestors(
        app.config.get("LDN_FRAME_ANCESTORS"), app.config.get("LDN_ENV") == "production"
    )
    app.config[CONFIG_KEY] = origins
    if not origins:
        return

    @app.before_request
    def _mark_embeddable() -> None:
        if request.endpoint in EMBEDDABLE_ENDPOINTS:
            request.environ[ENVIRON_KEY] = True


def embedding_active() -> bool:
    """Whether this request is for an embeddable page while embedding is configured."""
    return bool(current_app.config.get(CONFIG_KEY)) and request.endpoint in EMBEDDABLE_ENDPOINTS


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_SALT)


def form_token() -> str:
    """The CSRF token for this request's form: the cookie-free one on an embeddable page while
    embedding is configured, the usual session-bound one otherwise."""
    if embedding_active():
        return str(_serializer().dumps("form"))
    return generate_csrf()


def _from_this_origin() -> bool:
    site = (request.headers.get("Sec-Fetch-Site") or "").strip().lower()
    if site:
        return site == "same-origin"
    from .admin.origin import same_origin  # here: the admin package imports the forms

    origin = (request.headers.get("Origin") or "").strip()
    return bool(origin) and origin != "null" and same_origin(origin)


class EmbeddableCSRF(_FlaskFormCSRF):
    """Flask-WTF's form CSRF, with the cookie-free token on embeddable pages (above)."""

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        if embedding_active():
            return form_token()
        token: str = super().generate_csrf_token(csrf_token_field)
        return token

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        if not embedding_active():
            super().validate_csrf_token(form, field)
            return
        if not _from_this_origin():
            abort(403)  # another site's page, or a client that says nothing of its origin
        try:
            _serializer().loads(field.data or "", max_age=self.meta.csrf_time_limit)
        except BadData:
            raise ValidationError("The CSRF token is invalid or has expired.") from None
