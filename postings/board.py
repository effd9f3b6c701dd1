"""The board in memory: every posting's filter and sort values, column by
column, so a listing's page, its exact total and its facet counts come from
a few vector operations instead of SQL over the whole table.

Counting hundreds of thousands of matches, or grouping them nine ways, costs
PostgreSQL seconds; the same counts over numpy columns of a million rows
cost milliseconds. Each app process keeps one Board:

- it is loaded once (a few seconds at a million postings) and then kept
  current from the change log (postings.changes): before a request reads
  it, the log's new entries are applied (read at most every
  settings.BOARD_FRESHNESS seconds), so a change is on every page in every
  process within that bound;
- its columns come from PostingFilter's declarations (postings.filters): a
  filter names the field it reads, and the board loads that field, straight
  from the posting, through a foreign key, or through an item table;
- the result of a filter combination (its rows, total and facet counts) is
  kept, shared by every page and sort of that combination, and kept exact
  as postings change: each change moves the counts of the old and the new
  version of the posting, instead of counting again;
- the postings a keyword matches are found once through the search index
  (postings.search) and kept the same way, each change rechecking the
  changed posting's text.

Memory is about 150 bytes per posting plus the kept results (a bit per
posting each), so a million postings take some 200 MB per process.
"""

import datetime
import itertools
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import connection, connections
from django.db.models import Q

from . import changes, search
from .filters import (
    CandidateFilter,
    InstitutionFilter,
    PostingFilter,
    ValuesFilter,
    mask_of,
    passes,
)
from .models import (
    BoardChange,
    Department,
    Institution,
    Posting,
    PostingLocation,
    PostingSearch,
)

EPOCH = datetime.date(1970, 1, 1).toordinal()
FAR = 2**16 - 1  # "no deadline": a day after any real one
PUBLISHED = 1
STATUS_CODES = {
    Posting.Status.DRAFT: 0,
    Posting.Status.PUBLISHED: PUBLISHED,
    Posting.Status.CLOSED: 2,
}
GONE = -1  # a deleted posting's status
ID_LIMIT = 2**31 - 1

KEPT_RESULTS = 64  # filter combinations kept per process
KEPT_KEYWORDS = 64  # keyword queries kept per process
KEPT_CHANGES = 20_000  # recent changes, for the page cache to check against
RELOAD_ABOVE = 5_000  # postings changed at once: reload rather than patch
SMALL_RESULT = 20_000  # rows sorted directly rather than walked in order
FEW_ROWS = 64  # postings edited at once whose item pairs are patched in place
PAIR_SHIFT = 2**31  # a (row, code) pair as one sortable integer
LOAD_CHUNK = 50_000


def _day(date):
    return -1 if date is None else date.toordinal() - EPOCH


def _date(day):
    return None if day < 0 else datetime.date.fromordinal(day + EPOCH)


class Vocabulary:
    """Distinct values of a column; a value's code is its index + 1, and 0
    means "none", so codes index count arrays directly."""

    def __init__(self):
        self.values = [None]
        self._codes = {}

    def code(self, value):
        if value in (None, ""):
            return 0
        code = self._codes.get(value)
        if code is None:
            code = self._codes[value] = len(self.values)
            self.values.append(value)
        return code

    def codes(self, values):
        return [self._codes[v] for v in values if v in self._codes]

    def codes_of_all(self, values):
        """The code of every value, in order, adding the new ones."""
        known = self._codes.get
        codes = [known(v) for v in values]
        for index, code in enumerate(codes):
            if code is None:
                codes[index] = self.code(values[index])
        return codes

    def __len__(self):
        return len(self.values)

    def lookup(self, values):
        """A table of flags: which codes are among ``values``."""
        table = np.zeros(len(self.values), dtype=bool)
        table[self.codes(values)] = True
        return table


class Growing:
    """Per-row arrays with spare room, so new postings are appended in
    place rather than copying every column each time."""

    def __init__(self, capacity):
        self.capacity = capacity
        self._arrays = {}

    def add(self, name, dtype, fill):
        self._arrays[name] = (np.full(self.capacity, fill, dtype=dtype), fill)
        return self._arrays[name][0]

    def get(self, name):
        return self._arrays[name][0]

    def grow(self, needed):
        if needed <= self.capacity:
            return False
        self.capacity = max(needed, int(self.capacity * 1.5) + 1024)
        for name, (array, fill) in self._arrays.items():
            bigger = np.full(self.capacity, fill, dtype=array.dtype)
            bigger[: len(array)] = array
            self._arrays[name] = (bigger, fill)
        return True


# --- Columns: one per declared filter -----------------------------------------------


def _resolve(path):
    """Where the values at ``path`` live, seen from a posting.

    ("field", name): a field of the posting (grade);
    ("foreign", key, model, attribute): through a foreign key (employer__name);
    ("items", item model, posting key, key, model, attribute): through an item
    table (posting_locations__location__province).
    """
    parts = path.split("__")
    first = Posting._meta.get_field(parts[0])
    if first.one_to_many:
        items = first.related_model
        key = items._meta.get_field(parts[1])
        return (
            "items",
            items,
            first.field.attname,
            key.attname,
            key.related_model,
            parts[2],
        )
    if first.many_to_one:
        return ("foreign", first.attname, first.related_model, parts[1])
    return ("field", first.attname)


