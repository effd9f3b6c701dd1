"""How many postings match, and facet counts: for each filter, its options and
how many postings each would show, given every *other* active filter.

Counting is the expensive part of a large board: counting hundreds of
thousands of matches, or grouping them nine ways, takes seconds. So
``summarize`` decides how much to count:

- a small board (and SQLite) is counted exactly in SQL, a query per facet;
- on a large PostgreSQL board, a result of at most ``cap`` postings is read
  once and counted exactly in Python; a facet whose own filter is active
  needs postings outside the result, so its counts are estimated;
- a result larger than ``cap`` is not counted: its total and its facets are
  estimated from a random sample of the table (TABLESAMPLE), scaled up, and
  the page says so ("约"). Should the sample and a bounded count disagree,
  the count wins: a small result is read and counted exactly, a large one
  is shown as "more than the cap" with no estimated total.

The sample and the result are read in one query each; the Python counting
applies the same filters as the SQL path (tests hold the two to the same
answers on a whole-table sample).
"""

import json
import math
import time
from dataclasses import dataclass, replace

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Count, OuterRef

from . import search
from .models import (
    Certificate,
    Department,
    Education,
    Institution,
    Location,
    Posting,
    PostingCertificate,
    PostingLocation,
)

FACET_LIMIT = 30
SAMPLE_ROWS = 8_000
SAMPLE_SEED = 20261123

# Facet parameter -> the path of the value it filters on, for the SQL count.
FACET_PATHS = {
    "employer": "employer__name",
    "institution": "institution__name",
    "department": "department__name",
    "province": "posting_locations__location__province",
    "location": "posting_locations__location__name",
    "grade": "grade",
    "category": "category",
    "certificate": "posting_certificates__certificate__name",
}
# Facets that can hold one posting twice (two locations in one province).
_MANY = {"province", "location", "certificate"}
FACET_FILTERS = [*FACET_PATHS, "education"]


@dataclass(frozen=True)
class FacetOption:
    value: str
    count: int
    selected: bool


@dataclass(frozen=True)
class FacetGroup:
    name: str
    label: str
    options: list
    estimated: bool = False


@dataclass
class Facets:
    groups: list
    education: list
    education_estimated: bool = False
    estimated_total: int | None = None  # set when the total was not counted

    @property
    def estimated(self):
        return self.education_estimated or any(g.estimated for g in self.groups)


@dataclass(frozen=True)
class Summary:
    total: int  # at most the cap
    capped: bool  # more matches than the cap
    facets: Facets


def summarize(filterset, cap):
    """The result's size (up to ``cap``) and its facets, as cheaply as honest."""
    if not can_sample():
        counted = filterset.qs.order_by()[: cap + 1].count()
        return Summary(min(counted, cap), counted > cap, exact(filterset))
    whole = _whole(filterset)
    if _expected_rows(filterset, whole) <= 2 * cap:
        rows = _rows(whole, limit=cap + 1)
        if len(rows) <= cap:
            return Summary(len(rows), False, _from_result(filterset, rows))
    # Far more than the cap (or the planner misjudged a smaller result):
    # estimate from a sample, and count only if the sample says it is small.
    estimate = sampled(filterset)
    if estimate.estimated_total >= 2 * cap:
        return Summary(cap, True, estimate)
    counted = whole[: cap + 1].count()
    if counted <= cap:
        rows = _rows(whole)
        return Summary(counted, False, _from_result(filterset, rows, estimate))
    if estimate.estimated_total <= cap:
        # The sample undercounted a result the count proves is larger: say
        # only "more than the cap" rather than a total known to be wrong.
        estimate = replace(estimate, estimated_total=None)
    return Summary(cap, True, estimate)


def _whole(filterset, data=None):
    """The filtered postings, unordered, planned for reading them all."""
    with search.whole_result():
        return type(filterset)(
            filterset.data if data is None else data, queryset=filterset.queryset
        ).qs.order_by()


def _expected_rows(filterset, whole):
    """How many postings the planner expects to match. For a keyword it
    cannot know (it takes a term's character pairs as independent, so
    客户经理 looks rare), so the keyword's share of a sample, which search
    keeps anyway, scales the planner's count for the other filters."""
    keyword_terms = search.terms(filterset.form.cleaned_data.get("q") or "")
    if not keyword_terms:
        return planner_rows(whole)
    others = filterset.data.copy()
    others.pop("q", None)
    return planner_rows(_whole(filterset, others)) * search.matching_share(
        keyword_terms
    )


def _without(data, name):
    data = data.copy()
    data.pop(name, None)
    data.pop("page", None)
    return data


def _group(filterset, name, counts, estimated=False):
    """Options sorted by count, the selected ones always present."""
    selected = filterset.form.cleaned_data.get(name) or []
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
    options = [FacetOption(value, count, value in selected) for value, count in ranked]
    shown = {option.value for option in options}
    # A selected value stays visible (and removable) even with no matches.
    options += [FacetOption(value, 0, True) for value in selected if value not in shown]
    label = str(filterset.filters[name].label)
    return FacetGroup(name, label, options, estimated)


def _education(filterset, per_floor):
    selected = filterset.form.cleaned_data.get("education") or []
    options, running = [], per_floor.get(None, 0)
    for value, label in Education.choices:
        running += per_floor.get(value, 0)
        options.append(FacetOption(label, running, value in selected))
    return options


def exact(filterset):
    """Every count in SQL, one query per facet."""
    from .filters import PostingFilter

    groups = []
    for name, path in FACET_PATHS.items():
        others = PostingFilter(
            _without(filterset.data, name), queryset=filterset.queryset
        )
        counted = (
            others.qs.order_by()
            .exclude(**{f"{path}__isnull": True})
            .exclude(**{path: ""})
            .values(path)
            .annotate(count=Count("pk", distinct=name in _MANY))
        )
        groups.append(
            _group(filterset, name, {row[path]: row["count"] for row in counted})
        )
    others = PostingFilter(
        _without(filterset.data, "education"), queryset=filterset.queryset
    )
    per_floor = dict(
        others.qs.order_by().values_list("min_education").annotate(count=Count("pk"))
    )
    return Facets(groups, _education(filterset, per_floor))


# --- PostgreSQL: large boards ------------------------------------------------------

# Fewer sampled pages than this and a page sample is too lumpy to trust.
MIN_SAMPLED_PAGES = 50

_table_rows = {"value": None, "pages": 0, "read_at": 0.0}


def _read_table_size():
    """The planner's row and page counts of the posting table, re-read every
    ten minutes."""
    if time.monotonic() - _table_rows["read_at"] > 600 or _table_rows["value"] is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint, relpages FROM pg_class "
                "WHERE oid = 'postings_posting'::regclass"
            )
            rows, pages = cursor.fetchone()
        _table_rows.update(
            value=max(int(rows), 0), pages=max(int(pages), 0), read_at=time.monotonic()
        )
    return _table_rows


def _posting_rows():
    return _read_table_size()["value"]


def sample_method(fraction):
    """SYSTEM samples whole pages and reads only those, which is what makes
    sampling cheap on a large table. Over a handful of pages it is lumpy
    (it may pick no page at all), so a table too small in pages for the
    fraction is sampled row by row (BERNOULLI), which reads every page but
    keeps each row with the same chance."""
    if fraction * _read_table_size()["pages"] >= MIN_SAMPLED_PAGES:
        return "SYSTEM"
    return "BERNOULLI"


def can_sample():
    """Whether the board is large enough (and on PostgreSQL) to sample."""
    return connection.vendor == "postgresql" and _posting_rows() > 2 * SAMPLE_ROWS


def planner_rows(queryset):
    """PostgreSQL's estimate of how many rows ``queryset`` matches (no scan)."""
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]["Plan Rows"]


def _round(value):
    """An estimate to two significant figures: 45,317 -> 45,000."""
    if value < 100:
        return round(value)
    unit = 10 ** (math.floor(math.log10(value)) - 1)
    return round(value / unit) * unit


@dataclass
class _Row:
    employer_id: int
    institution_id: int
    department: str | None
    grade: str
    category: str
    min_education: int | None
    locations: set
    provinces: set
    certificates: set


def _rows(queryset, *, limit=None, sample_fraction=None):
    """The postings of ``queryset`` with their locations and certificates,
    in one query, optionally from a random sample of the table.

    The query reads ids only (each posting's location and certificate ids
    straight from their unique indexes) and names are looked up here, from
    the small tables of departments, locations and certificates: joining
    them for every sampled posting was most of the query's time.

    Django has no spelling for TABLESAMPLE, so it goes into the FROM clause
    of the query Django wrote (see ``sample_method`` for which kind).
    """

    def ids_of(related, field):
        return ArraySubquery(
            related.objects.filter(posting=OuterRef("pk")).order_by().values(field)
        )

    queryset = queryset.annotate(
        location_ids=ids_of(PostingLocation, "location_id"),
        certificate_ids=ids_of(PostingCertificate, "certificate_id"),
    ).values_list(
        "employer_id",
        "institution_id",
        "department_id",
        "grade",
        "category",
        "min_education",
        "location_ids",
        "certificate_ids",
    )
    if limit is not None:
        queryset = queryset[:limit]
    sql, params = queryset.query.sql_with_params()
    if sample_fraction is not None:
        table = f'FROM "{Posting._meta.db_table}"'
        assert table in sql, sql
        method = sample_method(sample_fraction)
        sql = sql.replace(
            table, f"{table} TABLESAMPLE {method} (%s) REPEATABLE (%s)", 1
        )
        params = (sample_fraction * 100, SAMPLE_SEED, *params)
    departments = dict(Department.objects.values_list("pk", "name"))
    places = {
        pk: (name, province)
        for pk, name, province in Location.objects.values_list("pk", "name", "province")
    }
    certificates = dict(Certificate.objects.values_list("pk", "name"))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows = []
    for employer, institution, department, grade, category, education, *ids in fetched:
        located = [places[pk] for pk in ids[0] or ()]
        rows.append(
            _Row(
                employer,
                institution,
                departments.get(department),
                grade,
                category,
                education,
                {name for name, _ in located},
                {province for _, province in located},
                {certificates[pk] for pk in ids[1] or ()},
            )
        )
    return rows


