"""Caching public pages, and forgetting them the moment anything changes.

Anonymous visitors' listing and detail pages are cached whole. Every cached
page carries the *generation* it was built in, a number kept in the same
cache; any change to a posting, its items, an institution or a department
bumps the generation, so every cached page is stale at once and a change in
the admin shows on the next request. With a cache shared by several app
servers (Redis, or the database cache) that holds for all of them; the
per-process memory cache, the zero-setup default, holds for one process.

Keys also carry the date, because a posting leaves the listing when its
deadline passes, with no change to any row.
"""

import hashlib
import logging
from functools import wraps

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

logger = logging.getLogger(__name__)

GENERATION_KEY = "postings:generation"
PAGE_TIMEOUT = 60 * 60  # an hour; a change invalidates sooner


def generation():
    value = _safely(cache.get, GENERATION_KEY)
    if value is None:
        # Any fresh start is a new generation: never reuse old pages.
        value = int(timezone.now().timestamp() * 1000)
        _safely(cache.add, GENERATION_KEY, value, timeout=None)
        value = _safely(cache.get, GENERATION_KEY) or value
    return value


def _safely(operation, *args, **kwargs):
    """A cache operation that cannot take the site down: an unreachable cache
    (Redis restarting, a missing cache table) means pages are built afresh."""
    try:
        return operation(*args, **kwargs)
    except Exception:
        logger.warning("Page cache unavailable; serving uncached", exc_info=True)
        return None


def invalidate():
    """Make every cached public page stale (after the current transaction)."""

    def bump():
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # not set yet, or evicted: start a new generation
            _safely(
                cache.set,
                GENERATION_KEY,
                int(timezone.now().timestamp() * 1000),
                timeout=None,
            )
        except Exception:
            logger.warning(
                "Page cache unavailable; could not invalidate", exc_info=True
            )

    transaction.on_commit(bump)


def _invalidate_on_change(sender, **kwargs):
    invalidate()


def connect_signals():
    """Invalidate on every save and delete of what public pages show."""
    from . import models

    for model in (
        models.Posting,
        models.Duty,
        models.Requirement,
        models.PostingLocation,
        models.PostingCertificate,
        models.Institution,
        models.Department,
        models.Location,
        models.Certificate,
        models.RoleDescription,
        models.RoleDescriptionItem,
        models.DepartmentDescription,
    ):
        post_save.connect(
            _invalidate_on_change, sender=model, dispatch_uid=f"cache-{model}"
        )
        post_delete.connect(
            _invalidate_on_change, sender=model, dispatch_uid=f"cache-{model}-d"
        )


def cache_public_page(view):
    """Serve anonymous GETs of ``view`` from the cache while nothing changed.

    A request with a session cookie may come from staff, who see pages as
    they are; errors and uncacheable responses are never stored. A page is
    stored with the generation it was built in, so a hit costs one round
    trip to the cache (the generation and the page, fetched together).
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "GET" or request.COOKIES.get("sessionid"):
            return view(request, *args, **kwargs)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"postings:page:{timezone.localdate():%Y%m%d}:{digest}"
        found = _safely(cache.get_many, [GENERATION_KEY, key]) or {}
        current = found.get(GENERATION_KEY)
        if current is None:
            current = generation()
        stored = found.get(key)
        if stored is not None and stored[0] == current:
            response = stored[1]
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            if callable(getattr(response, "render", None)):
                response = response.render()
            _safely(cache.set, key, (current, response), PAGE_TIMEOUT)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper
