"""ETag and Last-Modified for API answers, from the board's place in the
change log rather than from the answer's bytes.

An answer is built from the board (postings.board) at one position in the
change log (postings.changes). Its ETag names that position, the ids below
it not yet seen (the log's gaps), and a digest of what was asked (path,
parameters, host, date). When a client sends the ETag back, the board knows
every change since that position, and the answer is still the client's
unless one of them could affect it: the same test that keeps the public
pages cached (postings.caching's dependencies). So "has it changed?" costs
no query and no rendering, and an edit to one bank's posting leaves every
other bank's answers valid.

Last-Modified is when this process first saw the board's current state (or
midnight, since postings close at the end of their last day with no row
changing): any change since moves it, so If-Modified-Since is the coarser
validator, and If-None-Match, when sent, is the one used (RFC 9110 13.2.2).
"""

import datetime
import hashlib
import re
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from rest_framework.response import Response

from ..caching import ListingDependency
from ..models import BoardChange

VERSION = "1"  # of the answers' shape: a new one makes every ETag stale
CACHE_CONTROL = "no-cache"  # keep it, but ask again (cheaply) each time
_ETAG = re.compile(r'^W/"p(\d{1,19})g([\d.-]*)d([0-9a-f]{16})"$')
_KEPT_VERSIONS = 256

_first_seen = weakref.WeakKeyDictionary()  # board -> {version: when}
_first_seen_lock = threading.Lock()


def _version_time(current, version):
    """When this process first saw ``current`` at ``version``, in whole seconds."""
    with _first_seen_lock:
        seen = _first_seen.setdefault(current, OrderedDict())
        when = seen.get(version)
        if when is None:
            when = seen[version] = timezone.now().replace(microsecond=0)
            while len(seen) > _KEPT_VERSIONS:
                seen.popitem(last=False)
        return when


@dataclass
class ResultDependency(ListingDependency):
    """A list of a filter's postings without its facets: only a posting that
    could be in the result, before or after a change, can change it."""

    def affected_by(self, change, current):
        if change.kind != BoardChange.Kind.POSTING:
            return super().affected_by(change, current)
        return any(
            facts is not None
            and facts.is_open_on(self.date)
            and all(
                filter_.test(facts, value)
                for _, filter_, value in self.filterset.active()
            )
            for facts in (change.before, change.after)
        )


def _encode_gaps(gaps):
    return ".".join(f"{first}-{last}" for first, last in gaps)


def _decode_gaps(text):
    if not text:
        return []
    gaps = []
    for part in text.split("."):
        first, _, last = part.partition("-")
        if not first.isdigit() or not last.isdigit():
            return None
        gaps.append((int(first), int(last)))
    return gaps


class Validators:
    """The validators of one answer, and whether the client's copy is current.

    ``dependency`` says which changes can affect the answer (a
    postings.caching Dependency); ``variant`` is everything else the answer
    depends on, normalised (the parameters it understands).
    """

    def __init__(self, request, current, dependency, variant=""):
        self.request, self.current, self.dependency = request, current, dependency
        self.today = timezone.localdate()
        host, day = request.get_host(), self.today.isoformat()
        what = "\n".join([VERSION, request.scheme, host, request.path, variant, day])
        self.digest = hashlib.sha256(what.encode()).hexdigest()[:16]
        self.position = current.position
        self.gaps = [tuple(gap) for gap in current.gaps()]
        self.etag = f'W/"p{self.position}g{_encode_gaps(self.gaps)}d{self.digest}"'
        midnight = timezone.make_aware(
            datetime.datetime.combine(self.today, datetime.time())
        )
        self.last_modified = max(
            _version_time(current, (self.position, tuple(self.gaps))), midnight
        )

    def client_is_current(self):
        """Whether the client's copy (by If-None-Match, else If-Modified-Since)
        is what this answer would be."""
        if_none_match = self.request.headers.get("If-None-Match")
        if if_none_match is not None:
            return any(self._still_valid(tag) for tag in parse_etags(if_none_match))
        since = parse_http_date_safe(self.request.headers.get("If-Modified-Since", ""))
        return since is not None and self.last_modified.timestamp() <= since

    def _still_valid(self, tag):
        if tag == "*":
            return True  # the answer exists: that is all "*" asks
        match = _ETAG.match(tag if tag.startswith("W/") else f"W/{tag}")
        if match is None or match[3] != self.digest:
            return False
        position, gaps = int(match[1]), _decode_gaps(match[2])
        if gaps is None:
            return False
        if (position, gaps) == (self.position, self.gaps):
            return True
        unseen = self.current.changes_since(position, gaps)
        if unseen is None:
            return False  # older than what this board remembers
        return not any(
            self.dependency.affected_by(change, self.current) for change in unseen
        )

    def stamp(self, response):
        response["ETag"] = self.etag
        response["Last-Modified"] = http_date(self.last_modified.timestamp())
        response["Cache-Control"] = CACHE_CONTROL
        return response

    def not_modified(self):
        return self.stamp(HttpResponseNotModified())

    def answer(self, build):
        """304 Not Modified while the client's copy is current; otherwise
        ``build()``'s data, stamped. ``build`` runs only for a full answer,
        so a 304 reads nothing beyond the board's change log."""
        if self.client_is_current():
            return self.not_modified()
        return self.stamp(Response(build()))
