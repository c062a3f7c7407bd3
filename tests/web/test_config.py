"""Configuration: production refuses unsafe settings; local runs keep a generated secret."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

import pytest
from argon2 import extract_parameters, profiles
from flask import Flask
from sqlalchemy import text

from ldn_screen.app import create_app
from ldn_screen.cli import cli as ldn_screen_command
from ldn_screen.config import UnsafeConfiguration, from_environment

STRONG = secrets.token_hex(32)
HOSTS = "ldn.clinic.example"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "SECRET_KEY is not safe"),
        ({"SECRET_KEY": "changeme"}, "SECRET_KEY is not safe"),
        ({"SECRET_KEY": "short-but-not-default"}, "SECRET_KEY is not safe"),
        ({"SECRET_KEY": STRONG, "DEBUG": True}, "DEBUG must be off"),
    ],
)
def test_production_refuses_unsafe_configuration(
    tmp_path: Path, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(UnsafeConfiguration, match=message):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "LDN_ENV": "production",
                "LDN_TRUSTED_HOSTS": HOSTS,
                **overrides,
            }
        )


def test_production_starts_with_a_strong_secret(tmp_path: Path) -> None:
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "LDN_ENV": "production",
            "SECRET_KEY": STRONG,
            "LDN_TRUSTED_HOSTS": HOSTS,
        }
    )
    assert app.config["SECRET_KEY"] == STRONG
    assert app.config["TRUSTED_HOSTS"] == [HOSTS]
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


def production(tmp_path: Path, secret: str) -> None:
    create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "LDN_ENV": "production",
            "SECRET_KEY": secret,
            "LDN_TRUSTED_HOSTS": HOSTS,
        }
    )


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("a" * 36, "at most 144 bits"),  # hex characters: 4 bits each at the very most
        ("a" * 64, "too few different characters"),
        ("ab" * 40, "too few different characters"),
        ("0123456789abcdef" * 4, "a shorter string repeated"),
        ("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH" * 2, "a shorter string repeated"),
        ("correct-horse-battery-staple-2024", "at most 198 bits"),
        # 16 random bytes: half of what is needed. A fixed id: every xdist worker must collect
        # the same test names.
        pytest.param(secrets.token_hex(16), "at most 128 bits", id="16-random-bytes"),
        ("CHANGEME", "placeholder"),
    ],
)
def test_production_refuses_a_secret_key_without_enough_randomness(
    tmp_path: Path, secret: str, why: str
) -> None:
    with pytest.raises(UnsafeConfiguration, match=f"SECRET_KEY is not safe.*{why}"):
        production(tmp_path, secret)


def test_production_accepts_the_usual_ways_of_making_a_random_key(tmp_path: Path) -> None:
    # Many draws of each: a check that refused a real random key now and then would stop a
    # deployment at random.
    for n in range(300):
        for secret in (
            secrets.token_hex(32),
            secrets.token_urlsafe(32),
            base64.b64encode(os.urandom(32)).decode(),  # openssl rand -base64 32
        ):
            from ldn_screen.config.secret_strength import secret_problem

            assert secret_problem(secret) is None, (n, secret)
    production(tmp_path, secrets.token_urlsafe(32))


@pytest.mark.parametrize("value", ["Production", "prod", "PRODUCTION", "", "staging"])
def test_an_unknown_environment_name_stops_the_start(tmp_path: Path, value: str) -> None:
    config = from_environment({"LDN_ENV": value, "SECRET_KEY": STRONG})
    with pytest.raises(UnsafeConfiguration, match=r"LDN_ENV is .* 'production' or 'development'"):
        create_app({"INSTANCE_PATH": str(tmp_path), **config})
    assert not (tmp_path / "secret_key").exists()  # no development secret was made


def _hash_of_a_new_account(app: Flask) -> str:
    password = "correct horse battery staple"
    result = app.test_cli_runner().invoke(
        ldn_screen_command, args=["create-admin", "alice", "--password-stdin"], input=password
    )
    assert result.exit_code == 0, result.output
    with app.extensions["ldn_engine"].connect() as conn:
        [stored] = conn.scalars(text("SELECT password_hash FROM users"))
    return str(stored)


def test_a_production_app_hashes_passwords_with_the_rfc_9106_profile(tmp_path: Path) -> None:
    # The README's promise: argon2id with RFC 9106's second recommended parameters (64 MiB,
    # three passes, four lanes). The rest of the suite hashes cheaply (TESTING), so this is
    # the one test of what every server does.
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "LDN_ENV": "production",
            "SECRET_KEY": STRONG,
            "LDN_TRUSTED_HOSTS": HOSTS,
        }
    )
    stored = _hash_of_a_new_account(app)
    assert stored.startswith("$argon2id$")
    assert extract_parameters(stored) == profiles.RFC_9106_LOW_MEMORY
    assert "$m=65536,t=3,p=4$" in stored


def test_an_app_built_for_tests_hashes_cheaply(app: Flask) -> None:
    stored = _hash_of_a_new_account(app)
    assert stored.startswith("$argon2id$")
    assert extract_parameters(stored) == profiles.CHEAPEST