def _sorted_pairs(rows, codes):
    """(rows, codes) of (posting row, value code) pairs, unique and sorted
    by row: the order that lets an edit find a posting's pairs by bisection.
    Code 0 (no value) and row -1 (a posting not on the board) are dropped."""
    rows = np.asarray(rows, dtype=np.int64)
    codes = np.asarray(codes, dtype=np.int64)
    keep = (codes > 0) & (rows >= 0)
    unique = np.unique(rows[keep] * PAIR_SHIFT + codes[keep])
    return (
        (unique // PAIR_SHIFT).astype(np.int32),
        (unique % PAIR_SHIFT).astype(np.int32),
    )


class ValuesColumn:
    """The values a filter reads, for every posting: one code per posting,
    or (posting, code) pairs where a posting holds several."""

    def __init__(self, board, path):
        self.board = board
        self.path = path
        self.source = _resolve(path)
        self.vocabulary = Vocabulary()
        self.many = self.source[0] == "items"
        self.key_codes = np.zeros(0, dtype=np.int32)  # foreign key -> code

    # Loading --------------------------------------------------------------------------

    def load_lookup(self):
        kind = self.source[0]
        if kind == "field":
            return
        model, attribute = self.source[-2], self.source[-1]
        pairs = list(model.objects.values_list("pk", attribute))
        size = max((pk for pk, _ in pairs), default=0) + 1
        key_codes = np.zeros(size, dtype=np.int32)
        for pk, value in pairs:
            key_codes[pk] = self.vocabulary.code(value)
        self.key_codes = key_codes

    def code_keys(self, keys):
        """Codes for an array of foreign keys (-1: none)."""
        keys = np.asarray(keys, dtype=np.int64)
        codes = np.zeros(len(keys), dtype=np.int32)
        known = (keys >= 0) & (keys < len(self.key_codes))
        codes[known] = self.key_codes[keys[known]]
        return codes

    def set_pairs(self, rows, keys):
        self.pair_rows, self.pair_codes = _sorted_pairs(rows, self.code_keys(keys))

    def replace_rows(self, rows, pair_rows, keys):
        """Make the pairs of ``rows`` (sorted) the given ones.

        Pairs are kept sorted by row, so each edited posting's pairs are a
        slice found by bisection: an edit at a million postings touches its
        own pairs (in place when their number is unchanged, the usual case)
        instead of scanning and rebuilding whole columns."""
        new_rows, new_codes = _sorted_pairs(pair_rows, self.code_keys(keys))
        rows = np.asarray(rows, dtype=self.pair_rows.dtype)  # see values_of
        if len(rows) > FEW_ROWS:
            kept = ~np.isin(self.pair_rows, rows)
            self.pair_rows, self.pair_codes = _sorted_pairs(
                np.concatenate([self.pair_rows[kept], new_rows]),
                np.concatenate([self.pair_codes[kept], new_codes]),
            )
            return
        starts = np.searchsorted(self.pair_rows, rows, "left")
        ends = np.searchsorted(self.pair_rows, rows, "right")
        new_starts = np.searchsorted(new_rows, rows, "left")
        new_ends = np.searchsorted(new_rows, rows, "right")
        if np.array_equal(ends - starts, new_ends - new_starts):
            for start, end, new_start in zip(
                starts.tolist(), ends.tolist(), new_starts.tolist(), strict=True
            ):
                self.pair_codes[start:end] = new_codes[
                    new_start : new_start + end - start
                ]
            return
        pieces_rows, pieces_codes, previous = [], [], 0
        for start, end, new_start, new_end in zip(
            starts.tolist(),
            ends.tolist(),
            new_starts.tolist(),
            new_ends.tolist(),
            strict=True,
        ):
            pieces_rows += [self.pair_rows[previous:start], new_rows[new_start:new_end]]
            pieces_codes += [
                self.pair_codes[previous:start],
                new_codes[new_start:new_end],
            ]
            previous = end
        self.pair_rows = np.concatenate([*pieces_rows, self.pair_rows[previous:]])
        self.pair_codes = np.concatenate([*pieces_codes, self.pair_codes[previous:]])

    @property
    def codes(self):
        return self.board.rows.get(self.path)

    # Reading --------------------------------------------------------------------------

    def has_any(self, values):
        table = self.vocabulary.lookup(values)
        size = self.board.size
        if not self.many:
            return table[self.codes[:size]]
        mask = np.zeros(size, dtype=bool)
        mask[self.pair_rows[table[self.pair_codes]]] = True
        return mask

    def count(self, mask):
        """{value: postings} among the rows of ``mask``."""
        if self.many:
            counted = np.bincount(
                self.pair_codes[mask[self.pair_rows]], minlength=len(self.vocabulary)
            )
        else:
            counted = np.bincount(
                self.codes[: self.board.size][mask], minlength=len(self.vocabulary)
            )
        values = self.vocabulary.values
        return {
            values[code]: int(counted[code])
            for code in (np.flatnonzero(counted[1:]) + 1).tolist()
        }

    def values_of(self, row):
        values = self.vocabulary.values
        if not self.many:
            code = self.codes[row]
            return frozenset([values[code]]) if code else frozenset()
        # The row in the column's own type: a mixed search would convert the
        # whole column first.
        start, end = np.searchsorted(
            self.pair_rows, np.array([row, row + 1], dtype=self.pair_rows.dtype)
        )
        return frozenset(values[code] for code in self.pair_codes[start:end].tolist())


class InstitutionColumn(ValuesColumn):
    """A posting's institution, where choosing an institution means it and
    every institution below it."""

    def load_lookup(self):
        super().load_lookup()
        self.parents = dict(Institution.objects.values_list("pk", "parent_id"))
        self.names = dict(Institution.objects.values_list("pk", "name"))
        self.children = {}
        for pk, parent in self.parents.items():
            self.children.setdefault(parent, []).append(pk)
        self.department_institutions = dict(
            Department.objects.values_list("pk", "institution_id")
        )

    def employer_of(self, institution_id):
        node, seen = institution_id, set()
        while self.parents.get(node) is not None and node not in seen:
            seen.add(node)
            node = self.parents[node]
        return node if node in self.parents else None

    def _subtree(self, names):
        found, frontier = (
            set(),
            [pk for pk, name in self.names.items() if name in names],
        )
        while frontier:
            pk = frontier.pop()
            if pk not in found:
                found.add(pk)
                frontier.extend(self.children.get(pk, ()))
        return found

    def _keys(self):
        return self.board.rows.get("institution_id")[: self.board.size]

    def in_subtrees(self, names):
        table = np.zeros(len(self.key_codes), dtype=bool)
        table[list(self._subtree(set(names)))] = True
        keys = self._keys()
        return table[np.clip(keys, 0, len(table) - 1)] & (keys >= 0)

    def lineage(self, institution_id):
        names, node = set(), institution_id
        while node is not None:
            names.add(self.names.get(node))
            node = self.parents.get(node)
        names.discard(None)
        return frozenset(names)

    def count_subtrees(self, mask):
        """{name: postings of it or any institution below it}."""
        per_institution = np.bincount(self._keys()[mask], minlength=len(self.key_codes))
        counts = {}
        for pk in np.flatnonzero(per_institution).tolist():
            for name in self.lineage(pk):
                counts[name] = counts.get(name, 0) + int(per_institution[pk])
        return counts


class NumberColumn:
    """A posting's stated number (an education level, years, an age), -1
    where none is stated."""

    def __init__(self, board, name):
        self.board, self.name = board, name

    @property
    def values(self):
        return self.board.rows.get(self.name)[: self.board.size]

    def allows(self, candidate, *, floor):
        values = self.values
        met = values <= candidate if floor else values >= candidate
        return (values < 0) | met

    def count(self, mask):
        counted = np.bincount(self.values[mask] + 1)
        return {
            (None if index == 0 else index - 1): int(counted[index])
            for index in np.flatnonzero(counted).tolist()
        }


# --- One posting's facts -------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the filters read of one posting, for testing it alone."""

    posting_id: int
    status: int
    published_day: int
    until_day: int
    values: dict  # field path -> frozenset of values
    lineage: frozenset  # names of its institution and those above it
    numbers: dict  # field -> stated number or None
    keywords: dict = field(default_factory=dict)  # terms -> whether it holds them
    employer_id: int | None = None
    institution_id: int | None = None
    department_id: int | None = None
    title: str = ""
    # It asks what only the candidate can confirm (a certificate, shift
    # work, a home in the area): see eligibility.
    to_confirm: bool = False

    @property
    def published_on(self):
        return _date(self.published_day)

    def is_open_on(self, date):
        day = _day(date)
        return (
            self.status == PUBLISHED
            and 0 <= self.published_day <= day
            and self.until_day >= day
        )


@dataclass(frozen=True)
class Change:
    """A change the board applied: the log entries it came from, and for a
    posting its facts before (None: it is new) and after (None: deleted)."""

    entry_ids: tuple
    kind: str
    object_id: int | None
    before: Facts | None = None
    after: Facts | None = None
    position_after: int = 0  # the board's log position once it was applied
    # When this process applied it (time.monotonic()): how long a page it
    # affects has been out of date here (see caching, PAGE_STALE_FOR).
    applied_at: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class Summary:
    total: int
    counts: dict  # filter name -> {value: postings}


# --- Results --------------------------------------------------------------------------


class Result:
    """A filter combination's postings on one day: their rows, total and
    counts per facet, kept exact as postings change."""

    def __init__(self, board, filterset, date):
        self.board, self.filterset, self.date = board, filterset, date
        self.day = _day(date)
        self.active = filterset.active()
        self.terms = tuple(search.terms(filterset.keyword))
        self.counted = [
            (name, filter_)
            for name, filter_ in PostingFilter.base_filters.items()
            if getattr(filter_, "has_counts", False)
        ]
        masks = {
            name: filter_.mask(board, value) for name, filter_, value in self.active
        }
        readers = [
            (name, filter_, value)
            for name, filter_, value in self.active
            if getattr(filter_, "reads_other_filters", False)
        ]
        unread = board.open_mask(date).copy()
        for name, filter_, _ in self.active:
            if not getattr(filter_, "has_counts", False) and (
                name not in {reader for reader, _, _ in readers}
            ):
                unread &= masks[name]
        base = unread.copy()
        for reader, _, _ in readers:
            base &= masks[reader]
        faceted = [
            name for name, f, _ in self.active if getattr(f, "has_counts", False)
        ]
        result = base.copy()
        for name in faceted:
            result &= masks[name]
        self.rows = result
        self.total = int(np.count_nonzero(result))
        self.counts = {}
        for name, filter_ in self.counted:
            if name in faceted or readers:
                others = unread.copy()
                # A filter reading this facet's value asks again without it.
                for _, reading, value in readers:
                    others &= mask_of(reading, board, value, name)
                for other in faceted:
                    if other != name:
                        others &= masks[other]
            else:
                others = result
            self.counts[name] = filter_.count(board, others)

    def _passes(self, facts, skip=None):
        if facts is None or not facts.is_open_on(self.date):
            return False
        return all(
            passes(filter_, facts, value, skip)
            for name, filter_, value in self.active
            if name != skip
        )

    def apply(self, change, row):
        """Move the counts from the posting's old version to its new one."""
        for facts, step in ((change.before, -1), (change.after, 1)):
            if facts is None:
                continue
            if self._passes(facts):
                self.total += step
            for name, filter_ in self.counted:
                if not self._passes(facts, skip=name):
                    continue
                counts = self.counts[name]
                for value in filter_.facts_values(facts):
                    counts[value] = counts.get(value, 0) + step
                    if counts[value] <= 0:
                        counts.pop(value)
        if row is not None:
            self.rows = self.board.fit(self.rows)
            self.rows[row] = self._passes(change.after)

    def page(self, sort, offset, limit):
        """Posting ids of rows ``offset`` … ``offset + limit`` in ``sort`` order."""
        from .filters import SORT

        board = self.board
        rows = board.fit(self.rows)
        terms = search.terms(self.filterset.keyword)
        if sort == SORT.RELEVANCE and terms:
            in_title = rows & board.title_mask(terms)
            first = board.ordered_rows(in_title, SORT.NEWEST, offset, limit)
            titled = int(np.count_nonzero(in_title))
            rest_offset = max(0, offset - titled)
            rest = board.ordered_rows(
                rows & ~in_title, SORT.NEWEST, rest_offset, limit - len(first)
            )
            found = [*first, *rest]
        else:
            if sort == SORT.RELEVANCE:
                sort = SORT.NEWEST
            found = board.ordered_rows(rows, sort, offset, limit)
        return board.ids[np.asarray(found, dtype=np.int64)].tolist()


# --- The board ------------------------------------------------------------------------


# Unique across every board of the process, so what was kept for one board's
# postings (rendered cards) is never taken for another's after a reload.
_generations = itertools.count(1)


def _counted_filters():
    return [
        (name, filter_)
        for name, filter_ in PostingFilter.base_filters.items()
        if isinstance(filter_, ValuesFilter | CandidateFilter)
    ]


class Board:
    def __init__(self):
        self.lock = threading.RLock()
        self.reader = changes.Reader()
        self.recent = deque()
        # The changes applied, guarded on their own: a cached page is checked
        # against them while an edit is being applied (tens of milliseconds
        # at a million postings) under the board's lock.
        self.recent_lock = threading.Lock()
        self.sync_lock = threading.Lock()  # one thread reads the log at a time
        self._results = OrderedDict()
        self._keywords = OrderedDict()
        self._titles = OrderedDict()
        self.load()

    # Loading --------------------------------------------------------------------------

    def load(self):
        with self.lock:
            self.read_at = time.monotonic()
            self.position = self.reader.start()
            self._seen_gaps = self._reader_gaps()
            # Changes up to here are in what is loaded; a page built before
            # it cannot be checked against them.
            with self.recent_lock:
                self.complete_after = self.position
                self.recent.clear()
            self.generation = next(_generations)
            self._results.clear()
            self._keywords.clear()
            self._titles.clear()
            self._open = None
            self.columns = {}
            self.numbers = {}
            for _, filter_ in _counted_filters():
                if isinstance(filter_, CandidateFilter):
                    self.numbers[filter_.field_name] = NumberColumn(
                        self, filter_.field_name
                    )
                else:
                    kind = (
                        InstitutionColumn
                        if isinstance(filter_, InstitutionFilter)
                        else ValuesColumn
                    )
                    self.columns[filter_.field_name] = kind(self, filter_.field_name)
            self.titles = Vocabulary()
            self._normalised_titles = [""]
            self.hierarchy = next(
                (c for c in self.columns.values() if isinstance(c, InstitutionColumn)),
                None,
            )
            for column in self.columns.values():
                column.load_lookup()
            self._load_postings()
            self._order = {}
            self._order_dirty = set(SORT_KEYS)

    def _posting_fields(self):
        fields = [
            "pk", "status", "published_on", "closes_on", "headcount", "title",
            "employer_id", "institution_id", "department_id",
        ]  # fmt: skip
        for column in self.columns.values():
            if (
                column.source[0] in ("field", "foreign")
                and column.source[1] not in fields
            ):
                fields.append(column.source[1])
        fields += [name for name in self.numbers if name not in fields]
        return fields

    def _load_postings(self):
        fields = self._posting_fields()
        expected = Posting.objects.count()
        self.size = 0
        self.rows = Growing(expected + 1024)
        self._add_arrays()
        # A chunk of ids at a time, so only one chunk's rows are in memory.
        last = 0
        while True:
            chunk = _fetch(
                Posting.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list(*fields)[:LOAD_CHUNK]
            )
            self._append(fields, chunk)
            if len(chunk) < LOAD_CHUNK:
                break
            last = chunk[-1][0]
        self._index_ids()
        pairs_of = {}  # one read per item table (locations serve two filters)
        for column in self.columns.values():
            if column.many:
                items, posting_key, key = column.source[1:4]
                if (items, key) not in pairs_of:
                    pairs_of[items, key] = _pairs(
                        items.objects.order_by().values_list(posting_key, key)
                    )
                posting_ids, keys = pairs_of[items, key]
                column.set_pairs(self.rows_of_ids(posting_ids), keys)
        self._mark_located()
        self._mark_to_confirm()

    def _append(self, fields, chunk):
        if not chunk:
            return
        start = self.size
        self.size += len(chunk)
        self.rows.grow(self.size)
        columns = dict(zip(fields, zip(*chunk, strict=True), strict=True))
        self._write_rows(np.arange(start, self.size), columns)

    def _add_arrays(self):
        rows = self.rows
        rows.add("id", np.int64, 0)
        rows.add("status", np.int8, GONE)
        rows.add("published", np.int32, -1)
        rows.add("until", np.int32, FAR)
        rows.add("headcount", np.int32, -1)
        rows.add("title", np.int32, 0)
        rows.add("located", np.int8, 0)
        rows.add("to_confirm", np.int8, 0)
        rows.add("version", np.int64, 0)  # the last log entry that changed it
        for name in ("employer_id", "institution_id", "department_id"):
            rows.add(name, np.int64, -1)
        for path, column in self.columns.items():
            if not column.many:
                rows.add(path, np.int32, 0)
        for name in self.numbers:
            rows.add(name, np.int16, -1)

    def _write_rows(self, rows, values):
        """Write posting values (lists per field, in ``rows`` order)."""
        if len(rows) == 0:
            return
        arrays = self.rows
        ids = np.asarray(values["pk"], dtype=np.int64)
        if ids.max() > ID_LIMIT:
            raise OverflowError("posting ids beyond 2**31 are not supported")
        arrays.get("id")[rows] = ids
        arrays.get("status")[rows] = [
            STATUS_CODES.get(s, GONE) for s in values["status"]
        ]
        arrays.get("published")[rows] = _days(values["published_on"], -1)
        arrays.get("until")[rows] = _days(values["closes_on"], FAR)
        arrays.get("headcount")[rows] = _numbers(values["headcount"])
        first_new = len(self.titles)
        arrays.get("title")[rows] = self.titles.codes_of_all(values["title"])
        self._normalised_titles += [
            search.normalize(title) for title in self.titles.values[first_new:]
        ]
        for name in ("employer_id", "institution_id", "department_id"):
            arrays.get(name)[rows] = _numbers(values[name])
        for path, column in self.columns.items():
            if column.many:
                continue
            if column.source[0] == "field":
                codes = column.vocabulary.codes_of_all(values[column.source[1]])
            else:
                codes = column.code_keys(_numbers(values[column.source[1]]))
            arrays.get(path)[rows] = codes
        for name in self.numbers:
            arrays.get(name)[rows] = _numbers(values[name])

    def _index_ids(self):
        ids = self.rows.get("id")[: self.size]
        self._id_order = np.argsort(ids, kind="stable")
        self._sorted_ids = ids[self._id_order]

    def _index_new_ids(self, new_ids, first_row):
        """Add appended rows to the id index: usually just at its end."""
        if len(self._sorted_ids) and new_ids[0] <= self._sorted_ids[-1]:
            self._index_ids()
            return
        self._sorted_ids = np.concatenate([self._sorted_ids, new_ids])
        self._id_order = np.concatenate(
            [self._id_order, np.arange(first_row, first_row + len(new_ids))]
        )

    def rows_of_ids(self, posting_ids):
        """Rows of the given posting ids (-1 for ids not on the board)."""
        posting_ids = np.asarray(posting_ids, dtype=np.int64)
        if len(self._sorted_ids) == 0:
            return np.full(len(posting_ids), -1, dtype=np.int64)
        places = np.searchsorted(self._sorted_ids, posting_ids)
        places = np.clip(places, 0, len(self._sorted_ids) - 1)
        found = self._sorted_ids[places] == posting_ids
        return np.where(found, self._id_order[places], -1)

    def _mark_located(self, posting_ids=None):
        self._mark("located", _located_ids(posting_ids))

    def _mark_to_confirm(self, posting_ids=None):
        self._mark("to_confirm", _to_confirm_ids(posting_ids))

    def _mark(self, name, posting_ids):
        rows = self.rows_of_ids(posting_ids)
        self.rows.get(name)[rows[rows >= 0]] = 1

    @property
    def ids(self):
        return self.rows.get("id")[: self.size]

    def to_confirm(self):
        return self.rows.get("to_confirm")[: self.size].astype(bool)

    def fit(self, mask):
        """``mask`` sized to the board's rows (new postings appended since)."""
        if len(mask) == self.size:
            return mask
        grown = np.zeros(self.size, dtype=bool)
        grown[: len(mask)] = mask[: self.size]
        return grown

    # What filters read ----------------------------------------------------------------

    def column(self, path):
        return self.columns[path]

    def number(self, name):
        return self.numbers[name]

    def open_mask(self, date):
        day = _day(date)
        if (
            self._open is None
            or self._open[0] != day
            or len(self._open[1]) != self.size
        ):
            rows = self.rows
            size = self.size
            published = rows.get("published")[:size]
            mask = (
                (rows.get("status")[:size] == PUBLISHED)
                & (published >= 0)
                & (published <= day)
                & (rows.get("until")[:size] >= day)
            )
            self._open = (day, mask)
        return self._open[1]

    def published_in_weeks(self, mondays):
        days = self.rows.get("published")[: self.size]
        mask = np.zeros(self.size, dtype=bool)
        for monday in mondays:
            first = _day(monday)
            mask |= (days >= first) & (days <= first + 6)
        return mask

    def keyword(self, terms):
        """Rows whose text holds every term, found once and then kept."""
        key = tuple(terms)
        if not key:
            return np.ones(self.size, dtype=bool)
        kept = self._keywords.get(key)
        if kept is None:
            posting_ids = np.fromiter(
                search.matching_documents(list(key)).values_list(
                    "posting_id", flat=True
                ),
                dtype=np.int64,
            )
            rows = self.rows_of_ids(posting_ids)
            kept = np.zeros(self.size, dtype=bool)
            kept[rows[rows >= 0]] = True
            self._keywords[key] = kept
            while len(self._keywords) > KEPT_KEYWORDS:
                evicted, _ = self._keywords.popitem(last=False)
                # A kept result's counts follow changes through its keyword.
                for result_key, result in list(self._results.items()):
                    if result.terms == evicted:
                        del self._results[result_key]
        else:
            self._keywords.move_to_end(key)
        kept = self.fit(kept)
        self._keywords[key] = kept
        return kept

    def title_mask(self, terms):
        """Rows whose title holds every term (kept with the keyword's rows)."""
        key = tuple(terms)
        kept = self._titles.get(key)
        if kept is None or len(kept) != self.size:
            kept = self._titles[key] = self._title_mask(terms)
            while len(self._titles) > KEPT_KEYWORDS:
                self._titles.popitem(last=False)
        return kept

    def _title_mask(self, terms):
        table = np.array(
            [
                bool(title) and all(term in title for term in terms)
                for title in self._normalised_titles
            ],
            dtype=bool,
        )
        return table[self.rows.get("title")[: self.size]]

    # Results --------------------------------------------------------------------------

    def summary(self, filterset, date):
        """The combination's total and its counts per facet, on ``date``."""
        with self.lock:
            result = self.result(filterset, date)
            return Summary(
                total=result.total,
                counts={name: dict(counts) for name, counts in result.counts.items()},
            )

    def page(self, filterset, date, *, sort, offset, limit):
        """Posting ids of one page of the combination's result."""
        with self.lock:
            return self.result(filterset, date).page(sort, offset, limit)

    def open_postings(self, date, *, institutions=None, department=None, limit=50):
        """How many postings of these institutions (ids) or this department
        are open on ``date``, and the newest ``limit`` of them: the pages of
        an institution and of a department."""
        with self.lock:
            mask = self.open_mask(date).copy()
            if institutions is not None:
                keys = self.rows.get("institution_id")[: self.size]
                mask &= np.isin(keys, list(institutions))
            if department is not None:
                mask &= self.rows.get("department_id")[: self.size] == department
            rows = self.ordered_rows(mask, "newest", 0, limit)
            return int(np.count_nonzero(mask)), self.ids[rows].tolist()

    def open_ids(self, date):
        """The ids of every posting open on ``date``, ascending (the sitemaps)."""
        with self.lock:
            return np.sort(self.ids[self.open_mask(date)])

    # Tallies for the insights page: postings, stated headcount and postings
    # of unstated headcount (若干), by the values of one filter.

    def mask_of(self, filterset, date, *, without=None):
        """Rows open on ``date`` that pass every active filter but ``without``."""
        mask = self.open_mask(date).copy()
        for name, filter_, value in filterset.active():
            if name != without:
                mask &= mask_of(filter_, self, value, without)
        return mask

    def _tally(self, keys, rows, size):
        headcount = self.rows.get("headcount")[: self.size][rows]
        known = headcount >= 0
        postings = np.bincount(keys, minlength=size)
        stated = np.bincount(keys[known], weights=headcount[known], minlength=size)
        unknown = np.bincount(keys[~known], minlength=size)
        return {
            int(key): (int(postings[key]), int(stated[key]), int(unknown[key]))
            for key in np.flatnonzero(postings).tolist()
        }

    def tally_total(self, mask):
        return self._tally(
            np.zeros(int(np.count_nonzero(mask)), np.int64), np.flatnonzero(mask), 1
        ).get(0, (0, 0, 0))

    def tally_values(self, mask, path):
        """{value: tally} of a filter's column; a posting with several values
        counts once under each."""
        column = self.columns[path]
        if column.many:
            chosen = mask[column.pair_rows]
            rows, codes = column.pair_rows[chosen], column.pair_codes[chosen]
        else:
            rows = np.flatnonzero(mask)
            codes = column.codes[: self.size][rows]
        counted = self._tally(codes, rows, len(column.vocabulary))
        return {column.vocabulary.values[code]: n for code, n in counted.items()}

    def tally_institutions(self, mask):
        """{institution id: tally} of the postings' own institutions."""
        rows = np.flatnonzero(mask)
        keys = self.rows.get("institution_id")[: self.size][rows]
        return self._tally(keys, rows, int(keys.max(initial=0)) + 1)

    def tally_numbers(self, mask, name):
        """{stated number or None: tally} of a candidate filter's field."""
        rows = np.flatnonzero(mask)
        values = self.numbers[name].values[rows].astype(np.int64) + 1
        counted = self._tally(values, rows, int(values.max(initial=0)) + 1)
        return {(None if key == 0 else key - 1): n for key, n in counted.items()}

    def tally_weeks(self, mask):
        """{Monday of the week published: tally}."""
        rows = np.flatnonzero(mask)
        days = self.rows.get("published")[: self.size][rows].astype(np.int64)
        rows, days = rows[days >= 0], days[days >= 0]
        # 1970-01-01 was a Thursday: a day's Monday is 3 days before its
        # week-of-1970 boundary.
        mondays = days - (days + 3) % 7
        offset = int(mondays.min(initial=0))
        counted = self._tally(
            mondays - offset, rows, int(mondays.max(initial=0)) - offset + 1
        )
        return {_date(key + offset): n for key, n in counted.items()}

    def tally_unlocated(self, mask):
        return self.tally_total(mask & (self.rows.get("located")[: self.size] == 0))

    def result(self, filterset, date):
        """The combination's result on ``date``, computed once and kept."""
        key = (filterset.key(), _day(date))
        found = self._results.get(key)
        if found is None:
            found = self._results[key] = Result(self, filterset, date)
            while len(self._results) > KEPT_RESULTS:
                self._results.popitem(last=False)
        else:
            self._results.move_to_end(key)
        return found

    # Order ----------------------------------------------------------------------------

    def sort_keys(self, sort, rows):
        arrays, rows = self.rows, np.asarray(rows, dtype=np.int64)
        ids = arrays.get("id")[rows]
        newest = 2**16 - 1 - (arrays.get("published")[rows].astype(np.int64) + 1)
        if sort == "deadline":
            return (
                (arrays.get("until")[rows].astype(np.int64) << 47)
                | (newest << 31)
                | (ID_LIMIT - ids)
            )
        if sort == "headcount":
            count = np.clip(
                arrays.get("headcount")[rows].astype(np.int64), 0, 2**24 - 1
            )
            return ((2**24 - 1 - count) << 31) | (ID_LIMIT - ids)
        if sort == "title":
            return (self._title_ranks()[arrays.get("title")[rows]] << 31) | ids
        completeness = (arrays.get("headcount")[rows] >= 0).astype(
            np.int64
        ) + arrays.get("located")[rows]
        return (newest << 33) | ((3 - completeness) << 31) | (ID_LIMIT - ids)

    def _title_ranks(self):
        ranks = np.zeros(len(self.titles), dtype=np.int64)
        ordered = sorted(
            range(1, len(self.titles)), key=lambda code: self.titles.values[code]
        )
        ranks[ordered] = np.arange(1, len(ordered) + 1)
        return ranks

    def order(self, sort):
        """Every row, in ``sort`` order (rebuilt after changes, when asked)."""
        if sort in self._order_dirty or sort not in self._order:
            rows = np.arange(self.size)
            keys = self.sort_keys(sort, rows)
            order = np.argsort(keys)
            self._order[sort] = (order, keys[order])
            self._order_dirty.discard(sort)
        return self._order[sort][0]

    def _reorder(self, changed_rows, old_keys):
        """Move changed rows to their new place in every kept order."""
        for sort, (order, keys) in list(self._order.items()):
            if sort in self._order_dirty:
                continue
            previous = old_keys.get(sort)
            if previous is None or len(changed_rows) > 2000 or sort == "title":
                self._order_dirty.add(sort)
                continue
            new_keys = self.sort_keys(sort, changed_rows)
            if (
                len(changed_rows) <= FEW_ROWS
                and bool(np.all(previous >= 0))
                and _move_in_place(order, keys, changed_rows, previous, new_keys)
            ):
                continue
            known = previous >= 0
            places = np.searchsorted(keys, previous[known])
            order = np.delete(order, places)
            keys = np.delete(keys, places)
            by_key = np.argsort(new_keys)
            new_keys, moved = new_keys[by_key], np.asarray(changed_rows)[by_key]
            at = np.searchsorted(keys, new_keys)
            self._order[sort] = (
                np.insert(order, at, moved),
                np.insert(keys, at, new_keys),
            )

    def ordered_rows(self, mask, sort, offset, limit):
        """Rows of ``mask`` from ``offset``, at most ``limit``, in ``sort`` order."""
        if limit <= 0:
            return []
        total = int(np.count_nonzero(mask))
        if offset >= total:
            return []
        if total <= SMALL_RESULT:
            rows = np.flatnonzero(mask)
            keys = self.sort_keys(sort, rows)
            return rows[np.argsort(keys)][offset : offset + limit].tolist()
        order = self.order(sort)
        needed = offset + limit
        step = max(4096, needed * len(order) // total * 2)
        found, start = [], 0
        while start < len(order) and sum(map(len, found)) < needed:
            chunk = order[start : start + step]
            found.append(chunk[mask[chunk]])
            start += step
            step *= 2
        return np.concatenate(found)[offset:needed].tolist()

    # Keeping current ------------------------------------------------------------------

    def catch_up(self, within):
        """sync(), unless the log was read less than ``within`` seconds ago.

        Reading the log is a round trip to the database on every request;
        bounding how old this process's view may be takes it off the cached
        pages' path (a cached hit then needs no database at all)."""
        if within <= 0 or time.monotonic() - self.read_at >= within:
            self.sync()

    def sync(self):
        """Apply the change log's new entries.

        The log and the changed postings are read under ``sync_lock`` only,
        so one thread syncs at a time while the others keep answering from
        the board as it was; the board's lock is taken just to apply them
        (under load those reads took tens of milliseconds, during which
        every request needing the board waited)."""
        with self.sync_lock:
            # Before the read: it sees every change committed before now.
            self.read_at = time.monotonic()
            entries = self.reader.new_entries()
            if not entries:
                with self.lock:
                    self._seen_gaps = self._reader_gaps()  # some may have expired
                return
            if (
                any(e.kind == BoardChange.Kind.RELOAD for e in entries)
                or (len({e.object_id for e in entries}) > RELOAD_ABOVE)
                or self.reader.behind_log()
            ):
                self.load()
                return
            by_kind = {}
            for entry in entries:
                by_kind.setdefault(entry.kind, []).append(entry)
            postings = by_kind.get(BoardChange.Kind.POSTING, [])
            read = self._read_postings(postings) if postings else None
            with self.lock:
                self._apply(by_kind, postings, read)

    def _apply(self, by_kind, postings, read):
        """Apply what sync read, under the board's lock."""
        lookups = [
            k
            for k in by_kind
            if k not in (BoardChange.Kind.POSTING, BoardChange.Kind.REFERENCE)
        ]
        if lookups:
            for column in self.columns.values():
                column.load_lookup()
            self._recode()
            self.generation = next(_generations)
            self._results.clear()
            self._keywords.clear()
            self._titles.clear()
        for kind, group in by_kind.items():
            if kind != BoardChange.Kind.POSTING:
                for entry in group:
                    self._remember(
                        Change(
                            (entry.id,),
                            kind,
                            entry.object_id,
                            position_after=self.reader.position,
                        )
                    )
        if postings:
            self._apply_postings(postings, read)
        self.position = self.reader.position
        self._seen_gaps = self._reader_gaps()

    def _remember(self, change):
        with self.recent_lock:
            self.recent.append(change)
            while len(self.recent) > KEPT_CHANGES:
                dropped = self.recent.popleft()
                self.complete_after = max(self.complete_after, *dropped.entry_ids)

    def _recode(self):
        """Codes again from the foreign keys, after names changed."""
        size = self.size
        for path, column in self.columns.items():
            if column.source[0] == "foreign" and not column.many:
                keys = self.rows.get(column.source[1])[:size]
                self.rows.get(path)[:size] = column.code_keys(keys)
            elif column.many:
                items, posting_key, key = column.source[1:4]
                posting_ids, keys = _pairs(
                    items.objects.order_by().values_list(posting_key, key)
                )
                column.set_pairs(self.rows_of_ids(posting_ids), keys)

    def facts(self, row, keywords=None):
        arrays = self.rows
        institution_id = int(arrays.get("institution_id")[row])
        return Facts(
            posting_id=int(arrays.get("id")[row]),
            status=int(arrays.get("status")[row]),
            published_day=int(arrays.get("published")[row]),
            until_day=int(arrays.get("until")[row]),
            values={
                path: column.values_of(row) for path, column in self.columns.items()
            },
            lineage=self.hierarchy.lineage(institution_id)
            if self.hierarchy
            else frozenset(),
            numbers={
                name: (None if v < 0 else v)
                for name, v in (
                    (name, int(arrays.get(name)[row])) for name in self.numbers
                )
            },
            keywords=keywords
            if keywords is not None
            else {
                terms: bool(mask[row])
                for terms, mask in self._keywords.items()
                if row < len(mask)
            },
            employer_id=_id_or_none(arrays.get("employer_id")[row]),
            institution_id=_id_or_none(institution_id),
            department_id=_id_or_none(arrays.get("department_id")[row]),
            title=self.titles.values[int(arrays.get("title")[row])] or "",
            to_confirm=bool(arrays.get("to_confirm")[row]),
        )

    def _read_postings(self, entries):
        """What the database holds now for the postings of ``entries``."""
        posting_ids = sorted({e.object_id for e in entries if e.object_id is not None})
        fields = self._posting_fields()
        values = {
            row[0]: row
            for row in Posting.objects.filter(pk__in=posting_ids).values_list(*fields)
        }
        pairs = {}
        for column in self.columns.values():
            if column.many:
                items, posting_key, key = column.source[1:4]
                if (items, key) not in pairs:
                    pairs[items, key] = _pairs(
                        items.objects.filter(
                            **{f"{posting_key}__in": posting_ids}
                        ).values_list(posting_key, key)
                    )
        documents = dict(
            PostingSearch.objects.filter(posting_id__in=posting_ids).values_list(
                "posting_id", "document"
            )
        )
        return PostingsRead(
            posting_ids,
            values,
            pairs,
            _located_ids(posting_ids),
            _to_confirm_ids(posting_ids),
            documents,
        )

    def _apply_postings(self, entries, read):
        posting_ids = read.posting_ids
        entry_ids = {}
        for entry in entries:
            entry_ids.setdefault(entry.object_id, []).append(entry.id)
        rows = self.rows_of_ids(posting_ids)
        existing = [
            (pid, int(r))
            for pid, r in zip(posting_ids, rows.tolist(), strict=True)
            if r >= 0
        ]
        before = {pid: self.facts(r) for pid, r in existing}
        existing_rows = [r for _, r in existing]
        old_keys = {sort: self.sort_keys(sort, existing_rows) for sort in self._order}

        fields = self._posting_fields()
        current = read.values
        # New postings are appended, in id order.
        new_ids = [pid for pid in posting_ids if pid in current and pid not in before]
        first_new = self.size
        if new_ids:
            self.size += len(new_ids)
            self.rows.grow(self.size)
            self._open = None
        row_of = {pid: r for pid, r in existing}
        row_of.update({pid: first_new + i for i, pid in enumerate(new_ids)})
        if new_ids:
            self.rows.get("id")[first_new : self.size] = new_ids
            self._index_new_ids(new_ids, first_new)
        gone = [pid for pid in before if pid not in current]
        for pid in gone:
            self.rows.get("status")[row_of[pid]] = GONE
        alive = [pid for pid in posting_ids if pid in current]
        if alive:
            alive_rows = np.array([row_of[pid] for pid in alive])
            values = {
                name: [current[pid][i] for pid in alive]
                for i, name in enumerate(fields)
            }
            self._write_rows(alive_rows, values)
        changed_rows = np.array(sorted(row_of.values()), dtype=np.int64)
        for column in self.columns.values():
            if column.many:
                items, _, key = column.source[1:4]
                pair_ids, keys = read.pairs[items, key]
                column.replace_rows(changed_rows, self.rows_of_ids(pair_ids), keys)
        self.rows.get("located")[changed_rows] = 0
        self._mark("located", read.located)
        self.rows.get("to_confirm")[changed_rows] = 0
        self._mark("to_confirm", read.to_confirm)
        if self._open is not None:
            day = self._open[0]
            mask = self._open[1]
            for r in changed_rows.tolist():
                status = self.rows.get("status")[r]
                published = self.rows.get("published")[r]
                mask[r] = (
                    status == PUBLISHED
                    and 0 <= published <= day
                    and self.rows.get("until")[r] >= day
                )

        documents = read.documents
        for kept, part in ((self._keywords, None), (self._titles, search.title_of)):
            for terms, mask in list(kept.items()):
                mask = self.fit(mask)
                for pid, r in row_of.items():
                    text = documents.get(pid, "")
                    if part is not None:
                        text = part(text)
                    mask[r] = bool(text) and all(term in text for term in terms)
                kept[terms] = mask

        for pid in posting_ids:
            if pid not in row_of:
                continue  # created and deleted before this board saw it
            r = row_of[pid]
            self.rows.get("version")[r] = max(entry_ids[pid])
            after = self.facts(r) if pid in current else None
            change = Change(
                tuple(entry_ids[pid]),
                BoardChange.Kind.POSTING,
                pid,
                before.get(pid),
                after,
                position_after=self.reader.position,
            )
            for result in self._results.values():
                result.apply(change, r)
            self._remember(change)
        self._reorder(
            [row_of[pid] for pid in sorted(row_of)],
            {sort: _keys_by_row(old_keys[sort], existing, row_of) for sort in old_keys},
        )

    def changes_since(self, position, gaps=()):
        """Changes applied here that a page built at ``position`` (with
        ``gaps``, the ids it was still missing) had not seen, newest first;
        None when this board cannot tell (it was loaded later, or has
        forgotten them).

        Each change is remembered once applied, with its posting's facts
        before and after, so this reads no column and needs only
        ``recent_lock``: a cached hit never waits for an edit being applied."""
        with self.recent_lock:
            if position < self.complete_after or any(
                first <= self.complete_after for first, _ in gaps
            ):
                return None
            unseen = []
            for change in reversed(self.recent):
                # Changes applied while this board was at or before the
                # position cannot be newer than it (gaps aside).
                if change.position_after <= position and not gaps:
                    break
                if any(
                    pk > position or any(first <= pk <= last for first, last in gaps)
                    for pk in change.entry_ids
                ):
                    unseen.append(change)
            return unseen

    def version_of(self, posting_id):
        """Changes whenever the posting, or any name it shows, changes."""
        row = int(self.rows_of_ids([posting_id])[0])
        version = int(self.rows.get("version")[row]) if row >= 0 else -1
        return (self.generation, version)

    def facts_of(self, posting_id):
        """The facts of a posting on the board now, or None."""
        with self.lock:
            row = int(self.rows_of_ids([posting_id])[0])
            if row < 0 or self.rows.get("status")[row] == GONE:
                return None
            return self.facts(row)

    def employer_of_institution(self, institution_id):
        return self.hierarchy.employer_of(institution_id) if self.hierarchy else None

    def employer_of_department(self, department_id):
        if not self.hierarchy:
            return None
        institution = self.hierarchy.department_institutions.get(department_id)
        return self.hierarchy.employer_of(institution)

    def _reader_gaps(self):
        return [(first, last) for first, last, _ in self.reader._gaps]

    def gaps(self):
        """The log ids below the board's position that it has not seen: the
        reader's, as they were when its entries were last applied."""
        return list(self._seen_gaps)

    def stamp(self):
        """(position, gaps): what a page built from this board now has seen,
        read together, so a change being applied is in neither or in both."""
        with self.lock:
            return self.position, self.gaps()


def _move_in_place(order, keys, rows, old_keys, new_keys):
    """Move each of a few edited rows from its old key's place in a kept
    order to its new key's, shifting only the entries between the two (an
    edit that leaves the order alone writes one key). False, with nothing
    changed, when a row is not where its old key says (then the caller
    rebuilds the order's arrays)."""
    places = np.searchsorted(keys, old_keys)
    if np.any(places >= len(keys)) or not np.array_equal(keys[places], old_keys):
        return False
    for row, old_key, new_key in zip(
        np.asarray(rows).tolist(), old_keys.tolist(), new_keys.tolist(), strict=True
    ):
        start = int(np.searchsorted(keys, old_key))
        end = int(np.searchsorted(keys, new_key))  # its place, the row still in
        if end > start + 1:  # moves later: the entries between move back one
            order[start : end - 1] = order[start + 1 : end]
            keys[start : end - 1] = keys[start + 1 : end]
            start = end - 1
        elif end < start:  # moves earlier: the entries between move on one
            order[end + 1 : start + 1] = order[end:start]
            keys[end + 1 : start + 1] = keys[end:start]
            start = end
        order[start], keys[start] = row, new_key
    return True


def _located_ids(posting_ids=None):
    """Ids of the postings (of ``posting_ids``, or all) that state a work
    location (for the newest-first order: see filters.completeness)."""
    located = PostingLocation.objects.order_by()
    if posting_ids is not None:
        located = located.filter(posting_id__in=posting_ids)
    return np.fromiter(
        located.values_list("posting_id", flat=True).distinct(), dtype=np.int64
    )


def _to_confirm_ids(posting_ids=None):
    """Ids of the postings that ask what only the candidate can confirm (the
    eligibility checks' 待确认 requirements): never 符合 for anyone."""
    asking = Posting.objects.order_by().filter(
        Q(requires_shift_work=True)
        | Q(requires_local_residence=True)
        | Q(posting_certificates__is_preferred=False)
    )
    if posting_ids is not None:
        asking = asking.filter(pk__in=posting_ids)
    return np.fromiter(asking.values_list("pk", flat=True).distinct(), dtype=np.int64)


@dataclass
class PostingsRead:
    """What the database holds for some changed postings, read before the
    board's lock is taken to apply it (see Board.sync)."""

    posting_ids: list
    values: dict  # posting id -> its fields (Board._posting_fields), if it exists
    pairs: dict  # (item model, key) -> (posting ids, keys)
    located: object  # ids of those stating a work location
    to_confirm: object  # ids of those asking what a candidate must confirm
    documents: dict  # posting id -> its search document


def _keys_by_row(keys, existing, row_of):
    """Old sort keys aligned with the changed rows in row order (-1: new)."""
    old = dict(zip((r for _, r in existing), keys.tolist(), strict=True))
    return np.array(
        [old.get(row_of[pid], -1) for pid in sorted(row_of)], dtype=np.int64
    )


def _days(dates, missing):
    """Days since 1970 of a list of dates, ``missing`` for None."""
    return np.fromiter(
        (missing if d is None else d.toordinal() - EPOCH for d in dates),
        dtype=np.int64,
        count=len(dates),
    )


def _numbers(values):
    """A list of integers or None as integers, -1 for None."""
    numbers = np.array(values, dtype=np.float64)
    return np.where(np.isnan(numbers), -1, numbers).astype(np.int64)


def _id_or_none(value):
    value = int(value)
    return None if value < 0 else value


def _fetch(queryset):
    """The queryset's rows as tuples, read by the database driver directly:
    a million rows through the ORM's iterator cost several times more."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # The backend's converters (dates, on SQLite) as the ORM would apply them.
    selected = [column for column, _, _ in compiler.select[: compiler.col_count]]
    converters = compiler.get_converters(selected)
    if converters:
        rows = [tuple(row) for row in compiler.apply_converters(rows, converters)]
    return rows


def _pairs(queryset):
    """Two integer columns of a values_list as two numpy arrays."""
    rows = _fetch(queryset)
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    flat = np.fromiter(
        itertools.chain.from_iterable(rows), dtype=np.int64, count=2 * len(rows)
    )
    return flat[0::2], flat[1::2]


# The orders the board keeps, by sort name (see filters.SORT and ordered()).
SORT_KEYS = ("newest", "deadline", "headcount", "title")


# --- The process's board --------------------------------------------------------------

_board = None
_board_lock = threading.Lock()


def current():
    """This process's board, loaded on first use and brought up to date:
    it has applied every change committed more than
    ``settings.BOARD_FRESHNESS`` seconds ago."""
    global _board
    if _board is None:
        with _board_lock:
            if _board is None:
                _board = Board()
                return _board
    _board.catch_up(settings.BOARD_FRESHNESS)
    return _board


def for_request(request):
    """The board, brought up to date once per request."""
    found = getattr(request, "_board", None)
    if found is None:
        found = request._board = current()
    return found


def reset():
    """Forget the board (tests roll back what it saw; a new one is loaded)."""
    global _board
    with _board_lock:
        _board = None


def is_postgresql():
    return connection.vendor == "postgresql"
