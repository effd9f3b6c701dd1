"""Keyword search over postings, for Chinese and mixed Chinese/Latin queries.

Chinese has no spaces between words, so a keyword is a substring, and one-
and two-character queries (“岗”, “风控”) must work as well as long ones. A
posting's search data (PostingSearch) holds its normalised text, the
*document*; a query matches when every one of its terms is a substring.

On PostgreSQL a substring scan of a million documents takes seconds and a
trigram index cannot serve terms shorter than three characters, so the
document's characters and character pairs (*grams*) are stored as a tsvector
with a GIN index, built with nothing beyond what PostgreSQL ships. A term of
one or two characters is then exactly "this gram is present"; a longer term
needs all of its pairs, and the few candidates the index returns are checked
against the document for the exact substring. SQLite, for small boards and
development, checks the document directly; both give the same results.
"""

import contextvars
import time
import unicodedata
from contextlib import contextmanager

from django.contrib.postgres.search import SearchVectorField
from django.db import connection
from django.db.models import Func, Lookup, OuterRef, Subquery, Value

# Between fields: no query term contains it, so no match spans two fields.
SEPARATOR = "\n"


def normalize(text):
    """Fold width and case, so "ＪＡＶＡ", "Java" and "java" are one term."""
    return unicodedata.normalize("NFKC", text).casefold()


def terms(query):
    """Distinct search terms of a query, in order; whitespace separates terms."""
    seen = []
    for term in normalize(query).split():
        if term not in seen:
            seen.append(term)
    return seen


def document_from(parts):
    """The normalised search document of a posting's text fields."""
    return normalize(SEPARATOR.join(part for part in parts if part))


def document_parts(posting):
    """The posting's text as it is searched: reads its related rows."""
    parts = [
        posting.title,
        *(institution.name for institution in posting.institution.lineage()),
        posting.department.name if posting.department else "",
        posting.grade,
        posting.category,
    ]
    for location in posting.locations.all():
        parts += [location.name, location.province]
    parts += [certificate.name for certificate in posting.certificates.all()]
    parts += [duty.text for duty in posting.duties.all()]
    parts += [requirement.text for requirement in posting.requirements.all()]
    return parts


def grams(document):
    """Every character and every pair of adjacent characters, per token.

    Tokens are the whitespace-separated runs of the document, as query terms
    are whitespace-separated: a pair never spans a space or a field.
    """
    found = set()
    for token in document.split():
        found.update(token)
        found.update(token[i : i + 2] for i in range(len(token) - 1))
    return sorted(found)


def term_grams(term):
    """The grams a document must hold to contain ``term``."""
    if len(term) == 1:
        return [term]
    return sorted({term[i : i + 2] for i in range(len(term) - 1)})


def _quote(lexeme):
    # tsquery/tsvector literal: quote, double quotes inside, escape backslashes.
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(gram_list):
    """A tsvector in PostgreSQL's text form, for COPY (no parsing, no stemming)."""
    joined = "' '".join(gram_list)
    if not joined:
        return ""
    if "'" in joined.replace("' '", "") or "\\" in joined:
        return " ".join(_quote(gram) for gram in gram_list)
    return f"'{joined}'"  # no quote or backslash to escape: the common case


def tsquery_literal(query_terms):
    """All grams of all terms must be present: 'ab' & 'bc' & …"""
    needed = sorted({gram for term in query_terms for gram in term_grams(term)})
    return " & ".join(_quote(gram) for gram in needed)


@SearchVectorField.register_lookup
class ContainsGrams(Lookup):
    """``grams__contains_grams=<tsquery text>``: the tsvector holds every gram.

    The query is cast, not parsed by a text-search configuration, so grams
    are compared exactly as stored (punctuation and digits included).
    """

    lookup_name = "contains_grams"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @@ CAST({rhs} AS tsquery)", [*lhs_params, *rhs_params]


