"""The reverse proxy and the Host header: who the client is, and which site it asked for.

Forwarded headers (X-Forwarded-For, -Proto, -Host) count only from the proxies that
LDN_PROXY_HOPS and LDN_PROXY_ADDRESSES name (config/proxies.py reads them; the shipped
gunicorn settings trust the same ones). The Host header is the client's to write: a production
app answers only for the names in LDN_TRUSTED_HOSTS, and no Location header ever carries a
host name, so a forged Host cannot send a browser to another site.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import abort, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.utils import host_is_trusted
from werkzeug.wrappers import Response

from ...config.proxies import Network
from .headers import StartResponse, WsgiApp

# Set on the WSGI environ when the Host header named another site (see HostCheck).
UNTRUSTED_HOST_KEY = "ldn.untrusted_host"


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
        self.app = app
        self.networks = networks
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops, x_host=hops)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if _in(environ.get("REMOTE_ADDR"), self.networks):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


class HostCheck:
    """Marks a request whose Host is not one of ``hosts``; the app answers it with its 400
    page (``refuse_untrusted_host``). The Host is replaced by a trusted one first, so that
    nothing built while answering (URLs, Flask's own TRUSTED_HOSTS check) sees the forged
    name."""

    def __init__(self, app: WsgiApp, hosts: list[str]) -> None:
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


def refuse_untrusted_host() -> None:
    """The first check of every request: nothing else runs for another site's name."""
    if request.environ.get(UNTRUSTED_HOST_KEY):
        abort(400)


def relative_location(response: Response) -> Response:
    """Werkzeug's own redirects (``/admin`` to ``/admin/``) are absolute, built from the Host
    header; the app's (``redirect(url_for(...))``) are relative already. Make them all so."""
    location = response.headers.get("Location")
    if location:
        parts = urlsplit(location)
        if parts.netloc and parts.netloc.lower() == request.host.lower():
            path = parts.path or "/"
            response.headers["Location"] = urlunsplit(("", "", path, parts.query, parts.fragment))
    return response
