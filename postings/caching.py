"""Caching public pages, and forgetting only the pages a change can affect.

Anonymous visitors' pages are cached whole in the shared cache, each stored
with the change-log position it was built at (postings.changes). When a
page is asked for again, this process's board (postings.board) has applied
every change committed since, and knows which of them the page has not
seen; the page is served unless one of them can affect it. What a page
depends on is its Dependency:

- a listing (and its feed) depends on the postings its filter could count:
  a change to a posting that neither before nor after could appear in its
  result or its facet counts leaves it cached (filters.PostingFilter.could_show);
- a posting's page depends on that posting, the postings it lists as
  related (same department, title, or category at the same employer) and
  its employer's institutions and departments;
- an institution's or department's page depends on its employer's postings,
  institutions and departments; reference pages only on reference texts.

So an HR edit refreshes exactly the pages that could show it, and other
employers' pages, other postings' pages and reference pages stay cached. It
shows on every page in every process within settings.BOARD_FRESHNESS +
settings.PAGE_STALE_FOR seconds (1 + 2):

- a process reads the change log at most every BOARD_FRESHNESS seconds, so
  a hit on a page it holds in its own memory (settings.PAGE_MEMO_ENTRIES, in
  front of a shared cache in another process) needs no round trip at all;
- a page that is missing or stale is built once: concurrent requests for it
  wait for that build (in this process and, through a lock in the shared
  cache, in others) instead of all building it; but for PAGE_STALE_FOR
  seconds after a change made a page stale they are answered with its
  previous version instead (``X-Page-Cache: stale``), since a page that
  nearly every edit changes would otherwise make all its visitors wait for
  a rebuild after each edit.

Keys carry the date, because a posting leaves the listing when its deadline
passes with no row changing.
"""

import hashlib
import logging
import pickle
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache, wraps

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.utils import timezone, translation

from . import board
from .filters import PostingFilter, validated
from .models import BoardChange, RoleDescription

logger = logging.getLogger(__name__)

PAGE_TIMEOUT = 60 * 60  # an hour; changes that affect a page end it sooner
BUILD_WAIT = 5.0  # seconds a request waits for another's build of its page
BUILD_LOCK_TIMEOUT = 30  # seconds; a crashed builder's lock expires
REFRESH_AFTER = 20  # unaffecting changes before a valid page is re-stamped

Kind = BoardChange.Kind
_NAMES_AND_PLACES = {Kind.INSTITUTION, Kind.DEPARTMENT, Kind.LOCATION, Kind.CERTIFICATE}


def _safely(operation, *args, **kwargs):
    """A cache operation that cannot take the site down: an unreachable cache
    (Redis restarting, a missing cache table) means pages are built afresh."""
    try:
        return operation(*args, **kwargs)
    except Exception:
        logger.warning("Page cache unavailable; serving uncached", exc_info=True)
        return None


# --- What a page depends on -----------------------------------------------------------


class Dependency:
    """Which changes can affect a cached page."""

    key = ""  # what, beside the path, tells its pages apart

    def affected_by(self, change, current):
        raise NotImplementedError


@dataclass
class ListingDependency(Dependency):
    filterset: PostingFilter
    date: object
    key: str = ""

    def affected_by(self, change, current):
        if change.kind == Kind.POSTING:
            return any(
                facts is not None and self.filterset.could_show(facts, self.date)
                for facts in (change.before, change.after)
            )
        # Names of institutions, departments, places and certificates show
        # in the cards and facets.
        return change.kind != Kind.REFERENCE


def _employer_of(change, current):
    """The employer a change of an institution or department belongs to."""
    if change.kind == Kind.INSTITUTION:
        return current.employer_of_institution(change.object_id)
    if change.kind == Kind.DEPARTMENT:
        return current.employer_of_department(change.object_id)
    return None


@dataclass
class PostingDependency(Dependency):
    posting_id: int
    key: str = ""

    def affected_by(self, change, current):
        if change.kind == Kind.REFERENCE:
            return False
        mine = self._facts(current)
        if mine is None:
            return True
        if change.kind == Kind.POSTING:
            if change.object_id == self.posting_id:
                return True
            return any(_related(mine, facts) for facts in (change.before, change.after))
        if change.kind in (Kind.INSTITUTION, Kind.DEPARTMENT):
            return _employer_of(change, current) in (mine.employer_id, None)
        return True

    def _facts(self, current):
        # Once per request (a dependency is made for each), not per change.
        if getattr(self, "_facts_on", None) is not current:
            self._facts_on, self._mine = current, current.facts_of(self.posting_id)
        return self._mine


