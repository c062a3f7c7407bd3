"""gunicorn settings shipped with the app. Override any of them on the command line."""

import os
import subprocess
import sys

workers = int(os.environ.get("LDN_WORKERS", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 2
max_requests = 5000
max_requests_jitter = 500
# The control socket would write to ~/.gunicorn; this app needs none.
control_socket_disable = True
accesslog = "-"
# Method and path only: no query string (the sheet's plan parameters stay out of the logs
# too), and never a body.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"


def on_starting(server: object) -> None:
    """Build the app once before any worker starts: the instance folder, the secret, the
    SQLite schema and settings version 1 are then made once, and no worker needs the
    migration tooling. On an outdated PostgreSQL schema this stops the start with a clear
    message. It runs in a child process so the master (and every worker forked from it)
    stays small."""
    subprocess.run(  # this interpreter, fixed arguments
        [sys.executable, "-c", "from ldn_screen import create_app; create_app()"], check=True
    )
