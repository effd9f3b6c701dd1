"""Keyword search over postings, for Chinese and mixed Chinese/Latin queries.

Chinese has no spaces between words, so a keyword is a substring, and one- or
two-character queries (“岗”, “风控”) must work as well as long ones. Each posting
keeps a normalised search document (title, organisation, locations, duties,
requirements, certificates); a query matches when every one of its terms is a
substring of that document.
"""

import unicodedata

from django.db.models import Q


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


def build_document(posting):
    """The text a posting is found by. Reads related rows; call after saving them."""
    institutions = posting.institution.lineage()
    parts = [
        posting.title,
        *(institution.name for institution in institutions),
        posting.department.name if posting.department else "",
        posting.grade,
        posting.category,
    ]
    for location in posting.locations.all():
        parts += [location.name, location.province]
    parts += [certificate.name for certificate in posting.certificates.all()]
    parts += [duty.text for duty in posting.duties.all()]
    parts += [requirement.text for requirement in posting.requirements.all()]
    # A separator no query can contain keeps a term from matching across fields.
    return normalize("\n".join(part for part in parts if part))


def matching(queryset, query):
    """Postings whose search document contains every term of ``query``."""
    condition = Q()
    for term in terms(query):
        condition &= Q(search_document__contains=term)
    return queryset.filter(condition)
