"""The in-memory board answers exactly what the filters' SQL answers: the
same postings in the same order, the same totals and facet counts, and it
stays so while postings change."""

import datetime
import random
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.http import QueryDict
from django.utils import timezone

from postings import board, changes, search
from postings.filters import SORT, PostingFilter
from postings.models import (
    BoardChange,
    Duty,
    Education,
    Institution,
    Location,
    Posting,
    PostingLocation,
)

from .snapshots import RowSnapshot

pytestmark = pytest.mark.django_db

COMBINATIONS = [
    "",
    "province=新疆",
    "province=新疆&province=黑龙江&grade=经理",
    "employer=中国银行&education=专科",
    "institution=中国银行&location=喀什市",
    "institution=新疆区分行",
    "q=客户&category=风险管理类",
    "certificate=CFA&experience=3",
    "department=营业网点&age=30",
    "education=本科&q=风控",
    "q=岗&sort=relevance",
    "q=经理 客户",
    "q=不存在的词",
    "location=不存在市",
    "education=硕士&experience=0&age=40&province=北京",
    "fit=符合",
    "education=本科&experience=3&fit=符合",
    "education=硕士&experience=5&age=30&fit=符合&province=新疆",
]
SORTS = [SORT.NEWEST, SORT.DEADLINE, SORT.HEADCOUNT, SORT.TITLE, SORT.RELEVANCE]


@pytest.fixture(scope="module")
def generated_rows(seed_rows, django_db_blocker):
    """The seeds and 300 generated postings, made once for the module."""

    def seeds_and_generated_postings():
        seed_rows.restore()
        call_command(
            "generate_postings", "--count", "300", stdout=StringIO(), stderr=StringIO()
        )
        # Deadlines and headcounts that differ, so every order is tested.
        rng = random.Random(7)
        today = timezone.localdate()
        for posting in Posting.objects.order_by("pk")[::7]:
            posting.closes_on = today + datetime.timedelta(days=rng.randint(0, 30))
            posting.headcount = rng.choice([None, 1, 2, 5, 30])
            posting.save()

    with django_db_blocker.unblock():
        return RowSnapshot.taken_after(seeds_and_generated_postings)


@pytest.fixture
def seeded(db, generated_rows):
    generated_rows.restore()


def filterset_for(query):
    filterset = PostingFilter(QueryDict(query), queryset=Posting.objects.open_now())
    assert filterset.is_valid(), filterset.errors
    return filterset


def sql_counts(filterset, name):
    """The definition of a facet count: the postings the listing would show
    with this option chosen instead of the filter's current values, that is
    the postings the other filters leave that hold the option, counted in
    one SQL query per facet (each filter's own SQL is held to the board in
    test_filters.py)."""
    data = filterset.data.copy()
    data.pop(name, None)
    others = PostingFilter(data, queryset=Posting.objects.open_now())
    assert others.is_valid()
    if name == "education":
        options = {}
        for value, label in Education.choices:
            chosen = data.copy()
            chosen[name] = label
            options[value] = PostingFilter(
                chosen, queryset=Posting.objects.open_now()
            ).qs.count()
        return options
    field = filterset.filters[name].field_name
    held = (
        others.qs.order_by().values(field).annotate(postings=Count("pk", distinct=True))
    )
    # A posting that states no value (no department, no locations) is in
    # no option's count.
    return {row[field]: row["postings"] for row in held if row[field] not in ("", None)}


def board_counts(summary, name):
    counts = summary.counts[name]
    if name != "education":
        return counts
    running, cumulative = counts.get(None, 0), {}
    for value, _ in Education.choices:
        running += counts.get(value, 0)
        cumulative[value] = running
    return cumulative


def assert_board_equals_sql(query):
    filterset = filterset_for(query)
    today = timezone.localdate()
    current = board.current()
    summary = current.summary(filterset, today)
    expected_ids = list(filterset.qs.values_list("pk", flat=True))
    assert summary.total == len(expected_ids), query
    for name in summary.counts:
        if name == "institution":
            continue  # counted by subtree below
        assert board_counts(summary, name) == sql_counts(filterset, name), (query, name)
    for sort in SORTS:
        data = filterset.data.copy()
        data["sort"] = sort
        sorted_set = filterset_for(data.urlencode())
        expected = list(sorted_set.qs.values_list("pk", flat=True))
        for offset, limit in ((0, 20), (20, 20), (len(expected) - 5, 10)):
            offset = max(offset, 0)
            page = current.page(
                sorted_set,
                today,
                sort=sorted_set.chosen_sort,
                offset=offset,
                limit=limit,
            )
            assert page == expected[offset : offset + limit], (query, sort, offset)


