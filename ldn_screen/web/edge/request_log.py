"""Structured request logs with a request id. Never a body, a query string or a form value.

Patient answers only ever travel in POST bodies, so logging the method, the path (without
its query string), the status and the timing can never leak them. This is the only access
log: the shipped gunicorn config turns gunicorn's own off.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable
from random import getrandbits  # an id to match lines, not a secret: no syscall
from typing import Any

from flask import Flask, has_request_context, request

from .headers import StartResponse, WsgiApp

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Where the id lives for the rest of the request (error logs pick it up from there).
ENVIRON_KEY = "ldn.request_id"
FIELDS = ("request_id", "method", "path", "status", "ms", "client")
log = logging.getLogger("ldn_screen.request")


class JsonFormatter(logging.Formatter):
    """One JSON object per line; fields a log shipper can index."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in FIELDS:
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    """Tags any log line written during a request (an error, say) with its request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context():
            record.request_id = request.environ.get(ENVIRON_KEY, "-")
        return True


class RequestLog:
    """WSGI wrapper: gives each request an id, echoes it, and logs one line when it ends."""

    def __init__(self, app: WsgiApp, static_prefix: str) -> None:
        self.app = app
        self.static_prefix = static_prefix

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else f"{getrandbits(128):032x}"
        environ[ENVIRON_KEY] = request_id
        status = ["500"]

        def _start(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[0] = line
            headers.append(("X-Request-ID", request_id))
            return start_response(line, headers, exc_info)

        try:
            return self.app(environ, _start)
        finally:
            path = environ.get("PATH_INFO", "")
            if not path.startswith(self.static_prefix) and log.isEnabledFor(logging.INFO):
                if not path.isascii():  # WSGI hands the path over as latin-1 text
                    path = path.encode("latin-1").decode("utf-8", "replace")
                log.info(
                    "request",
                    extra={
                        "request_id": request_id,
                        "method": environ.get("REQUEST_METHOD"),
                        "path": path,
                        "status": int(status[0][:3]),
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                        "client": environ.get("REMOTE_ADDR"),
                    },
                )


def configure_logging(app: Flask) -> None:
    logger = logging.getLogger("ldn_screen")
    if not any(getattr(h, "_ldn", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RequestIdFilter())
        handler._ldn = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(app.config.get("LDN_LOG_LEVEL", "INFO"))
