"""Requests for another host name get the 400 page; every redirect is relative.

The Host header is the client's to write. A production app answers only for the names in
LDN_TRUSTED_HOSTS (the WSGI side is ldn_screen/forwarding.py), and no Location header ever
carries a host name, so a forged Host cannot send a browser to another site.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, abort, request
from werkzeug.wrappers import Response

from ..forwarding import UNTRUSTED_HOST_KEY


def _refuse_untrusted_host() -> None:
    if request.environ.get(UNTRUSTED_HOST_KEY):
        abort(400)


def _relative_location(response: Response) -> Response:
    """Werkzeug's own redirects (``/admin`` to ``/admin/``) are absolute, built from the Host
    header; the app's (``redirect(url_for(...))``) are relative already. Make them all so."""
    location = response.headers.get("Location")
    if location:
        parts = urlsplit(location)
        if parts.netloc and parts.netloc.lower() == request.host.lower():
            path = parts.path or "/"
            response.headers["Location"] = urlunsplit(("", "", path, parts.query, parts.fragment))
    return response


def init_app(app: Flask) -> None:
    # First of all before_request functions: nothing else runs for another site's name.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_untrusted_host)
    app.after_request(_relative_location)
