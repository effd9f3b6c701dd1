"""Realistic volume for benchmarks: N postings from the seed data's vocabulary.

Titles, grades, categories, duty and requirement sentences, institutions,
departments, locations and certificates are drawn from what import_seeds
loaded, so generated postings read and search like real ones. They are
marked is_generated and removed together with --delete.

On PostgreSQL the rows go in with COPY (a million postings with their items,
search data and history in minutes); elsewhere with bulk inserts. Each
generated posting and item is recorded in the history like any other, with
the reason "generated".
"""

import datetime
import json
import random
import time
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from postings import changes, search
from postings.models import (
    Certificate,
    Department,
    Duty,
    Education,
    Institution,
    Location,
    Posting,
    PostingCertificate,
    PostingLocation,
    PostingSearch,
    Requirement,
)

REASON = "generated"


ITEM_COLUMNS = {
    Duty: ("posting_id", "position", "text"),
    Requirement: ("posting_id", "position", "section", "text", "is_preferred"),
    PostingLocation: ("posting_id", "location_id", "position"),
    PostingCertificate: ("posting_id", "certificate_id", "is_preferred", "evidence"),
}


@dataclass(frozen=True)
class Vocabulary:
    titles: list
    grades: list
    categories: list
    duties: list
    requirements: list  # (section, text, is_preferred)
    places: list  # (institution, department or None, employer id, lineage names)
    locations: list
    certificates: list


def load_vocabulary():
    seeded = Posting.objects.filter(is_generated=False)
    if not seeded.exists():
        raise CommandError(
            "No seed postings to draw from: run `manage.py import_seeds` first."
        )
    places = [
        (d.institution, d)
        for d in Department.objects.select_related("institution__parent")
    ]
    places += [(i, None) for i in Institution.objects.select_related("parent__parent")]
    return Vocabulary(
        titles=sorted(set(seeded.values_list("title", flat=True))),
        grades=sorted(set(seeded.values_list("grade", flat=True))),
        categories=sorted(set(seeded.values_list("category", flat=True))),
        duties=sorted(set(Duty.objects.values_list("text", flat=True))),
        requirements=sorted(
            set(Requirement.objects.values_list("section", "text", "is_preferred"))
        ),
        places=[
            (i, d, i.lineage()[0].pk, [node.name for node in i.lineage()])
            for i, d in places
        ],
        locations=list(Location.objects.order_by("pk")),
        certificates=list(Certificate.objects.order_by("pk")),
    )


class SearchParts:
    """Normalised text and grams of each vocabulary string, computed once.

    A document is its parts joined by a separator no token spans, so its
    grams are the union of its parts' grams: a million documents cost a few
    set unions each, not a million passes over their text.
    """

    def __init__(self):
        self._cache = {}

    def __call__(self, text):
        found = self._cache.get(text)
        if found is None:
            normalized = search.normalize(text)
            found = self._cache[text] = (
                normalized,
                frozenset(search.grams(normalized)),
            )
        return found

    def document(self, parts):
        pieces = [self(part) for part in parts if part]
        document = search.SEPARATOR.join(normalized for normalized, _ in pieces)
        return document, frozenset().union(*(grams for _, grams in pieces))