def _related(posting, other):
    """Whether ``other`` can be among ``posting``'s related postings."""
    if other is None:
        return False
    category = posting.values.get("category")
    return (
        other.title == posting.title
        or (
            posting.department_id is not None
            and other.department_id == posting.department_id
        )
        or (
            bool(category)
            and other.employer_id == posting.employer_id
            and other.values.get("category") == category
        )
    )


@dataclass
class EmployerDependency(Dependency):
    """An institution's or department's page: its employer's data."""

    institution_id: int | None = None
    department_id: int | None = None
    key: str = ""

    def affected_by(self, change, current):
        if self.department_id is not None:
            employer = current.employer_of_department(self.department_id)
            if change.kind == Kind.REFERENCE:
                return True  # the page shows descriptions of its kind
        else:
            employer = current.employer_of_institution(self.institution_id)
        if employer is None:
            return True
        if change.kind == Kind.POSTING:
            return any(
                facts is not None and facts.employer_id == employer
                for facts in (change.before, change.after)
            )
        if change.kind in (Kind.INSTITUTION, Kind.DEPARTMENT):
            return _employer_of(change, current) in (employer, None)
        return change.kind != Kind.REFERENCE


class ReferenceDependency(Dependency):
    def affected_by(self, change, current):
        return change.kind == Kind.REFERENCE


@dataclass
class RoleDependency(Dependency):
    """A role description's page, which lists the open postings of its title."""

    title: str
    key: str = ""

    def affected_by(self, change, current):
        if change.kind == Kind.POSTING:
            return any(
                facts is not None and facts.title == self.title
                for facts in (change.before, change.after)
            )
        return change.kind in (Kind.REFERENCE, Kind.INSTITUTION)


class WholeBoardDependency(Dependency):
    """Pages that list the whole board (sitemaps): any change."""

    def affected_by(self, change, current):
        return True


@dataclass
class SitemapDependency(Dependency):
    """A sitemap page (postings.sitemaps), or the index (``section`` None).

    A section page depends on the rows it lists: the postings section on
    every posting open before or after a change (its URL or last change);
    the index only on how many pages each section has, so on postings
    opening or closing and on institutions and reference pages.
    """

    section: str | None
    date: object
    key: str = ""

    def affected_by(self, change, current):
        if change.kind == Kind.POSTING:
            was, now = (
                facts is not None and facts.is_open_on(self.date)
                for facts in (change.before, change.after)
            )
            if self.section is None:
                return was != now
            return self.section == "postings" and (was or now)
        if change.kind == Kind.INSTITUTION:
            return self.section in (None, "institutions")
        if change.kind == Kind.REFERENCE:
            return self.section in (None, "reference")
        return False  # departments, places and certificates are in no sitemap


def sitemap_page(request, section=None, **kwargs):
    # Keyed by the page alone (the path names the section): junk parameters
    # share the page, and any ?p= that is not a page is a 404, never stored.
    page = request.GET.get("p", "1")
    key = "index" if section is None else f"p={int(page) if page.isdigit() else 0}"
    return SitemapDependency(section, timezone.localdate(), key=key)


def listing_page(request, **kwargs):
    """The listing's dependency, keyed by the parameters it understands
    (normalised), so junk parameters share a page; None for invalid input,
    which the view answers (uncached) with its error page."""
    return _listing_dependency(
        request.GET.urlencode(), timezone.localdate(), translation.get_language()
    )


@lru_cache(maxsize=512)
def _listing_dependency(query_string, date, language):
    # Made once per query string and day, like the filter it reads
    # (filters.validated): a cached hit does no validation.
    filterset = validated(query_string, date, language)
    if not filterset.is_valid():
        return None
    return ListingDependency(filterset, date, key=filterset.query().urlencode())


def posting_page(request, pk, **kwargs):
    return PostingDependency(int(pk))


def institution_page(request, pk, **kwargs):
    return EmployerDependency(institution_id=int(pk))