def _values(row, name, institution_names):
    if name == "employer":
        return [institution_names[row.employer_id]]
    if name == "institution":
        return [institution_names[row.institution_id]]
    if name == "department":
        return [row.department] if row.department else []
    if name in ("province", "location", "certificate"):
        return getattr(row, f"{name}s")
    value = getattr(row, name)
    return [value] if value else []


def _predicates(filterset, names):
    """The active facet filters as tests on a row (see PostingFilter)."""
    cleaned = filterset.form.cleaned_data
    tests = {}
    if employers := set(cleaned.get("employer") or []):
        tests["employer"] = lambda row: names[row.employer_id] in employers
    if institutions := cleaned.get("institution"):
        named = Institution.objects.filter(name__in=institutions)
        scope = set(
            Institution.objects.with_descendants(named).values_list("pk", flat=True)
        )
        tests["institution"] = lambda row: row.institution_id in scope
    if departments := set(cleaned.get("department") or []):
        tests["department"] = lambda row: row.department in departments
    if provinces := set(cleaned.get("province") or []):
        tests["province"] = lambda row: bool(row.provinces & provinces)
    if locations := set(cleaned.get("location") or []):
        tests["location"] = lambda row: bool(row.locations & locations)
    if grades := set(cleaned.get("grade") or []):
        tests["grade"] = lambda row: row.grade in grades
    if categories := set(cleaned.get("category") or []):
        tests["category"] = lambda row: row.category in categories
    if certificates := set(cleaned.get("certificate") or []):
        tests["certificate"] = lambda row: bool(row.certificates & certificates)
    if education := cleaned.get("education"):
        highest = max(education)
        tests["education"] = lambda row: (
            row.min_education is None or row.min_education <= highest
        )
    return tests


def _tally(rows, tests, names):
    """Counts per facet in one pass: a row counts for every facet when it
    passes every test, and for facet F alone when only F's test fails."""
    counts = {name: {} for name in FACET_FILTERS}
    matching = 0
    for row in rows:
        failed = [name for name, test in tests.items() if not test(row)]
        if len(failed) > 1:
            continue
        only = failed[0] if failed else None
        matching += only is None
        for name in FACET_FILTERS if only is None else [only]:
            values = (
                [row.min_education]
                if name == "education"
                else _values(row, name, names)
            )
            for value in values:
                counts[name][value] = counts[name].get(value, 0) + 1
    return counts, matching


def sampled(filterset, fraction=None):
    """Estimated counts from a random sample of postings, scaled up."""
    from .filters import PostingFilter

    fraction = fraction or min(1.0, SAMPLE_ROWS / max(_posting_rows(), 1))
    data = filterset.data.copy()
    for name in FACET_FILTERS:
        data.pop(name, None)
    # Everything but the facet filters (keyword, years, age, open today) in SQL.
    base = PostingFilter(data, queryset=filterset.queryset).qs.order_by()
    rows = _rows(base, sample_fraction=fraction)
    names = dict(Institution.objects.values_list("pk", "name"))
    counts, matching = _tally(rows, _predicates(filterset, names), names)

    def estimate(count):
        # A whole-table "sample" is exact; a real one is not, so say less.
        return count if fraction >= 1 else _round(count / fraction)

    def scaled(name):
        return {value: estimate(count) for value, count in counts[name].items()}

    return Facets(
        [_group(filterset, name, scaled(name), estimated=True) for name in FACET_PATHS],
        _education(filterset, scaled("education")),
        education_estimated=True,
        estimated_total=estimate(matching),
    )


def _from_result(filterset, rows, outside=None):
    """Exact counts from the whole (small) result; estimates for the facets
    whose own filter is active, which count postings outside it (from
    ``outside``, the sample's estimate, when it was already taken)."""
    names = dict(Institution.objects.values_list("pk", "name"))
    counts, _ = _tally(rows, {}, names)
    active = set(_predicates(filterset, names))
    if active and outside is None:
        outside = sampled(filterset)
    groups = [
        next(g for g in outside.groups if g.name == name)
        if name in active
        else _group(filterset, name, counts[name])
        for name in FACET_PATHS
    ]
    if "education" in active:
        return Facets(groups, outside.education, education_estimated=True)
    return Facets(groups, _education(filterset, counts["education"]))
