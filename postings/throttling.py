"""Bounds on expensive public requests, so that a few clients cannot starve
the pages everyone else is loading.

- ``over_rate_limit``: at most so many requests per client address in a
  window, counted in the cache (shared by every process with the database
  or Redis cache, per process with locmem). Over it, the caller answers 429
  with Retry-After.
- ``Slots``: at most so many running at once in this process. When all are
  taken the caller answers 503 with Retry-After at once, which leaves the
  thread free for pages instead of queueing it behind the others.

The client address is the connection's (REMOTE_ADDR), unless the settings say
proxies stand in front of the app (TRUSTED_PROXY_COUNT): then it is the
address the outermost of them saw, read from the right of X-Forwarded-For.
The login lockout and the alert limits read the same address.
"""

import ipaddress
import logging
import math
import threading
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def client_address(request):
    """The client's network address, or None when there is none to read.

    Each proxy appends the address it was connected from to
    X-Forwarded-For, so with N trusted proxies the N-th entry from the
    right is the client as the outermost one saw it; entries further left
    are whatever the client sent, and can be forged. Without trusted
    proxies the header is ignored.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        forwarded = [entry.strip() for entry in forwarded if entry.strip()]
        if len(forwarded) >= proxies and _is_address(forwarded[-proxies]):
            address = forwarded[-proxies]
    return address if _is_address(address) else None


def _is_address(text):
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def over_rate_limit(request, scope, *, limit, window):
    """Count this request of ``scope`` against its client's ``limit`` per
    ``window`` seconds: None while within it, else the seconds until the
    window ends (for Retry-After).

    Fixed windows: simple, and one cache round trip for the count. A cache
    that is down, or stores nothing (the dummy cache), limits nothing: the
    per-process Slots still bound the load.
    """
    now = time.time()
    started = now // window * window
    key = f"throttle:{scope}:{client_address(request) or 'unknown'}:{int(started)}"
    try:
        cache.add(key, 0, timeout=window + 1)
        count = cache.incr(key)
    except ValueError:
        return None  # the key is gone: a cache that keeps nothing
    except Exception:
        logger.warning("Rate limit cache unavailable; not limiting", exc_info=True)
        return None
    if count <= limit:
        return None
    return max(1, math.ceil(started + window - now))


class Slots:
    """At most ``settings.<size_setting>`` holders at once in this process;
    ``take()`` never waits."""

    def __init__(self, size_setting):
        self.size_setting = size_setting
        self._lock = threading.Lock()
        self.held = 0

    def take(self):
        """A Slot, or None when every slot is taken."""
        with self._lock:
            if self.held >= getattr(settings, self.size_setting):
                return None
            self.held += 1
        return Slot(self)

    def _give_back(self):
        with self._lock:
            self.held -= 1


class Slot:
    def __init__(self, slots):
        self._slots = slots
        self._released = False
        self._lock = threading.Lock()

    def release(self):
        """Give the slot back; a second call does nothing."""
        with self._lock:
            if self._released:
                return
            self._released = True
        self._slots._give_back()

    def hold_until_closed(self, response):
        """Keep the slot until the server closes ``response``: a streamed
        file is written while it is sent, so the work ends only then (the
        whole file sent, or the client gone)."""
        response.streaming_content = _Releasing(response.streaming_content, self)
        return response


class _Releasing:
    """A response's content that releases its slot when closed. Django
    calls the ``close()`` of a streaming response's content when the
    response is closed, as WSGI servers do at the end of every request."""

    def __init__(self, content, slot):
        self.content, self.slot = content, slot

    def __iter__(self):
        try:
            yield from self.content
        finally:
            self.slot.release()

    def close(self):
        self.slot.release()
