"""Configuration: production refuses unsafe settings; local runs keep a generated secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from ldn_screen import create_app
from ldn_screen.config import UnsafeConfiguration

STRONG = "b" * 24 + "7f3a9c2e1d4b8a6f"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "changeme"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short-but-not-default"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": STRONG, "DEBUG": True}, "DEBUG must be off"),
    ],
)
def test_production_refuses_unsafe_configuration(
    tmp_path: Path, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(UnsafeConfiguration, match=message):
        create_app({"INSTANCE_PATH": str(tmp_path), "LDN_ENV": "production", **overrides})


def test_production_starts_with_a_strong_secret(tmp_path: Path) -> None:
    app = create_app(
        {"INSTANCE_PATH": str(tmp_path), "LDN_ENV": "production", "SECRET_KEY": STRONG}
    )
    assert app.config["SECRET_KEY"] == STRONG
    assert not (tmp_path / "secret_key").exists()


def test_local_run_generates_and_keeps_a_secret(tmp_path: Path) -> None:
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_tls_turns_on_secure_cookies_and_hsts(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path), "LDN_TLS": True})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_proxy_hops_trust_the_forwarded_client_address(tmp_path: Path) -> None:
    app = create_app({"INSTANCE_PATH": str(tmp_path), "LDN_PROXY_HOPS": 1})
    seen: list[str | None] = []

    @app.get("/probe-address")
    def probe() -> str:
        from flask import request

        seen.append(request.remote_addr)
        return "ok"

    app.test_client().get("/probe-address", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen == ["203.0.113.9"]
    plain = create_app({"INSTANCE_PATH": str(tmp_path / "b")})
    plain.add_url_rule("/probe-address", view_func=lambda: seen.append(None) or "ok")
    assert plain.wsgi_app.__class__.__name__ != "ProxyFix"
