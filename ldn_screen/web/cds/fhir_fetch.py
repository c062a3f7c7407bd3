"""Fetch what the EHR did not prefetch, from its FHIR server, within a hard time budget.

CDS services should answer in about 500 ms; a sync worker must not wait on a slow EHR. Every
fetch of one hook call shares one deadline (LDN_CDS_FETCH_SECONDS, 0.3 s by default): what is
not back by then is "not available", which the cards report as not checked, never as "no".
Only the access token the EHR sent; the token is never logged.

``fhirServer`` is the caller's choice, so this server must not become the caller's way into
places only it can reach (SSRF), nor a way to send the EHR's token elsewhere:

- https only; plain http only to this machine (a local test EHR), and never in production;
- no user name or password in the address;
- the address actually connected to is checked (after DNS, so a name that resolves to an
  inside address is caught too): never link-local (169.254.x.x: cloud metadata) or another
  known metadata address, multicast, unspecified or reserved, and never loopback in
  production. Private ranges stay allowed:
  an EHR's FHIR server inside the hospital network is the usual case;
- redirects are not followed (urllib would send the Authorization header on to the new host,
  and would even follow one to ftp:);
- the deadline holds for the whole exchange, a server that answers a byte at a time included
  (a timer closes the socket), and at most MAX_BYTES are read.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import ipaddress
import logging
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from .. import strict_json

log = logging.getLogger(__name__)
MAX_PAGES = 5  # paging beyond this is treated as incomplete
MAX_BYTES = 2 * 1024 * 1024
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
# Cloud metadata services outside the link-local range: AWS's IPv6 address (a private ULA
# otherwise allowed) and Alibaba Cloud's (in the shared 100.64.0.0/10 range).
_METADATA = {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}


class FetchFailed(Exception):
    """The resource could not be fetched in time (or at all): treat it as not available."""


def _peer_allowed(address: str, allow_loopback: bool) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return allow_loopback
    if ip in _METADATA:
        return False
    return not (ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved)


class _Guard:
    """What every connection of one client checks: the peer's address, and the deadline (a
    timer shuts the socket when it passes, whatever the server is doing)."""

    def __init__(self, allow_loopback: bool, deadline: float) -> None:
        self.allow_loopback = allow_loopback
        self.deadline = deadline

    def connected(self, sock: socket.socket) -> threading.Timer:
        if not _peer_allowed(str(sock.getpeername()[0]), self.allow_loopback):
            sock.close()
            raise OSError("fhirServer resolves to an address this service may not call")
        timer = threading.Timer(max(0.0, self.deadline - time.monotonic()), _shut, (sock,))
        timer.daemon = True
        timer.start()
        return timer


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed: nothing left to stop
        sock.shutdown(socket.SHUT_RDWR)


class _Guarded:
    """A connection whose socket the guard checks and closes at the deadline."""

    sock: socket.socket

    def __init__(self, *args: Any, guard: _Guard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._guard = guard
        self._timer: threading.Timer | None = None

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self._timer = self._guard.connected(self.sock)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        super().close()  # type: ignore[misc]


class _GuardedHTTP(_Guarded, http.client.HTTPConnection):
    pass


class _GuardedHTTPS(_Guarded, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, guard: _Guard) -> None:
        super().__init__()
        self.guard = guard

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(functools.partial(_GuardedHTTP, guard=self.guard), req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, guard: _Guard) -> None:
        super().__init__()
        self.guard = guard

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = functools.partial(_GuardedHTTPS, guard=self.guard)
        return self.do_open(connection, req, context=self._context)  # type: ignore[attr-defined]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: it would carry the EHR's token to wherever it points."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _base_allowed(base: str, allow_loopback: bool) -> bool:
    try:
        parts = urllib.parse.urlsplit(base)
        host = parts.hostname
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number
    except ValueError:
        return False
    if not host or parts.username is not None or parts.password is not None:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and allow_loopback and host in _LOOPBACK_NAMES


class FhirClient:
    def __init__(
        self,
        base: str,
        authorization: Mapping[str, Any] | None,
        budget: float,
        allow_loopback: bool = False,
    ) -> None:
        if not _base_allowed(base, allow_loopback):
            raise FetchFailed("fhirServer is not an address this service may call")
        self.base = base.rstrip("/")
        self.deadline = time.monotonic() + budget
        self.opener = urllib.request.build_opener(
            _HTTPHandler(_Guard(allow_loopback, self.deadline)),
            _HTTPSHandler(_Guard(allow_loopback, self.deadline)),
            _NoRedirect,
        )
        token = (authorization or {}).get("access_token")
        self.headers = {"Accept": "application/fhir+json, application/json"}
        if isinstance(token, str) and token:
            # Always "Bearer": token_type is the caller's text, and is only ever Bearer.
            self.headers["Authorization"] = f"Bearer {token}"

    def _get(self, url: str) -> Any:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0.005:
            raise FetchFailed("time budget spent")
        request = urllib.request.Request(url, headers=self.headers)  # noqa: S310  # nosec B310
        try:
            with self.opener.open(request, timeout=remaining) as response:  # nosec B310
                body = self._read(response)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            # OSError covers URLError, HTTPError, timeouts and the guard's refusals;
            # HTTPException a status line or chunk that is not HTTP.
            raise FetchFailed(exc.__class__.__name__) from None
        try:
            return strict_json.loads(body)  # no NaN from the EHR into a card either
        except ValueError:
            raise FetchFailed("answer is not JSON") from None

    def _read(self, response: Any) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read1(65536):
            size += len(chunk)
            if size > MAX_BYTES:
                raise FetchFailed("answer too large")
            if time.monotonic() > self.deadline:
                raise FetchFailed("answered after the time budget")
            chunks.append(chunk)
        if time.monotonic() > self.deadline:
            raise FetchFailed("answered after the time budget")
        return b"".join(chunks)

    def get(self, query: str) -> Any:
        """One read or search (relative to the base, or absolute on the same server)."""
        url = query if query.startswith(self.base + "/") else f"{self.base}/{query.lstrip('/')}"
        return self._get(url)

    def next_page(self, url: str) -> Any:
        # Paging links must stay on the EHR's own server.
        if not url.startswith(self.base + "/") and url != self.base:
            raise FetchFailed("next page is on another server")
        return self._get(url)
