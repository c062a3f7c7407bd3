"""The request edge: what every request passes through before a view, and every response after.

``init_app`` installs it all, in one place, so the order is visible. From the outside in:

- ``proxy.TrustedProxyFix``: forwarded headers count only from the configured proxies;
- ``proxy.HostCheck``: a Host that is not one of LDN_TRUSTED_HOSTS is marked and replaced;
- ``headers.SecurityHeaders``: the fixed security headers on every response;
- ``request_log.RequestLog``: one JSON line per request, never a body or a query string;
- then, inside Flask: the marked host gets the 400 page, then the size checks (414, 431), and
  a chunked body is held to ``MAX_CONTENT_LENGTH`` (413); redirects are made relative; and no
  session cookie is set on a 5xx response.
"""

from __future__ import annotations

from flask import Flask

from .headers import NoCookieOnServerError, SecurityHeaders, WsgiApp
from .limits import LimitedBodyRequest, check_sizes
from .proxy import HostCheck, TrustedProxyFix, refuse_untrusted_host, relative_location
from .request_log import RequestLog, configure_logging


def init_app(app: Flask) -> None:
    app.request_class = LimitedBodyRequest
    # First of all before_request functions, in this order: nothing else runs for another
    # site's name, then nothing for a request that is too large.
    app.before_request_funcs.setdefault(None, [])[:0] = [refuse_untrusted_host, check_sizes]
    app.after_request(relative_location)
    app.session_interface = NoCookieOnServerError()

    configure_logging(app)
    static_prefix = f"{app.static_url_path}/"
    wsgi: WsgiApp = RequestLog(app.wsgi_app, static_prefix)
    wsgi = SecurityHeaders(
        wsgi,
        static_prefix,
        bool(app.config.get("LDN_TLS")),
        frame_ancestors=app.config.get("LDN_FRAME_ANCESTOR_ORIGINS") or (),
    )
    if hosts := app.config.get("TRUSTED_HOSTS"):
        wsgi = HostCheck(wsgi, hosts)
    if hops := int(app.config.get("LDN_PROXY_HOPS") or 0):
        # Behind a reverse proxy: trust that many X-Forwarded-* hops for the client address
        # (audit log, rate limits, request log), the scheme and the host, but only from the
        # proxy's own addresses. It wraps everything else, so every layer sees the result.
        wsgi = TrustedProxyFix(wsgi, hops, app.config["LDN_PROXY_NETWORKS"])
    app.wsgi_app = wsgi  # type: ignore[method-assign]
