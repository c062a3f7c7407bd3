"""Forwarded headers, the Host header and redirects (security issue, item 7).

Forwarded headers count only when they come from a configured proxy address; a production app
answers only for its own host names; and every redirect the app makes is relative, so a forged
Host header can never put another site into a Location header.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from ldn_screen.app import create_app
from ldn_screen.config import UnsafeConfiguration
from ldn_screen.store.audit import AuditLog
from tests.admin_support import PASSWORD, create_admin, login, text_of
from tests.helpers import check_page, csrf_token

PEER = "198.51.100.7"  # a client that reaches gunicorn directly, not through the proxy
FORGED = "203.0.113.9"


def proxied_app(tmp_path: Path, **config: object) -> Flask:
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "TESTING": True,
            "LDN_PROXY_HOPS": 1,
            **config,
        }
    )

    @app.get("/probe-address")
    def probe() -> str:
        return f"{request.remote_addr} {request.scheme} {request.host}"

    return app


def from_ip(app: Flask, ip: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def failed_login(client: FlaskClient, username: str, forged_for: str) -> int:
    headers = {"X-Forwarded-For": forged_for}
    token = csrf_token(client.get("/admin/login", headers=headers).get_data(as_text=True))
    data = {"csrf_token": token, "username": username, "password": "wrong password!"}
    return client.post("/admin/login", data=data, headers=headers).status_code


def test_forwarded_headers_from_a_direct_client_are_ignored(tmp_path: Path) -> None:
    app = proxied_app(tmp_path)  # the proxy is on this machine (the default: loopback)
    forged = {"X-Forwarded-For": FORGED, "X-Forwarded-Proto": "https"}
    seen = from_ip(app, PEER).get("/probe-address", headers=forged).get_data(as_text=True)
    assert seen.split()[:2] == [PEER, "http"]
    # The same headers from the proxy's address are the real client's.
    seen = from_ip(app, "127.0.0.1").get("/probe-address", headers=forged).get_data(as_text=True)
    assert seen.split()[:2] == [FORGED, "https"]


def test_the_proxy_addresses_are_configurable_with_networks(tmp_path: Path) -> None:
    app = proxied_app(tmp_path, LDN_PROXY_ADDRESSES="10.0.5.0/24, 2001:db8::1")
    for proxy in ("10.0.5.17", "2001:db8::1"):
        seen = from_ip(app, proxy).get("/probe-address", headers={"X-Forwarded-For": FORGED})
        assert seen.get_data(as_text=True).split()[0] == FORGED
    for other in ("127.0.0.1", "10.0.6.1"):
        seen = from_ip(app, other).get("/probe-address", headers={"X-Forwarded-For": FORGED})
        assert seen.get_data(as_text=True).split()[0] == other


@pytest.mark.parametrize("value", ["not-an-address", "10.0.0.1/8", "*"])
def test_a_bad_proxy_address_stops_the_start(tmp_path: Path, value: str) -> None:
    with pytest.raises(UnsafeConfiguration, match="LDN_PROXY_ADDRESSES"):
        proxied_app(tmp_path, LDN_PROXY_ADDRESSES=value)


def test_a_forged_forwarded_for_neither_skips_the_throttle_nor_enters_the_audit_log(
    tmp_path: Path,
) -> None:
    app = proxied_app(tmp_path)
    create_admin(app)
    client = from_ip(app, PEER)
    # 20 failures (the per-client limit), each with a new forged address and a new name.
    for i in range(20):
        assert failed_login(client, f"guess{i}", f"203.0.113.{i}") == 200
    assert failed_login(client, "alice", "203.0.113.99") == 429
    clients = {r.client for r in AuditLog(app.extensions["ldn_engine"]).search(limit=100).records}
    assert clients == {PEER}


def production_app(tmp_path: Path, **config: object) -> Flask:
    return create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "LDN_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            **config,
        }
    )


def test_production_refuses_to_start_without_trusted_hosts(tmp_path: Path) -> None:
    with pytest.raises(UnsafeConfiguration, match="LDN_TRUSTED_HOSTS"):
        production_app(tmp_path)


def test_another_host_gets_the_house_400_page(tmp_path: Path) -> None:
    app = production_app(tmp_path, LDN_TRUSTED_HOSTS="clinic.example, .ldn.example")
    client = app.test_client()
    for host in ("clinic.example", "clinic.example:8443", "screen.ldn.example"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host
    for host in ("evil.example", "clinic.example.evil.example", "ldn.example.evil"):
        reply = client.get("/admin", headers={"Host": host})
        assert reply.status_code == 400, host
        assert "Location" not in reply.headers
        body = reply.get_data(as_text=True)
        check_page(body)
        assert "The request could not be understood" in text_of(reply)
        assert host not in body
        assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"]


def test_a_forwarded_host_is_checked_too(tmp_path: Path) -> None:
    app = production_app(tmp_path, LDN_TRUSTED_HOSTS="clinic.example", LDN_PROXY_HOPS=1)
    proxy = from_ip(app, "127.0.0.1")
    headers = {"Host": "clinic.example", "X-Forwarded-Host": "evil.example"}
    assert proxy.get("/", headers=headers).status_code == 400
    assert proxy.get("/", headers={"X-Forwarded-Host": "clinic.example"}).status_code == 200


def get_rules(app: Flask) -> list[str]:
    """Every GET address of the app, with sample values for its parameters."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or set()) and rule.endpoint != "static":
            urls.append(rule.rule.replace("<int:number>", "1"))
    return urls


def test_every_redirect_is_relative_whatever_the_host(app: Flask) -> None:
    create_admin(app)
    evil = {"Host": "evil.example"}
    signed_out = app.test_client()
    signed_in = app.test_client()
    login(signed_in)
    locations = []
    for client in (signed_out, signed_in):
        for url in get_rules(app):
            # Both spellings: Werkzeug redirects the other one to the canonical address.
            for variant in {url, url.rstrip("/") or "/", url.rstrip("/") + "/"}:
                reply = client.get(variant, headers=evil)
                if 300 <= reply.status_code < 400:
                    locations.append((variant, reply.headers["Location"]))
    # Signing in and out redirect too (the whole visit under the forged host, cookies included).
    fresh = app.test_client()
    token = csrf_token(fresh.get("/admin/login", headers=evil).get_data(as_text=True))
    data = {"csrf_token": token, "username": "alice", "password": PASSWORD}
    locations.append(("login", fresh.post("/admin/login", data=data, headers=evil).location))
    token = csrf_token(fresh.get("/admin/", headers=evil).get_data(as_text=True))
    logout = fresh.post("/admin/logout", data={"csrf_token": token}, headers=evil)
    locations.append(("logout", logout.headers["Location"]))
    assert len(locations) >= 6, locations
    for where, location in locations:
        assert location.startswith("/") and not location.startswith("//"), (where, location)
