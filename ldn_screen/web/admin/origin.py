"""Admin POSTs must come from the admin's own pages (issue 14, item 8).

SameSite=Lax cookies and the CSRF token do not stop a page on a sibling host (same site,
another origin) from opening the settings form in a frame or window and posting it with its
own values. Browsers say where a request comes from: ``Sec-Fetch-Site`` (the browser's own
verdict) and ``Origin``. A POST that either header places on another origin is refused with
the house 403 page. A request with neither (an old browser, a script) is let through to the
CSRF check, which it must still pass. Browsers older than Sec-Fetch-Site (Safari before 16.4)
send "Origin: null" under this app's no-referrer policy and are refused.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request

# "same-origin": the admin's own page; "none": typed or bookmarked by the user.
ACCEPTED_FETCH_SITES = frozenset({"same-origin", "none"})
DEFAULT_PORTS = {"http": "80", "https": "443"}


def _host_and_port(netloc: str, scheme: str) -> tuple[str, str]:
    """'Example.org' -> ('example.org', '80') for http; '[::1]:8000' -> ('[::1]', '8000')."""
    netloc = netloc.lower()
    if ":" in netloc.rsplit("]", 1)[-1]:  # a port after the host (or after an IPv6 "]")
        host, _, port = netloc.rpartition(":")
        return host, port
    return netloc, DEFAULT_PORTS.get(scheme, "")


def same_origin(origin: str) -> bool:
    """Whether an ``Origin`` header names this request's own scheme, host and port."""
    parts = urlsplit(origin)
    if parts.scheme not in DEFAULT_PORTS or not parts.netloc or parts.path not in {"", "/"}:
        return False  # "null", a path or an unknown scheme: not this site's page
    scheme = request.scheme
    if parts.scheme != scheme:
        return False
    return _host_and_port(parts.netloc, scheme) == _host_and_port(request.host, scheme)


def refuse_cross_origin() -> None:
    """403 for a POST (or any other unsafe method) from another origin."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.strip().lower() not in ACCEPTED_FETCH_SITES:
        abort(403)
    origin = request.headers.get("Origin")
    if origin is None:
        return
    if origin.strip() == "null":
        # Our own pages send Referrer-Policy: no-referrer, and under it browsers send
        # "Origin: null" even for a same-origin form; Sec-Fetch-Site (checked above) then
        # says where it came from. Without that header, "null" may be a sandboxed frame.
        if site is None:
            abort(403)
        return
    if not same_origin(origin.strip()):
        abort(403)
