"""Configuration from defaults and the environment. Production refuses unsafe settings.

Standard library only, like the rest of this package: the shipped gunicorn settings
(``python:ldn_screen.config.gunicorn``) import it in the gunicorn master, which stays small.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..store.private_files import make_private_dir
from .proxies import parse_hosts, parse_networks, proxy_addresses
from .secret_strength import HOW_TO_MAKE_ONE, KNOWN_WEAK, secret_problem

DEFAULTS: dict[str, Any] = {
    "WTF_CSRF_TIME_LIMIT": 3600,
    # The forms are in English, and every message they show is ldn-screen's own. With
    # Flask-Babel installed (for the Spanish sheet), Flask-WTF would otherwise read WTForms'
    # message catalogue from disk on every request that builds a form.
    "WTF_I18N_ENABLED": False,
    # Large enough that a 1 MB paste reaches the form and gets a message at the field (with
    # every answer kept); anything bigger is refused before it is parsed.
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "PERMANENT_SESSION_LIFETIME": 30 * 60,
    "LDN_TLS": False,
    "LDN_ENV": "development",
    "LDN_AUTO_MIGRATE": None,  # None: only for the default SQLite database
    # The deployment's public https address (no trailing slash), and the canonical base of
    # its FHIR artefacts (the Questionnaire is f"{base}/Questionnaire/ldn-screening"). With
    # no public address the sheet prints no QR code: a phone could not reach an intranet one.
    "LDN_PUBLIC_URL": None,
    "LDN_FHIR_CANONICAL_BASE": None,
    # The JSON API: origins allowed to call it from a browser (comma-separated; None: CORS
    # off), and each API client's rate limit, in the notation of the ``limits`` library.
    "LDN_API_CORS_ORIGINS": None,
    "LDN_API_RATE_LIMIT": "300 per minute",
    # EHR integration (CDS Hooks); everything off until configured.
    "LDN_CDS_ISSUERS": None,  # a JSON file's path, or inline JSON (web/ehr_trust/issuers.py)
    "LDN_CDS_CORS_ORIGINS": None,  # comma-separated origins allowed to call /cds-services
    "LDN_CDS_REPLAY_STORAGE_URI": None,  # redis://… for the jti replay store; else the database
    "LDN_FRAME_ANCESTORS": None,  # space- or comma-separated origins that may frame the form
    # CDS Hooks services (README "Integrating").
    "LDN_CDS_REVIEW_SERVICE": False,  # list and answer the patient-view ldn-review service
    "LDN_CDS_FETCH_SECONDS": 0.3,  # time budget for fetching missing prefetch, per hook call
    # The calendar file's daily reminder, as a floating local time (see web/sheet_calendar).
    # The sources say "at bedtime" and no clock time: this is a convenience the patient moves
    # in their calendar app, not a dosing instruction.
    "LDN_CALENDAR_REMINDER_TIME": "21:30",
}

_ENV_KEYS: dict[str, Callable[[str], Any]] = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "LDN_ENV": str,
    "LDN_TLS": lambda v: v.lower() in {"1", "true", "yes"},
    "LDN_SESSION_MINUTES": int,
    "LDN_AUTO_MIGRATE": lambda v: v.lower() in {"1", "true", "yes"},
    "LDN_PROXY_HOPS": int,
    "LDN_PROXY_ADDRESSES": str,
    "LDN_TRUSTED_HOSTS": str,
    "LDN_RATELIMIT_STORAGE_URI": str,
    "LDN_STORE_PROBE_SECONDS": float,  # /healthz: test the store's writability at most this often
    "LDN_API_CORS_ORIGINS": str,
    "LDN_API_RATE_LIMIT": str,
    "LDN_PUBLIC_URL": lambda v: v.rstrip("/") or None,
    "LDN_CDS_ISSUERS": str,
    "LDN_CDS_CORS_ORIGINS": str,
    "LDN_CDS_REPLAY_STORAGE_URI": str,
    "LDN_FRAME_ANCESTORS": str,
    "LDN_FHIR_CANONICAL_BASE": lambda v: v.rstrip("/") or None,
    "LDN_CDS_REVIEW_SERVICE": lambda v: v.lower() in {"1", "true", "yes"},
    "LDN_CDS_FETCH_SECONDS": float,
    "LDN_CALENDAR_REMINDER_TIME": str,
}

KNOWN_WEAK_SECRETS = KNOWN_WEAK
# Anything else (a typo such as "Production") would silently run with development defaults.
ENVIRONMENTS = ("development", "production")


class UnsafeConfiguration(RuntimeError):
    pass


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    return {key: cast(env[key]) for key, cast in _ENV_KEYS.items() if key in env}


def local_secret(instance_path: str) -> str:
    """A per-install secret kept in the instance folder, so a new user never handles one."""
    path = Path(instance_path) / "secret_key"
    make_private_dir(path.parent)
    try:
        # O_EXCL: when several workers start at once, exactly one writes the secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    for _ in range(50):  # another worker may be between creating and writing the file
        secret = path.read_text().strip()
        if secret:
            return secret
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: delete it and start again")


def finalise(config: dict[str, Any], instance_path: str) -> None:
    """Fill derived values and refuse an unsafe production configuration."""
    if "LDN_SESSION_MINUTES" in config:
        config["PERMANENT_SESSION_LIFETIME"] = int(config["LDN_SESSION_MINUTES"]) * 60
    if config.get("LDN_TLS"):
        config["SESSION_COOKIE_SECURE"] = True
    if config.get("LDN_ENV") not in ENVIRONMENTS:
        raise UnsafeConfiguration(
            f"LDN_ENV is {config.get('LDN_ENV')!r}: it must be 'production' or 'development' "
            "(lower case)."
        )
    _forwarding(config)
    _calendar(config)
    if config["LDN_ENV"] == "production":
        if problem := secret_problem(config.get("SECRET_KEY")):
            raise UnsafeConfiguration(
                f"SECRET_KEY is not safe for production: {problem}. Set it to a random value "
                f"of at least 32 bytes, for example the output of: {HOW_TO_MAKE_ONE}"
            )
        if not config.get("TRUSTED_HOSTS"):
            raise UnsafeConfiguration(
                "LDN_TRUSTED_HOSTS must name the host names the app is reached by in "
                "production (comma-separated, e.g. 'ldn.clinic.example'); requests for any "
                "other name are refused."
            )
        if config.get("DEBUG"):
            raise UnsafeConfiguration("DEBUG must be off in production.")
    elif not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = local_secret(instance_path)


def _calendar(config: dict[str, Any]) -> None:
    """The public address (for the sheet's QR code) and the calendar file's reminder time."""
    public = config.get("LDN_PUBLIC_URL") or None
    if public is not None and (
        not public.startswith("https://") or public.endswith("/") or len(public) <= 8
    ):
        raise UnsafeConfiguration(
            f"LDN_PUBLIC_URL is {public!r}: it must be the public https address patients' "
            "phones reach the app by, without a trailing slash (e.g. "
            "'https://ldn.clinic.example'), or unset for no QR code on the sheet."
        )
    config["LDN_PUBLIC_URL"] = public
    raw = str(config.get("LDN_CALENDAR_REMINDER_TIME") or "")
    try:
        config["LDN_CALENDAR_REMINDER"] = dt.time.fromisoformat(raw).replace(second=0)
        valid = len(raw) == 5
    except ValueError:
        valid = False
    if not valid:
        raise UnsafeConfiguration(
            f"LDN_CALENDAR_REMINDER_TIME is {raw!r}: it must be a 24-hour clock time as HH:MM "
            "(e.g. '21:30'), the time of the calendar file's daily reminder."
        )


def _forwarding(config: dict[str, Any]) -> None:
    """The proxies whose forwarded headers count, and the host names the app answers for."""
    addresses = proxy_addresses(
        int(config.get("LDN_PROXY_HOPS") or 0), config.get("LDN_PROXY_ADDRESSES")
    )
    try:
        config["LDN_PROXY_NETWORKS"] = parse_networks(addresses)
    except ValueError as exc:
        raise UnsafeConfiguration(
            f"LDN_PROXY_ADDRESSES must list the reverse proxies' IP addresses or networks, "
            f"comma-separated (e.g. '127.0.0.1' or '10.0.5.0/24'): {exc}"
        ) from None
    if hosts := parse_hosts(config.get("LDN_TRUSTED_HOSTS") or config.get("TRUSTED_HOSTS")):
        config["TRUSTED_HOSTS"] = hosts
