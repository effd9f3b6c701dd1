"""The API's query parameters: the listing's filters, paged by cursor.

The filters are the listing's own (postings.filters.PostingFilter), with
their values, validation and messages; only paging differs: the API takes
a ``cursor`` where the listing takes a ``page``.
"""

from django import forms

from ..filters import ListingForm, PostingFilter
from .cursors import CursorField

PER_PAGE_DEFAULT = 20  # as the listing
TABLE_PER_PAGE_DEFAULT = 100  # institutions and departments: short rows


class CursorListingForm(ListingForm):
    page = None
    cursor = CursorField(required=False, label="游标")


class ApiPostingFilter(PostingFilter):
    class Meta(PostingFilter.Meta):
        form = CursorListingForm


class TableForm(forms.Form):
    """Paging through institutions or departments, by id."""

    per_page = ListingForm.base_fields["per_page"]
    cursor = CursorField(required=False, label="游标")


class FacetFilter(PostingFilter):
    """The listing's filters alone: facet counts are not paged."""

    class Meta(PostingFilter.Meta):
        form = forms.Form
