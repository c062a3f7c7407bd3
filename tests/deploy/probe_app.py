"""A WSGI app that answers with what gunicorn put in its environ: the scheme, the client
address and SCRIPT_NAME. Started with the shipped gunicorn config, it shows which forwarded
headers gunicorn itself trusts (tests/deploy/test_gunicorn_edge.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    seen = {key: environ.get(key) for key in ("wsgi.url_scheme", "REMOTE_ADDR", "SCRIPT_NAME")}
    body = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