def department_page(request, pk, **kwargs):
    return EmployerDependency(department_id=int(pk))


def reference_page(request, **kwargs):
    return ReferenceDependency()


def role_page(request, pk, **kwargs):
    role = RoleDescription.objects.filter(pk=pk).values_list("title", flat=True)
    return RoleDependency(role.first() or "")


def whole_board(request, **kwargs):
    return WholeBoardDependency()


# --- The cache ------------------------------------------------------------------------


def _is_staff(request):
    """Staff see pages as they are: a valid staff session bypasses the cache
    (a made-up session cookie does not)."""
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff)


def _caching_off():
    """With Django's dummy cache nothing is stored, so there is no build to
    wait for: concurrent requests for a page each build it, as they would
    without this decorator, instead of queueing behind one another."""
    return isinstance(caches[DEFAULT_CACHE_ALIAS], DummyCache)


def page_key(request, dependency):
    """The page's key: date, path and what the dependency says tells pages apart."""
    key = dependency.key if dependency.key else request.META.get("QUERY_STRING", "")
    digest = hashlib.sha256(f"{request.path}?{key}".encode()).hexdigest()
    return f"postings:page:{timezone.localdate():%Y%m%d}:{digest}"


def _still_good(stored, dependency, current):
    """(good, changes checked, out of date since) for a stored page: whether
    it saw, or is unaffected by, every change since; when not, since when
    (``time.monotonic()``) this process knows it is out of date, that is when
    it applied the earliest change that affects it (None: it cannot tell)."""
    position, gaps, _ = stored
    unseen = current.changes_since(position, gaps)
    if unseen is None:
        return False, 0, None
    for change in reversed(unseen):  # oldest first: the first found is the earliest
        if dependency.affected_by(change, current):
            return False, len(unseen), change.applied_at
    return True, len(unseen), None


def _still_servable(since):
    """Whether a page out of date since ``since`` may still be served while
    its new version is built (settings.PAGE_STALE_FOR)."""
    return since is not None and time.monotonic() - since <= settings.PAGE_STALE_FOR


class _Builds:
    """Per-key locks, so one thread of this process builds a page while the
    others asking for it wait."""

    def __init__(self):
        self._lock = threading.Lock()
        self._locks = {}

    def lock(self, key):
        with self._lock:
            entry = self._locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
            return entry[0]

    def release(self, key):
        with self._lock:
            entry = self._locks[key]
            entry[1] -= 1
            if entry[1] == 0:
                del self._locks[key]


_builds = _Builds()


class _ProcessPages:
    """The pages this process served last, kept in its own memory in front
    of an out-of-process shared cache (database, Redis), so a hit needs no
    round trip. Each copy carries the change-log position it was built at
    and is checked against the board exactly as the shared cache's copy is;
    a copy gone stale falls through to the shared cache, whose copy another
    process may have rebuilt. Kept pickled, as any cache keeps them: each
    hit gets its own response object for the middleware to add headers to.
    ``settings.PAGE_MEMO_ENTRIES`` pages (0: none)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pages = OrderedDict()

    def get(self, key, current):
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            self._pages.move_to_end(key)
        generation, position, gaps, pickled = found
        if generation != current.generation:
            return None  # names changed, or the board reloaded: ask the cache
        return position, gaps, pickled

    def put(self, key, current, position, gaps, response):
        if settings.PAGE_MEMO_ENTRIES <= 0:
            return
        pickled = pickle.dumps(response, pickle.HIGHEST_PROTOCOL)
        self._keep(key, (current.generation, position, gaps, pickled))

    def restamp(self, key, current, pickled):
        """Mark a copy that the changes since could not affect as seen at the
        board's position, so later hits check fewer changes."""
        self._keep(key, (current.generation, *current.stamp(), pickled))

    def _keep(self, key, entry):
        size = settings.PAGE_MEMO_ENTRIES
        with self._lock:
            self._pages[key] = entry
            self._pages.move_to_end(key)
            while len(self._pages) > size:
                self._pages.popitem(last=False)

    def clear(self):
        with self._lock:
            self._pages.clear()


process_pages = _ProcessPages()


