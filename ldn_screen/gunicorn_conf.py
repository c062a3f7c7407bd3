"""gunicorn settings shipped with the app. Override any of them on the command line."""

import os

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
