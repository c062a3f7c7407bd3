"""A small local FHIR server for the fetch tests: answers from a dict of paths, optionally
slowly, and records what it was asked (paths and Authorization headers)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FhirStub:
    def __init__(self, answers: dict[str, Any], delay: float = 0.0) -> None:
        self.answers = answers
        self.delay = delay
        self.requests: list[tuple[str, str | None]] = []
        self.base = ""


@contextmanager
def fhir_server(answers: dict[str, Any], delay: float = 0.0) -> Iterator[FhirStub]:
    stub = FhirStub(answers, delay)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            stub.requests.append((self.path, self.headers.get("Authorization")))
            if stub.delay:
                time.sleep(stub.delay)
            path = self.path.removeprefix("/fhir/")
            body = None
            for prefix, answer in stub.answers.items():
                if path.startswith(prefix):
                    body = answer
                    break
            data = json.dumps(body if body is not None else {"resourceType": "Bundle"}).encode()
            try:
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the service gave up waiting: that is the point of the slow tests

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    stub.base = f"http://127.0.0.1:{server.server_address[1]}/fhir"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