def _lookup(key, dependency, current):
    """(page, previous) for ``key``: a stored response no change since can
    affect, from this process's memory or else the shared cache; when there
    is none, ``previous`` is the stored response that changes affected at
    most settings.PAGE_STALE_FOR seconds ago, to serve while another request
    builds the page anew. Either may be None."""
    previous = None
    remembered = process_pages.get(key, current)
    if remembered is not None:
        position, gaps, pickled = remembered
        good, seen, since = _still_good((position, gaps, None), dependency, current)
        if good:
            if seen >= REFRESH_AFTER:
                process_pages.restamp(key, current, pickled)
            return pickle.loads(pickled), None  # pickled by this process, above
        if _still_servable(since):
            previous = pickle.loads(pickled)
    stored = _safely(cache.get, key)
    if stored is None:
        return None, previous
    good, seen, since = _still_good(stored, dependency, current)
    if not good:
        if previous is None and _still_servable(since):
            previous = stored[2]
        return None, previous
    if seen >= REFRESH_AFTER:
        _store(key, current, stored[2])
    else:
        process_pages.put(key, current, stored[0], stored[1], stored[2])
    return stored[2], None


def cache_public_page(view, depends_on=whole_board):
    """Serve anonymous GETs of ``view`` from the cache while no change since
    could affect them (``depends_on(request, **kwargs)`` says what can).

    Errors and uncacheable responses are never stored. A hit on a page this
    process holds costs no round trip (the board reads the change log at most
    every ``settings.BOARD_FRESHNESS`` seconds); any other hit costs one, to
    the shared cache. A page a change made stale is built by one request;
    the others get its previous version for ``settings.PAGE_STALE_FOR``
    seconds after the change, then wait for the build.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "GET" or _is_staff(request) or _caching_off():
            return view(request, *args, **kwargs)
        dependency = depends_on(request, **kwargs)
        if dependency is None:
            return view(request, *args, **kwargs)
        current = board.for_request(request)
        key = page_key(request, dependency)
        found, previous = _lookup(key, dependency, current)
        if found is not None:
            return _answer(found, "hit")
        return _build_once(
            key, dependency, current, lambda: view(request, *args, **kwargs), previous
        )

    return wrapper


def _answer(response, how):
    response["X-Page-Cache"] = how
    return response


def _store(key, current, response, position=None, gaps=None):
    if position is None:
        position, gaps = current.stamp()
    _safely(cache.set, key, (position, gaps, response), PAGE_TIMEOUT)
    process_pages.put(key, current, position, gaps, response)


def _build_once(key, dependency, current, build, previous=None):
    """Build the page for ``key`` in one request at a time. Requests that
    come while it is being built wait for that build, or, with a
    ``previous`` version recent enough (_lookup), are answered with it."""
    lock = _builds.lock(key)
    try:
        if not lock.acquire(blocking=False):
            if previous is not None:
                return _answer(previous, "stale")
            lock.acquire()
        try:
            # Another thread may have built it since this one looked.
            found, _ = _lookup(key, dependency, current)
            if found is not None:
                return _answer(found, "hit")
            return _build_holding(key, dependency, current, build, previous)
        finally:
            lock.release()
    finally:
        _builds.release(key)


def _build_holding(key, dependency, current, build, previous):
    building = f"{key}:building"
    # False: another process holds the build. None: the cache is
    # unavailable, so no one can, and there is nothing to wait for.
    if _safely(cache.add, building, 1, BUILD_LOCK_TIMEOUT) is False:
        if previous is not None:
            return _answer(previous, "stale")
        waited = _wait_for_other_process(key, dependency, current)
        if waited is not None:
            return _answer(waited, "hit")
    try:
        position, gaps = current.stamp()
        response = build()
        if response.status_code == 200 and not response.streaming:
            if callable(getattr(response, "render", None)):
                response = response.render()
            _store(key, current, response, position, gaps)
            response = _answer(response, "miss")
        return response
    finally:
        _safely(cache.delete, building)


def _wait_for_other_process(key, dependency, current):
    deadline = time.monotonic() + BUILD_WAIT
    while time.monotonic() < deadline:
        time.sleep(0.01)
        stored = _safely(cache.get, key)
        if stored is not None:
            current.sync()
            if _still_good(stored, dependency, current)[0]:
                return stored[2]
    return None
