"""Request bodies sent without a Content-Length (chunked) are held to the same size limit.

Werkzeug refuses a Content-Length over ``MAX_CONTENT_LENGTH`` with a 413, but a chunked body
(which gunicorn passes on with ``wsgi.input_terminated``) is read only up to the limit and the
rest is silently dropped: the form would be parsed from a truncated body. Here such a body is
read through a stream that reads one byte past the limit: if that byte exists, the request is
refused with a 413, like a Content-Length body.
"""

from __future__ import annotations

import io
from typing import IO

from flask import Request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.utils import cached_property


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
