"""How large a request may be: the address, each header, and the body.

Too long an address, or too large a header, gets the house 414 or 431 page. gunicorn refuses
such requests itself, with a bare page and none of the security headers. The shipped gunicorn
settings raise its limits above these, so the app answers first, with its own page and
headers; the limits themselves are gunicorn's defaults, so what is accepted does not change.

Request bodies sent without a Content-Length (chunked) are held to the same size limit as
others. Werkzeug refuses a Content-Length over ``MAX_CONTENT_LENGTH`` with a 413, but a chunked
body (which gunicorn passes on with ``wsgi.input_terminated``) is read only up to the limit and
the rest is silently dropped: the form would be parsed from a truncated body. Here such a body
is read through a stream that reads one byte past the limit: if that byte exists, the request
is refused with a 413, like a Content-Length body.
"""

from __future__ import annotations

import io
from typing import IO
from urllib.parse import quote

from flask import Request, request
from werkzeug.exceptions import (
    ClientDisconnected,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
    RequestURITooLarge,
)
from werkzeug.utils import cached_property

MAX_REQUEST_TARGET = 4094  # bytes of path and query (gunicorn's default request-line limit)
MAX_HEADER_FIELD = 8190  # bytes of one header, name and value (gunicorn's default)


def check_sizes() -> None:
    """A before-request check: the request line and every header within their limits."""
    environ = request.environ
    target = environ.get("RAW_URI") or (
        quote(environ.get("PATH_INFO", "")) + "?" + environ.get("QUERY_STRING", "")
    )
    if len(target) > MAX_REQUEST_TARGET:
        raise RequestURITooLarge()
    for key, value in environ.items():
        if key.startswith("HTTP_") and len(key) - 3 + len(str(value)) > MAX_HEADER_FIELD:
            raise RequestHeaderFieldsTooLarge()


class CappedBody(io.RawIOBase):
    """``stream`` read to its end, or refused (413) as soon as it holds more than ``limit``."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self._stream = stream
        self._limit = limit
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        # At most one byte beyond the limit: enough to tell "exactly the limit" from "more".
        wanted = min(len(buffer), self._limit + 1 - self._pos)
        try:
            data = self._stream.read(wanted)
        except (OSError, ValueError) as exc:
            raise ClientDisconnected() from exc
        self._pos += len(data)
        if self._pos > self._limit:
            raise RequestEntityTooLarge()
        buffer[: len(data)] = data
        return len(data)


class LimitedBodyRequest(Request):
    @cached_property
    def stream(self) -> IO[bytes]:
        limit = self.max_content_length
        if (
            limit is not None
            and self.content_length is None
            and self.environ.get("wsgi.input_terminated")
        ):
            return CappedBody(self.environ["wsgi.input"], limit)  # type: ignore[return-value]
        return super().stream
