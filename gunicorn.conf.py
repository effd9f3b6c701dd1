"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py jobboard.wsgi`.

gthread workers keep answering the arbiter's heartbeat while a thread streams
a long export, so a 100,000-row CSV or XLSX download is never killed for
taking longer than `timeout`; `timeout` only catches a worker that hangs.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "120"))
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound;
# rarely, since a new worker loads the board into memory (seconds at a
# million postings) before it serves.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "200000"))
max_requests_jitter = 20000
# GUNICORN_ACCESSLOG="" turns the access log off (the benchmark does).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    debug = os.environ.get("DJANGO_DEBUG", "").strip().lower() in {
        "1",
        "true",
        "yes",
        "on",
    }
    if debug:
        raise SystemExit(
            "Refusing to serve with DJANGO_DEBUG on: gunicorn is the production server."
        )
    if not os.environ.get("DJANGO_SECRET_KEY"):
        raise SystemExit("Refusing to serve without DJANGO_SECRET_KEY.")


def post_worker_init(worker):
    """Load the in-memory board (postings.board) before the worker takes
    requests, so no visitor waits for it."""
    from django.db import connections

    from postings import board

    board.current()
    connections.close_all()
