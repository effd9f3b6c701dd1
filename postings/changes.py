"""The log of changes to what the public pages show, and reading it back.

Public pages are answered from each app process's in-memory board
(postings.board) and from a page cache shared by the processes
(postings.caching). A change made in one process (an HR edit, an import)
must reach every other one, so each change is written to BoardChange in the
same transaction as the change itself, and every process reads the log's
new entries before it answers a request: a change is visible to the next
request after it commits, in any process.

Changes are recorded from model signals (post_save and post_delete), not by
calls in each code path that writes: the admin and its inlines, the
importers, history restores, simple-history's own views and a shell all
save through the ORM, and the guarantee "every change is on the next page"
must not depend on each of them remembering a call (simple-history records
its history the same way, for the same reason). Writes that bypass signals
(bulk loads with COPY) call ``record_reload`` explicitly.
"""

import datetime
import time
from dataclasses import dataclass

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from .models import (
    BoardChange,
    Certificate,
    Department,
    DepartmentDescription,
    Duty,
    Institution,
    Location,
    Posting,
    PostingCertificate,
    PostingLocation,
    PostingSearch,
    Requirement,
    RoleDescription,
    RoleDescriptionItem,
)

Kind = BoardChange.Kind

# Entries are kept this long; a process that has been idle for longer
# reloads its board instead of replaying the log.
KEPT_FOR = datetime.timedelta(days=1)
# An id below the newest one read but not yet seen belongs to a transaction
# still running (or rolled back); it is looked for again this long.
GAP_PATIENCE = 15 * 60  # seconds
PURGE_EVERY = 1000  # entries

# What each model's change is a change of: (kind, the id it names).
_RECORDED = {
    Posting: (Kind.POSTING, "pk"),
    Duty: (Kind.POSTING, "posting_id"),
    Requirement: (Kind.POSTING, "posting_id"),
    PostingLocation: (Kind.POSTING, "posting_id"),
    PostingCertificate: (Kind.POSTING, "posting_id"),
    # The search document is written after the items: a reader that caught
    # the posting's change before it must read the posting again.
    PostingSearch: (Kind.POSTING, "posting_id"),
    Institution: (Kind.INSTITUTION, "pk"),
    Department: (Kind.DEPARTMENT, "pk"),
    Location: (Kind.LOCATION, "pk"),
    Certificate: (Kind.CERTIFICATE, "pk"),
    RoleDescription: (Kind.REFERENCE, "pk"),
    RoleDescriptionItem: (Kind.REFERENCE, "role_id"),
    DepartmentDescription: (Kind.REFERENCE, "pk"),
}


def record(kind, object_id=None):
    """Log one change, in the current transaction."""
    entry = BoardChange.objects.create(kind=kind, object_id=object_id)
    if entry.pk % PURGE_EVERY == 0:
        purge()
    return entry


def record_postings(posting_ids):
    """Log changes to many postings, written in bulk (no save signals)."""
    BoardChange.objects.bulk_create(
        [BoardChange(kind=Kind.POSTING, object_id=pk) for pk in posting_ids],
        batch_size=2000,
    )


def record_reload():
    """Log that many postings changed at once (a bulk load): every process
    reloads its board, and every cached page is stale."""
    return record(Kind.RELOAD)


def purge(now=None):
    """Forget entries older than KEPT_FOR."""
    horizon = (now or timezone.now()) - KEPT_FOR
    BoardChange.objects.filter(created_at__lt=horizon).delete()


def _on_change(sender, instance, **kwargs):
    kind, attribute = _RECORDED[sender]
    record(kind, getattr(instance, attribute))


def connect_signals():
    for model in _RECORDED:
        uid = f"board-change-{model._meta.label_lower}"
        post_save.connect(_on_change, sender=model, dispatch_uid=uid)
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}-delete")


@dataclass(frozen=True)
class Entry:
    id: int
    kind: str
    object_id: int | None


class Reader:
    """The log's entries in order of id, each exactly once, however the
    transactions that wrote them interleave.

    Ids are handed out when an entry is written, not when its transaction
    commits, so a reader can see id 12 before id 11 commits. The ids below
    the newest one seen that have not been seen are gaps, kept as ranges and
    asked for again until they appear or GAP_PATIENCE passes (their
    transaction rolled back, or never wrote them).
    """

    def __init__(self):
        self.position = 0
        self._gaps = []  # [first id, last id, when missed], in id order

    def start(self):
        """Begin at the log's end (the caller loads everything up to it)."""
        self.position = (
            BoardChange.objects.aggregate(newest=models.Max("id"))["newest"] or 0
        )
        self._gaps = []
        return self.position

    def behind_log(self):
        """Whether entries this reader never saw may have been purged."""
        oldest = BoardChange.objects.aggregate(oldest=models.Min("id"))["oldest"]
        return oldest is not None and oldest > self.position + 1

    def new_entries(self):
        """Entries committed since the last call, oldest first."""
        now = time.monotonic()
        self._gaps = [gap for gap in self._gaps if now - gap[2] < GAP_PATIENCE]
        wanted = models.Q(id__gt=self.position)
        for first, last, _ in self._gaps:
            wanted |= models.Q(id__range=(first, last))
        found = [
            Entry(*row)
            for row in BoardChange.objects.filter(wanted)
            .order_by("id")
            .values_list("id", "kind", "object_id")
        ]
        seen = [entry.id for entry in found]
        self._gaps = _without(self._gaps, seen)
        newer = [pk for pk in seen if pk > self.position]
        previous = self.position
        for pk in newer:
            if pk > previous + 1:
                self._gaps.append([previous + 1, pk - 1, now])
            previous = pk
        self.position = previous
        return found


def _without(gaps, ids):
    """The gap ranges with the given ids taken out of them."""
    if not ids or not gaps:
        return gaps
    remaining = []
    for first, last, since in gaps:
        inside = [pk for pk in ids if first <= pk <= last]
        for pk in inside:
            if pk > first:
                remaining.append([first, pk - 1, since])
            first = pk + 1
        if first <= last:
            remaining.append([first, last, since])
    return remaining
