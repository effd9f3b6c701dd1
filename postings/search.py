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

import unicodedata

from django.contrib.postgres.search import SearchVectorField
from django.db import connection
from django.db.models import Case, F, Func, IntegerField, Lookup, Q, Value, When
from django.db.models.functions import Concat, StrIndex, Substr
from django.db.models.lookups import GreaterThan

from .models import PostingSearch

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
    """Write the posting's search data (document, and grams on PostgreSQL).

    Every code path that changes a posting's text calls this once the
    posting and its items are saved. Derived data, not an edit: written
    outside the history.
    """
    document = document_from(document_parts(posting))
    values = {"document": document}
    if connection.vendor == "postgresql":
        values["grams"] = Func(Value(grams(document)), function="array_to_tsvector")
    PostingSearch.objects.update_or_create(posting=posting, defaults=values)


def title_of(document):
    """The normalised title: the first field of a search document."""
    return document.split(SEPARATOR, 1)[0]


def title_match(query_terms):
    """SQL: 1 for a posting whose title holds every term, else 0 (for the
    relevance order, in the same normalised text the search reads)."""
    document = F("search__document")
    end = StrIndex(Concat(document, Value(SEPARATOR)), Value(SEPARATOR))
    title = Substr(document, 1, end - 1)
    holds = Q(*(GreaterThan(StrIndex(title, Value(term)), 0) for term in query_terms))
    return Case(
        When(holds, then=Value(1)), default=Value(0), output_field=IntegerField()
    )


def _containing(documents, query_terms):
    """``documents`` (PostingSearch rows) whose text holds every term."""
    for term in query_terms:
        documents = documents.filter(document__contains=term)
    return documents


def matching_documents(query_terms):
    """The PostingSearch rows that hold every term.

    On PostgreSQL the gram index answers one- and two-character terms
    exactly; a longer term's pairs may come in another order, so its text
    is checked too, for the few candidates the index leaves. SQLite, for
    small boards, checks every document.
    """
    if connection.vendor != "postgresql":
        return _containing(PostingSearch.objects.all(), query_terms)
    found = PostingSearch.objects.filter(
        grams__contains_grams=tsquery_literal(query_terms)
    )
    return _containing(found, [term for term in query_terms if len(term) > 2])


def matching(queryset, query):
    """Postings of ``queryset`` whose document contains every term of ``query``."""
    query_terms = terms(query)
    if not query_terms:
        return queryset
    found = matching_documents(query_terms)
    return queryset.filter(pk__in=found.values("posting_id"))