@pytest.mark.parametrize("query", COMBINATIONS)
def test_the_board_answers_what_the_sql_answers(seeded, query):
    assert_board_equals_sql(query)


def test_institution_counts_include_the_institutions_below(seeded):
    filterset = filterset_for("province=新疆")
    summary = board.current().summary(filterset, timezone.localdate())
    for name, count in summary.counts["institution"].items():
        chosen = filterset.data.copy()
        chosen["institution"] = name
        assert count == filterset_for(chosen.urlencode()).qs.count(), name
    # The employer counts its branches' postings.
    assert (
        summary.counts["institution"]["中国银行"]
        == summary.counts["employer"]["中国银行"]
    )
    assert (
        summary.counts["institution"]["中国银行"]
        > summary.counts["institution"]["新疆区分行"]
    )


def edit_postings(rng):
    """A realistic mix of HR edits, through the ORM as the admin saves them."""
    # Drawn by the test's own generator, so a failure can be replayed; the
    # one to close must be published (only a published posting can close).
    published = list(
        Posting.objects.filter(status=Posting.Status.PUBLISHED).order_by("pk")
    )
    postings = rng.sample(published, 12)
    kashgar = Location.objects.get(name="喀什市")
    for posting in postings[:3]:
        posting.title = rng.choice(["客户经理", "风控专员", "综合文秘岗"])
        posting.headcount = rng.choice([None, 3, 9])
        posting.save()
        search.index_posting(posting)
    for posting in postings[3:5]:
        PostingLocation.objects.filter(posting=posting).delete()
        PostingLocation.objects.create(posting=posting, location=kashgar, position=1)
        search.index_posting(posting)
    postings[5].close()
    postings[6].closes_on = timezone.localdate() - datetime.timedelta(days=1)
    postings[6].published_on = postings[6].closes_on
    postings[6].save()
    Duty.objects.create(posting=postings[7], position=99, text="负责风控模型的开发。")
    search.index_posting(postings[7])
    postings[8].delete()
    new = Posting.objects.create(
        title="新建的客户经理岗",
        institution=Institution.objects.get(name="新疆区分行"),
        status=Posting.Status.PUBLISHED,
        published_on=timezone.localdate(),
        min_education=Education.BENKE,
    )
    PostingLocation.objects.create(posting=new, location=kashgar, position=1)
    search.index_posting(new)


def test_kept_results_stay_exact_while_postings_change(seeded):
    today = timezone.localdate()
    current = board.current()
    # Keep every combination's result (and its keyword) on the board.
    for query in COMBINATIONS:
        current.summary(filterset_for(query), today)
        current.page(filterset_for(query), today, sort=SORT.NEWEST, offset=0, limit=5)
    rng = random.Random(11)
    for _ in range(3):
        edit_postings(rng)
        assert board.current() is current  # patched, not reloaded
        for query in COMBINATIONS:
            assert_board_equals_sql(query)


def board_arrays(current):
    """What a board holds for its filters and orders, comparably."""
    pairs = {
        path: (column.pair_rows.tolist(), column.pair_codes.tolist())
        for path, column in current.columns.items()
        if column.many
    }
    orders = {sort: current.order(sort).tolist() for sort in board.SORT_KEYS}
    return pairs, orders


def test_edits_applied_one_by_one_leave_the_board_as_a_fresh_load(seeded):
    """An edit patches only the edited postings' item pairs and moves them
    within each kept order; the result is what loading the board anew gives."""
    current = board.current()
    for sort in board.SORT_KEYS:
        current.order(sort)  # kept, so edits patch them
    posting, other, third = Posting.objects.filter(
        status=Posting.Status.PUBLISHED
    ).order_by("pk")[10:13]
    held = PostingLocation.objects.filter(posting=third)
    elsewhere, further = Location.objects.exclude(
        pk__in=held.values("location")
    ).order_by("pk")[:2]
    first_place = held.order_by("position").first()
    edits = [
        (posting, lambda: Posting.objects.filter(pk=posting.pk).update(headcount=97)),
        (
            other,
            lambda: Posting.objects.filter(pk=other.pk).update(
                closes_on=timezone.localdate() + datetime.timedelta(days=400)
            ),
        ),
        # As many locations, another place; then one more; then none.
        (
            third,
            lambda: PostingLocation.objects.filter(pk=first_place.pk).update(
                location=elsewhere
            ),
        ),
        (
            third,
            lambda: PostingLocation.objects.create(
                posting=third, location=further, position=9
            ),
        ),
        (other, lambda: PostingLocation.objects.filter(posting=other).delete()),
        (posting, lambda: Posting.objects.filter(pk=posting.pk).update(headcount=None)),
    ]
    for edited, edit in edits:
        edit()  # no save signals: the change is logged below, alone
        changes.record(BoardChange.Kind.POSTING, edited.pk)
        current.sync()
        assert board.current() is current  # patched, not reloaded
        assert board_arrays(current) == board_arrays(board.Board())


