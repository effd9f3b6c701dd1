"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py jobboard.wsgi`.

gthread workers keep answering the arbiter's heartbeat while a thread streams
a long export, so a 100,000-row CSV or XLSX download is never killed for
taking longer than `timeout`; `timeout` only catches a worker that hangs.
"""

import os

from gunicorn import sock
from gunicorn.workers.gthread import ThreadWorker

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "120"))
keepalive = 5
# Workers are not recycled by default: a new worker loads the board into
# memory (seconds at a million postings) before it serves. To recycle them
# (a slow leak), set GUNICORN_MAX_REQUESTS; the jitter, half of it, keeps
# workers from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 2
# Each worker listens on its own socket (SO_REUSEPORT), so the kernel
# spreads new connections over the workers. On one shared socket the first
# worker to wake accepts every connection of a burst, and keep-alive
# clients (a load balancer's pool, a benchmark's connections) then stay on
# it while the others idle. The connections the kernel gives a worker that
# is still loading its board wait for it (as on a shared socket while every
# worker loads); a worker leaves as soon as it stops (BoardWorker below).
# (Not for a Unix socket, nor for port 0: each worker would get a port.)
reuse_port = not bind.startswith(("unix:", "fd://")) and not bind.endswith(":0")
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


class BoardWorker(ThreadWorker):
    """gunicorn's threaded worker, which leaves the port's group as soon as
    it stops: a stopping worker takes no new connections, and the kernel
    would otherwise keep queueing some on its socket until it exits."""

    def set_accept_enabled(self, enabled):
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive and reuse_port:
            sock.close_sockets(self.sockets, unlink=False)
            self.sockets = []


worker_class = BoardWorker


def post_worker_init(worker):
    """Load the in-memory board (postings.board) before the worker takes
    requests, so no visitor waits for it."""
    from django.db import connections

    from postings import board

    board.current()
    connections.close_all()
    worker.log.info(
        "Board loaded; worker %s serving at %s",
        worker.pid,
        ",".join(str(listener) for listener in worker.sockets),
    )
