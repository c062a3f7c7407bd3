"""Configuration from defaults and the environment. Production refuses unsafe settings."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "WTF_CSRF_TIME_LIMIT": 3600,
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
}

_ENV_KEYS = {
    "SECRET_KEY": str,
    "DATABASE_URL": str,
    "LDN_ENV": str,
    "LDN_TLS": lambda v: v.lower() in {"1", "true", "yes"},
    "LDN_SESSION_MINUTES": int,
    "LDN_AUTO_MIGRATE": lambda v: v.lower() in {"1", "true", "yes"},
    "LDN_PROXY_HOPS": int,
    "LDN_RATELIMIT_STORAGE_URI": str,
    "LDN_STORE_PROBE_SECONDS": float,  # /healthz: test the store's writability at most this often
}

KNOWN_WEAK_SECRETS = frozenset({"", "dev", "changeme", "secret", "development", "test"})


class UnsafeConfiguration(RuntimeError):
    pass


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if environ is None else environ
    return {key: cast(env[key]) for key, cast in _ENV_KEYS.items() if key in env}


def local_secret(instance_path: str) -> str:
    """A per-install secret kept in the instance folder, so a new user never handles one."""
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
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
    production = config.get("LDN_ENV") == "production"
    if production:
        secret = config.get("SECRET_KEY") or ""
        if secret in KNOWN_WEAK_SECRETS or len(secret) < 32:
            raise UnsafeConfiguration(
                "SECRET_KEY must be set to a random value of at least 32 characters in "
                "production, for example the output of: "
                "python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        if config.get("DEBUG"):
            raise UnsafeConfiguration("DEBUG must be off in production.")
    elif not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = local_secret(instance_path)