def test_the_board_answers_while_a_sync_reads_the_changed_postings(seeded, monkeypatch):
    """Reading the log and the changed postings takes round trips (tens of
    milliseconds under load); the board keeps answering meanwhile, as it was,
    and shows the change once it is applied."""
    current = board.current()
    today = timezone.localdate()
    everything = filterset_for("")
    before = current.summary(everything, today).total
    answers = []
    read = board.Board._read_postings

    def read_while_others_ask(self, entries):
        found = read(self, entries)
        # Another request, while this thread is between reading and applying.
        with ThreadPoolExecutor(1) as other:
            answers.append(other.submit(answer_within, current, 5).result())
        return found

    monkeypatch.setattr(board.Board, "_read_postings", read_while_others_ask)
    Posting.objects.filter(status=Posting.Status.PUBLISHED).first().close()
    current.sync()
    assert answers == [before]  # the board as it was, without waiting
    assert current.summary(everything, today).total == before - 1


def answer_within(current, seconds):
    """The board's total now, or None if it made this thread wait longer."""
    if not current.lock.acquire(timeout=seconds):
        return None
    try:
        return current.summary(filterset_for(""), timezone.localdate()).total
    finally:
        current.lock.release()


def test_a_bulk_load_reloads_every_board(seeded):
    current = board.current()
    size = current.size
    call_command(
        "generate_postings", "--count", "5", stdout=StringIO(), stderr=StringIO()
    )
    assert BoardChange.objects.filter(kind=BoardChange.Kind.RELOAD).exists()
    assert board.current().size == size + 5
    assert_board_equals_sql("")


def test_an_sql_update_is_logged_and_seen(seeded):
    current = board.current()
    posting = Posting.objects.filter(status=Posting.Status.PUBLISHED).first()
    filterset = filterset_for("")
    before = current.summary(filterset, timezone.localdate()).total
    Posting.objects.filter(pk=posting.pk).update(status=Posting.Status.DRAFT)
    assert board.current().summary(filterset, timezone.localdate()).total == before - 1


# --- The change log's reader ---------------------------------------------------------


def test_the_reader_sees_each_entry_once_in_order():
    reader = changes.Reader()
    reader.start()
    first = changes.record(BoardChange.Kind.POSTING, 1)
    second = changes.record(BoardChange.Kind.POSTING, 2)
    assert [e.id for e in reader.new_entries()] == [first.pk, second.pk]
    assert reader.new_entries() == []


def test_the_reader_catches_an_entry_that_commits_after_a_newer_one():
    """Ids are handed out at insert, not at commit: a long transaction's
    entry can appear after a newer one was read, and must not be lost."""
    # The log's end when the reader starts; ids go on from it (a sequence
    # that earlier, rolled-back tests moved on leaves no gap of its own).
    changes.record(BoardChange.Kind.POSTING, 0)
    reader = changes.Reader()
    reader.start()
    early = changes.record(BoardChange.Kind.POSTING, 1)
    late = changes.record(BoardChange.Kind.POSTING, 2)
    early_id = early.pk
    early.delete()  # as a reader sees it while its transaction is still open
    assert [e.id for e in reader.new_entries()] == [late.pk]
    assert reader._gaps[0][:2] == [early_id, early_id]
    BoardChange.objects.create(id=early_id, kind=BoardChange.Kind.POSTING, object_id=1)
    assert [e.id for e in reader.new_entries()] == [early_id]
    assert reader._gaps == []
    assert reader.new_entries() == []


def test_old_entries_are_purged(seeded):
    changes.record(BoardChange.Kind.POSTING, 1)
    later = timezone.now() + changes.KEPT_FOR + datetime.timedelta(minutes=1)
    changes.purge(now=later)
    assert not BoardChange.objects.exists()