def make_posting(pk, vocabulary, rng, today, now, parts):
    """One posting, its item rows and its search document and grams."""
    institution, department, employer_id, lineage = rng.choice(vocabulary.places)
    status = rng.choices(
        [Posting.Status.PUBLISHED, Posting.Status.CLOSED, Posting.Status.DRAFT],
        [90, 8, 2],
    )[0]
    published_on = closes_on = None
    if status != Posting.Status.DRAFT:
        published_on = today - datetime.timedelta(days=rng.randrange(0, 730))
        if rng.random() < 0.4:
            closes_on = published_on + datetime.timedelta(days=rng.randrange(7, 400))
    posting = Posting(
        pk=pk,
        title=rng.choice(vocabulary.titles),
        employer_id=employer_id,
        institution_id=institution.pk,
        department_id=department.pk if department else None,
        grade=rng.choice(vocabulary.grades),
        category=rng.choice(vocabulary.categories),
        headcount=rng.choice([None, 1, 1, 1, 2, 3, 5, 8, 15, 20, 35]),
        status=status,
        published_on=published_on,
        closes_on=closes_on,
        min_education=rng.choice([None, *Education.values, Education.BENKE]),
        min_years_experience=rng.choice([None, 0, 1, 2, 3, 3, 3, 5]),
        max_age=rng.choice([None, None, None, 30, 35, 35, 40, 45]),
        requires_shift_work=rng.random() < 0.05,
        requires_local_residence=rng.random() < 0.15,
        is_generated=True,
        created_at=now,
        updated_at=now,
    )
    duties = rng.sample(vocabulary.duties, rng.randint(3, 6))
    requirements = rng.sample(vocabulary.requirements, rng.randint(3, 6))
    locations = rng.sample(vocabulary.locations, rng.choice([1, 1, 1, 2, 3]))
    certificates = rng.sample(vocabulary.certificates, rng.choice([0, 0, 1, 2]))
    items = {
        Duty: [(pk, n, text) for n, text in enumerate(duties, 1)],
        Requirement: [(pk, n, s, t, p) for n, (s, t, p) in enumerate(requirements, 1)],
        PostingLocation: [(pk, loc.pk, n) for n, loc in enumerate(locations, 1)],
        PostingCertificate: [(pk, c.pk, True, "") for c in certificates],
    }
    document, gram_set = parts.document(
        [
            posting.title,
            *lineage,
            department.name if department else "",
            posting.grade,
            posting.category,
            *(value for loc in locations for value in (loc.name, loc.province)),
            *(c.name for c in certificates),
            *duties,
            *(text for _, text, _ in requirements),
        ]
    )
    return posting, items, document, gram_set


class BulkWriter:
    """Bulk INSERTs through the ORM: any database (used on SQLite)."""

    def start(self):
        pass

    def reserve_ids(self, count):
        last = Posting.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        return last + 1

    def write(self, batch, now):
        postings = [posting for posting, _, _, _ in batch]
        Posting.objects.bulk_create(postings)
        Posting.history.bulk_history_create(
            postings, default_change_reason=REASON, default_date=now
        )
        for model, columns in ITEM_COLUMNS.items():
            items = [
                model(**dict(zip(columns, row, strict=True)))
                for _, rows, _, _ in batch
                for row in rows[model]
            ]
            created = model.objects.bulk_create(items)
            model.history.bulk_history_create(
                created, default_change_reason=REASON, default_date=now
            )
        PostingSearch.objects.bulk_create(
            PostingSearch(posting_id=posting.pk, document=document)
            for posting, _, document, _ in batch
        )

    def finish(self):
        pass


