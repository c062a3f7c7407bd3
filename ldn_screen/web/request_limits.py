"""Too long an address, or too large a header: the house 414 and 431 pages.

gunicorn refuses such requests itself, with a bare page and none of the security headers. The
shipped gunicorn config raises its limits above these, so the app answers first, with its own
page and headers; the limits themselves are gunicorn's defaults, so what is accepted does not
change.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask, request
from werkzeug.exceptions import RequestHeaderFieldsTooLarge, RequestURITooLarge

MAX_REQUEST_TARGET = 4094  # bytes of path and query (gunicorn's default request-line limit)
MAX_HEADER_FIELD = 8190  # bytes of one header, name and value (gunicorn's default)


def _check_sizes() -> None:
    environ = request.environ
    target = environ.get("RAW_URI") or (
        quote(environ.get("PATH_INFO", "")) + "?" + environ.get("QUERY_STRING", "")
    )
    if len(target) > MAX_REQUEST_TARGET:
        raise RequestURITooLarge()
    for key, value in environ.items():
        if key.startswith("HTTP_") and len(key) - 3 + len(str(value)) > MAX_HEADER_FIELD:
            raise RequestHeaderFieldsTooLarge()


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _check_sizes)
