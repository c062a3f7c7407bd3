"""gunicorn settings shipped with the app: ``gunicorn -c python:ldn_screen.config.gunicorn``.

Override any of them on the command line."""

import logging
import os
import subprocess
import sys

from ldn_screen.config.proxies import proxy_addresses

workers = int(os.environ.get("LDN_WORKERS", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 2
# The control socket would write to ~/.gunicorn; this app needs none.
control_socket_disable = True
# No gunicorn access log: the app writes one structured JSON line per request, with its
# request id, and never a query string or a body (ldn_screen/web/edge/request_log.py).
accesslog = None
errorlog = "-"
# Forwarded headers (X-Forwarded-Proto and friends) count only from the reverse proxies named
# by LDN_PROXY_ADDRESSES, and only when LDN_PROXY_HOPS says there is a proxy: with no proxy,
# from nobody. gunicorn's own default trusts 127.0.0.1 whatever the app is told. The app
# applies the same rule to X-Forwarded-For and -Host (ldn_screen/web/edge/proxy.py).
forwarded_allow_ips = proxy_addresses(
    int(os.environ.get("LDN_PROXY_HOPS") or 0), os.environ.get("LDN_PROXY_ADDRESSES")
)
# No path prefix (SCRIPT_NAME, PATH_INFO) taken from request headers, even from the proxy.
forwarder_headers = ""
# Request-line and header-field limits at gunicorn's maximum, above the app's own (web/edge/
# limits.py): a too-long address or header then gets the app's 414 or 431 page, with
# the security headers, instead of gunicorn's bare one. Past these, gunicorn still answers.
limit_request_line = 8190
limit_request_field_size = 16380
# Workers are not recycled (gunicorn's max_requests stays 0): nothing leaks, and on a
# 2-core server a recycled worker spends a second or more rebuilding the app mid-load.


def on_starting(server: object) -> None:
    """Build the app once before any worker starts: the instance folder, the secret, the
    SQLite schema and settings version 1 are then made once, and no worker needs the
    migration tooling. On an outdated PostgreSQL schema this stops the start with a clear
    message. It runs in a child process so the master (and every worker forked from it)
    stays small."""
    subprocess.run(  # this interpreter, fixed arguments
        [sys.executable, "-c", "from ldn_screen.app import create_app; create_app()"], check=True
    )


def _drop_server_header() -> None:
    """Every gunicorn response starts with ``Server: gunicorn``; gunicorn has no setting to
    leave it out (its maintainers keep it on purpose), so its response class is told to skip
    that one line. Checked under a real gunicorn by tests/deploy/test_gunicorn_edge.py; if a
    gunicorn release moves this method, the header comes back and a warning is logged."""
    from gunicorn.http import wsgi

    original = getattr(wsgi.Response, "default_headers", None)
    if original is None or getattr(original, "ldn_no_server", False):
        if original is None:
            logging.getLogger("gunicorn.error").warning("cannot drop the Server header")
        return

    def default_headers(self):
        return [line for line in original(self) if not line.lower().startswith("server:")]

    default_headers.ldn_no_server = True  # type: ignore[attr-defined]
    wsgi.Response.default_headers = default_headers  # type: ignore[method-assign]


_drop_server_header()
