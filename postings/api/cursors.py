"""Cursor pagination: where the last page ended, as an opaque signed token.

A cursor names the last item a client was given by its place in the order
(the sort's key, with the posting's id breaking ties), not by a page
number. The next page starts right after that place in the order as it is
now: postings published, changed or closed in between neither repeat nor
push others out of a walk through the result, and a walk visits every
posting that stays in the result the whole time exactly once, in order.

Postings are ordered by the board in memory (postings.board), so the
listing, its pages and a cursor walk through the API agree. The board's
sort keys of the newest, deadline and headcount orders are whole numbers
computed from a posting's values and id alone, so a cursor keeps the key
itself; the title order ranks titles among the titles present, which
change, so a cursor keeps the title and the id; relevance (with a
keyword) keeps whether the title held the terms, then the newest key.

Tokens are signed with the site's secret key (django.core.signing), without
a timestamp, so the same page always carries the same token: a cursor that
was altered, truncated or made up is refused with a message, never followed.
"""

import numpy as np
from django import forms
from django.core import signing
from django.core.exceptions import ValidationError

from .. import search
from ..filters import SORT

SALT = "postings.api.cursor"
MAX_LENGTH = 500
# Shown after the parameter's label, as every filter's message is: "游标：…".
INVALID = "无法识别，请原样传回上一页返回的 next_cursor。"
WRONG_SORT = "与排序方式不符，翻页时请保持 sort 不变。"
WRONG_LIST = "不属于这个列表，请原样传回这个列表上一页返回的 next_cursor。"


def _signer():
    return signing.Signer(salt=SALT)  # reads the secret key when used


def encode(kind, position):
    """A token for ``position`` in the list ``kind`` ("postings:newest" …)."""
    return _signer().sign_object({"k": kind, "p": position}, compress=True)


def decode(token):
    """(kind, position) of a token, or ValidationError."""
    if len(token) > MAX_LENGTH:
        raise ValidationError(INVALID, code="bad_cursor")
    try:
        payload = _signer().unsign_object(token)
    except signing.BadSignature:
        raise ValidationError(INVALID, code="bad_cursor") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("k"), str):
        raise ValidationError(INVALID, code="bad_cursor")
    return payload["k"], payload.get("p")


class CursorField(forms.Field):
    """The ``cursor`` parameter: a decoded (kind, position), or None."""

    def to_python(self, value):
        value = (value or "").strip()
        return decode(value) if value else None


# --- Postings on the board --------------------------------------------------------


def effective_sort(filterset):
    """The order the board serves: relevance without terms is newest first."""
    sort = filterset.chosen_sort
    if sort == SORT.RELEVANCE and not search.terms(filterset.keyword):
        return SORT.NEWEST
    return sort


def posting_kind(sort):
    return f"postings:{sort}"


def _valid_position(sort, position):
    if sort == SORT.TITLE:
        return (
            isinstance(position, list)
            and len(position) == 2
            and isinstance(position[0], str)
            and type(position[1]) is int
        )
    if sort == SORT.RELEVANCE:
        return (
            isinstance(position, list)
            and len(position) == 2
            and position[0] in (0, 1)
            and type(position[1]) is int
        )
    return type(position) is int


def check_posting_cursor(cursor, sort):
    """The cursor's position in ``sort``'s order, or ValidationError."""
    kind, position = cursor
    if not kind.startswith("postings:"):
        raise ValidationError(WRONG_LIST, code="wrong_list")
    if kind != posting_kind(sort):
        raise ValidationError(WRONG_SORT, code="wrong_sort")
    if not _valid_position(sort, position):
        raise ValidationError(INVALID, code="bad_cursor")
    return position


def posting_page(current, filterset, date, *, after, limit):
    """The filter's total, the ids of up to ``limit`` postings of its result
    that follow the position ``after`` (None: from the start), and the
    position of the last of them when more follow (else None)."""
    sort = effective_sort(filterset)
    terms = tuple(search.terms(filterset.keyword))
    with current.lock:
        result = current.result(filterset, date)
        offset = 0
        if after is not None:
            rows = current.fit(result.rows)
            offset = _places_through(current, rows, sort, terms, after)
        ids = current.page(filterset, date, sort=sort, offset=offset, limit=limit)
        more = bool(ids) and offset + len(ids) < result.total
        last = _position_of(current, ids[-1], sort, terms) if more else None
        return result.total, ids, last


def _places_through(current, mask, sort, terms, position):
    """How many rows of ``mask`` come at or before ``position`` in ``sort``'s
    order: where the page after it starts."""
    if sort == SORT.TITLE:
        title, last_id = position
        rows = np.flatnonzero(mask)
        before = np.array(
            [(value or "") < title for value in current.titles.values], dtype=bool
        )
        same = np.array(
            [(value or "") == title for value in current.titles.values], dtype=bool
        )
        codes = current.rows.get("title")[rows]
        ids = current.ids[rows]
        return int(np.count_nonzero(before[codes] | (same[codes] & (ids <= last_id))))
    if sort == SORT.RELEVANCE:
        group, key = position
        in_title = mask & current.title_mask(terms)
        if group == 0:
            return _keys_through(current, in_title, SORT.NEWEST, key)
        rest = mask & ~in_title
        return int(np.count_nonzero(in_title)) + _keys_through(
            current, rest, SORT.NEWEST, key
        )
    return _keys_through(current, mask, sort, position)


def _keys_through(current, mask, sort, key):
    keys = current.sort_keys(sort, np.flatnonzero(mask))
    return int(np.count_nonzero(keys <= key))


def _position_of(current, posting_id, sort, terms):
    row = int(current.rows_of_ids([posting_id])[0])
    if sort == SORT.TITLE:
        title = current.titles.values[int(current.rows.get("title")[row])] or ""
        return [title, int(posting_id)]
    if sort == SORT.RELEVANCE:
        group = 0 if current.title_mask(terms)[row] else 1
        return [group, int(current.sort_keys(SORT.NEWEST, [row])[0])]
    return int(current.sort_keys(sort, [row])[0])


# --- Rows of a table, by id ---------------------------------------------------------


def check_id_cursor(cursor, kind):
    """The last id a cursor of the list ``kind`` names, or ValidationError."""
    found, position = cursor
    if found != kind:
        raise ValidationError(WRONG_LIST, code="wrong_list")
    if type(position) is not int:
        raise ValidationError(INVALID, code="bad_cursor")
    return position
