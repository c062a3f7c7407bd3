"""Which forwarded headers to trust, and which host names the app answers for.

Shared by the app (ProxyFix, the Host check) and the gunicorn config (``forwarded_allow_ips``),
so both trust the same proxies. Standard library only at import time: the gunicorn master
imports this module and stays small.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Sequence
from typing import Any

# With LDN_PROXY_HOPS set and no LDN_PROXY_ADDRESSES: the proxy runs on this machine.
DEFAULT_PROXY_ADDRESSES = "127.0.0.1,::1"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
# Set on the WSGI environ when the Host header named another site (see HostCheck).
UNTRUSTED_HOST_KEY = "ldn.untrusted_host"


def proxy_addresses(hops: int, addresses: str | None) -> str:
    """The comma-separated proxy addresses to trust: none without a proxy."""
    if hops <= 0:
        return ""
    return addresses if addresses and addresses.strip() else DEFAULT_PROXY_ADDRESSES


def parse_networks(addresses: str) -> tuple[Network, ...]:
    """``"10.0.5.0/24, ::1"`` -> networks. Raises ValueError on anything else (``*`` too:
    trusting every address is what this setting exists to prevent)."""
    networks = []
    for item in addresses.split(","):
        item = item.strip()
        if not item:
            continue
        if item == "*":
            raise ValueError("'*' would trust forwarded headers from any client")
        networks.append(ipaddress.ip_network(item))  # strict: 10.0.0.1/8 is refused
    return tuple(networks)


def parse_hosts(value: str | Sequence[str] | None) -> list[str]:
    """``"clinic.example, .ldn.example"`` -> host names (a leading dot: any subdomain)."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [item.strip().lower() for item in items if item.strip()]


def _in(address: str | None, networks: tuple[Network, ...]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxyFix:
    """ProxyFix, but only for requests whose peer is one of the proxies: a client that reaches
    gunicorn directly cannot choose its address (throttle, audit log) or scheme."""

    def __init__(self, app: WsgiApp, hops: int, networks: tuple[Network, ...]) -> None:
        from werkzeug.middleware.proxy_fix import ProxyFix

        self.app = app
        self.networks = networks
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if _in(environ.get("REMOTE_ADDR"), self.networks):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


class HostCheck:
    """Marks a request whose Host is not one of ``hosts``; the app answers it with its 400
    page (web/hosts.py). The Host is replaced by a trusted one first, so that nothing built
    while answering (URLs, Flask's own TRUSTED_HOSTS check) sees the forged name."""

    def __init__(self, app: WsgiApp, hosts: list[str]) -> None:
        from werkzeug.sansio.utils import host_is_trusted

        self.app = app
        self.hosts = hosts
        self.is_trusted = host_is_trusted
        self.fallback = hosts[0].lstrip(".")

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST") or ""
        if not self.is_trusted(host, self.hosts):
            environ[UNTRUSTED_HOST_KEY] = True
            environ["HTTP_HOST"] = self.fallback
        return self.app(environ, start_response)