class CopyWriter:
    """PostgreSQL: COPY the rows in, then copy them into the history tables
    with INSERT … SELECT, all inside the database.

    The search GIN index is dropped for the load and built again at the end:
    building it once is several times faster than updating it row by row.
    """

    GIN = "posting_search_grams_gin"

    def start(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {self.GIN}")

    def reserve_ids(self, count):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence('postings_posting', 'id')")
            (sequence,) = cursor.fetchone()
            cursor.execute(
                "SELECT setval(%s, GREATEST(nextval(%s), "
                "(SELECT COALESCE(MAX(id), 0) + 1 FROM postings_posting)) + %s - 1)",
                [sequence, sequence, count],
            )
            (last,) = cursor.fetchone()
        return last - count + 1

    @staticmethod
    def _copy(table, columns, rows):
        sql = f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    @staticmethod
    def _record_history(model, where, params, now):
        historical = model.history.model._meta
        columns = [f.column for f in model._meta.concrete_fields]
        listed = ", ".join(f'"{column}"' for column in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO "{historical.db_table}" ({listed}, history_date, '
                f"history_change_reason, history_type) "
                f"SELECT {listed}, %s, %s, %s "
                f'FROM "{model._meta.db_table}" WHERE {where}',
                [now, REASON, "+", *params],
            )

    def write(self, batch, now):
        fields = Posting._meta.concrete_fields
        json_fields = {
            f.attname for f in fields if f.get_internal_type() == "JSONField"
        }

        def posting_row(posting):
            return [
                json.dumps(getattr(posting, f.attname))
                if f.attname in json_fields
                else getattr(posting, f.attname)
                for f in fields
            ]

        self._copy(
            "postings_posting",
            [f.column for f in fields],
            (posting_row(posting) for posting, _, _, _ in batch),
        )
        for model, columns in ITEM_COLUMNS.items():
            self._copy(
                model._meta.db_table,
                columns,
                (row for _, rows, _, _ in batch for row in rows[model]),
            )
        self._copy(
            "postings_postingsearch",
            ("posting_id", "document", "grams"),
            (
                (posting.pk, document, search.tsvector_literal(gram_set))
                for posting, _, document, gram_set in batch
            ),
        )
        first, last = batch[0][0].pk, batch[-1][0].pk
        self._record_history(Posting, "id BETWEEN %s AND %s", [first, last], now)
        for model in ITEM_COLUMNS:
            self._record_history(
                model, "posting_id BETWEEN %s AND %s", [first, last], now
            )

    def finish(self):
        with connection.cursor() as cursor:
            # Inside an outer transaction (tests), run pending foreign-key
            # checks first: PostgreSQL will not index a table with some queued.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {self.GIN} "
                "ON postings_postingsearch USING gin (grams)"
            )
            # Fresh statistics, or the planner misjudges filters on the new rows.
            cursor.execute("ANALYZE")


def delete_generated():
    """Remove generated postings with their items, search data and history."""
    generated = "SELECT id FROM postings_posting WHERE is_generated"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM postings_posting WHERE is_generated")
        (count,) = cursor.fetchone()
        for model in ITEM_COLUMNS:
            for table in (model.history.model._meta.db_table, model._meta.db_table):
                cursor.execute(
                    f'DELETE FROM "{table}" WHERE posting_id IN ({generated})'
                )
        cursor.execute(
            f'DELETE FROM "postings_postingsearch" WHERE posting_id IN ({generated})'
        )
        history_table = Posting.history.model._meta.db_table
        cursor.execute(f'DELETE FROM "{history_table}" WHERE is_generated')
        cursor.execute("DELETE FROM postings_posting WHERE is_generated")
    return count


class Progress:
    """A one-line progress bar on the command's standard error."""

    def __init__(self, total, stream):
        self.total, self.stream, self.started = total, stream, time.monotonic()

    def update(self, done):
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed else 0
        filled = int(30 * done / self.total)
        bar = "#" * filled + "-" * (30 - filled)
        self.stream.write(
            f"\r[{bar}] {done:>9,}/{self.total:,} postings"
            f"  {rate:,.0f}/s  {elapsed:,.0f}s",
            ending="",
        )
        self.stream.flush()

    def finish(self):
        self.stream.write("")


class Command(BaseCommand):
    help = "Generate N realistic postings for benchmarks, or --delete them all."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=0, help="How many postings.")
        parser.add_argument(
            "--delete", action="store_true", help="Remove every generated posting."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, count, delete, seed, batch_size, **options):
        if delete:
            removed = delete_generated()
            changes.record_reload()
            self.stdout.write(
                self.style.SUCCESS(f"Removed {removed:,} generated postings.")
            )
            return
        if count < 1:
            raise CommandError("Give --count N (N ≥ 1), or --delete.")
        vocabulary = load_vocabulary()
        rng = random.Random(seed)
        writer = CopyWriter() if connection.vendor == "postgresql" else BulkWriter()
        progress = Progress(count, self.stderr)
        today, now = timezone.localdate(), timezone.now()
        parts = SearchParts()
        started = time.monotonic()
        with transaction.atomic():
            first_id = writer.reserve_ids(count)
            writer.start()
        # One transaction per batch: a million postings in one transaction
        # would queue a million deferred foreign-key checks until the end.
        # A run cut short leaves whole batches, which --delete removes.
        try:
            for start in range(0, count, batch_size):
                size = min(batch_size, count - start)
                batch = [
                    make_posting(
                        first_id + start + offset, vocabulary, rng, today, now, parts
                    )
                    for offset in range(size)
                ]
                with transaction.atomic():
                    writer.write(batch, now)
                progress.update(start + size)
        finally:
            writer.finish()
            changes.record_reload()
        progress.finish()
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Generated {count:,} postings in {seconds:,.1f}s.")
        )
