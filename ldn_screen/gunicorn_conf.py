"""gunicorn settings shipped with the app. Override any of them on the command line."""

import os
import subprocess
import sys

workers = int(os.environ.get("LDN_WORKERS", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 2
# The control socket would write to ~/.gunicorn; this app needs none.
control_socket_disable = True
# No gunicorn access log: the app writes one structured JSON line per request, with its
# request id, and never a query string or a body (ldn_screen/web/request_log.py).
accesslog = None
errorlog = "-"
# Workers are not recycled (gunicorn's max_requests stays 0): nothing leaks, and on a
# 2-core server a recycled worker spends a second or more rebuilding the app mid-load.


def on_starting(server: object) -> None:
    """Build the app once before any worker starts: the instance folder, the secret, the
    SQLite schema and settings version 1 are then made once, and no worker needs the
    migration tooling. On an outdated PostgreSQL schema this stops the start with a clear
    message. It runs in a child process so the master (and every worker forked from it)
    stays small."""
    subprocess.run(  # this interpreter, fixed arguments
        [sys.executable, "-c", "from ldn_screen import create_app; create_app()"], check=True
    )