def index_posting(posting):
    """Write the posting's search data (document, and grams on PostgreSQL)."""
    from .models import PostingSearch

    document = document_from(document_parts(posting))
    values = {"document": document}
    if connection.vendor == "postgresql":
        values["grams"] = Func(Value(grams(document)), function="array_to_tsvector")
    PostingSearch.objects.update_or_create(posting=posting, defaults=values)


# A term found in at least this share of postings is common: the listing
# finds its first page fastest by walking postings newest first and testing
# each, rather than by collecting every match from the index and sorting.
COMMON_SHARE = 0.01
_ESTIMATE_ROWS = 8000
_ESTIMATE_SECONDS = 300
_ESTIMATES_KEPT = 1000
_estimates = {}
_whole_result = contextvars.ContextVar("whole_result", default=False)


@contextmanager
def whole_result():
    """Within this block, ``matching`` plans for reading every match (to
    count them) rather than the first page: the walk that finds a common
    term's first page fastest would test every posting one by one."""
    token = _whole_result.set(True)
    try:
        yield
    finally:
        _whole_result.reset(token)


def _like_pattern(term):
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def matching_share(query_terms):
    """Roughly which share of postings match (PostgreSQL), from a sample.

    The planner cannot know: it treats a term's character pairs as
    independent, so it takes "java" (whose pairs always come together) for
    a rarity and "岗" for what it is. A few thousand sampled documents say
    which plan fits. Kept for a few minutes per query, per process.
    """
    key = tuple(query_terms)
    cached = _estimates.get(key)
    if cached and cached[1] > time.monotonic():
        return cached[0]
    long_terms = [term for term in query_terms if len(term) > 2]
    condition = " AND ".join(
        ["grams @@ CAST(%s AS tsquery)"] + ["document LIKE %s"] * len(long_terms)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class "
            "WHERE oid = 'postings_postingsearch'::regclass"
        )
        (rows,) = cursor.fetchone()
        percent = min(100.0, 100.0 * _ESTIMATE_ROWS / max(rows, 1.0))
        cursor.execute(
            f"SELECT COUNT(*), COUNT(*) FILTER (WHERE {condition}) "
            "FROM postings_postingsearch TABLESAMPLE SYSTEM (%s) REPEATABLE (7)",
            [tsquery_literal(query_terms), *map(_like_pattern, long_terms), percent],
        )
        sampled, matched = cursor.fetchone()
    share = matched / sampled if sampled else 1.0
    if len(_estimates) >= _ESTIMATES_KEPT:
        _estimates.clear()  # visitors' queries are unbounded; memory is not
    _estimates[key] = (share, time.monotonic() + _ESTIMATE_SECONDS)
    return share


def _containing(documents, query_terms):
    """``documents`` (PostingSearch rows) whose text holds every term."""
    for term in query_terms:
        documents = documents.filter(document__contains=term)
    return documents


def matching(queryset, query):
    """Postings of ``queryset`` whose document contains every term of ``query``."""
    from .models import PostingSearch

    query_terms = terms(query)
    if not query_terms:
        return queryset
    if connection.vendor != "postgresql":
        found = _containing(PostingSearch.objects.all(), query_terms)
        return queryset.filter(pk__in=found.values("posting_id"))
    if not _whole_result.get() and matching_share(query_terms) >= COMMON_SHARE:
        # A correlated scalar subquery is tested row by row and never turned
        # into a join: the database walks postings in the listing's order,
        # reading one document per posting, and stops at the page's end.
        # Row by row, the text alone decides: a posting's grams are several
        # times the size of its text, and only an index search needs them.
        per_row = PostingSearch.objects.filter(posting=OuterRef("pk"))
        first_match = _containing(per_row, query_terms).values("posting_id")[:1]
        return queryset.annotate(keyword_match=Subquery(first_match)).filter(
            keyword_match__isnull=False
        )
    # The gram index answers one- and two-character terms exactly; a longer
    # term's grams may come in another order, so its text is checked too.
    found = PostingSearch.objects.filter(
        grams__contains_grams=tsquery_literal(query_terms)
    )
    long_terms = [term for term in query_terms if len(term) > 2]
    return queryset.filter(pk__in=_containing(found, long_terms).values("posting_id"))
