"""gunicorn's settings for the portal's app servers (`gunicorn -c deploy/gunicorn.conf.py portal.wsgi`).

Behind the TLS proxy (deploy/nginx/), which buffers uploads whole before passing them on, so a
slow phone connection never holds a worker. The access log names no client address and no
query string: a list of where members connect from would say where they live and work.
"""

import multiprocessing
import os

# Only the proxy on this host talks to gunicorn; in a container, the proxy on the private network.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# A few threads per worker keep a slow request (a large upload being encrypted) from blocking others.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Encrypting a 50 MB video takes well under this; anything longer is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Workers are replaced now and then, so no slow leak lasts.
max_requests = 2000
max_requests_jitter = 200

accesslog = "-"
errorlog = "-"
# One JSON object a line, like the app's own (portal/logs.py): the path without its query string,
# and the proxy's request id, which the app's lines for the same request carry too.
access_log_format = (
    '{"time": "%(t)s", "level": "INFO", "logger": "gunicorn.access", "method": "%(m)s", '
    '"path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, '
    '"request_id": "%({x-request-id}i)s"}'
)
