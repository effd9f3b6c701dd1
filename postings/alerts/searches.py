"""A listing's filter as a subscription stores it: normal form and description.

Only what ``PostingFilter`` reads is kept (never page, per_page or sort, which
change how a listing is shown, not what it holds). Each parameter is read the
way the filter's form reads it, so a repeatable parameter keeps all its values
and a single-valued one only the value the listing uses. Values are trimmed,
deduplicated and sorted: one search has one normal form, whatever order its
checkboxes were ticked in.
"""

from dataclasses import dataclass

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from ..filters import PostingFilter
from ..models import AlertSubscription, Posting

# Parameters the listing understands that do not narrow what it holds.
PRESENTATION_PARAMETERS = {"sort", "page", "per_page"}
MAX_QUERY_LENGTH = AlertSubscription._meta.get_field("query").max_length

# How each filter reads in a description, in reading order: what, who, where,
# then the candidate's situation. A filter not named here reads "label：values".
# The values are the listing's own (names of categories, places...); the
# words around them are in the language the subscription is made in.
PLAIN = "%(values)s"
DESCRIPTIONS = {
    "q": pgettext_lazy("alert description", "“%(values)s”"),
    "category": PLAIN,
    "grade": PLAIN,
    "employer": PLAIN,
    "institution": PLAIN,
    "department": PLAIN,
    "province": PLAIN,
    "location": PLAIN,
    "certificate": pgettext_lazy("alert description", "%(values)s证书"),
    "education": pgettext_lazy("alert description", "%(values)s学历可报"),
    "experience": pgettext_lazy("alert description", "%(values)s 年经验可报"),
    "age": pgettext_lazy("alert description", "%(values)s 岁可报"),
}
OTHER_FILTER_DESCRIPTION = pgettext_lazy("alert description", "%(label)s：%(values)s")
EVERYTHING_DESCRIPTION = pgettext_lazy("alert description", "全部岗位")
DESCRIPTION_SEPARATOR = " · "
# "、" between a filter's values in Chinese, ", " in English.
VALUE_SEPARATOR = pgettext_lazy("alert description: between values", "、")


@dataclass(frozen=True)
class Search:
    """A listing query in normal form, checked by the listing's own filter."""

    query: str
    description: str
    errors: list

    @property
    def is_valid(self):
        return not self.errors


def _filterset(data):
    return PostingFilter(data, queryset=Posting.objects.open_now())


def normalise(data):
    """The normal form of a QueryDict of listing parameters, as a QueryDict."""
    form = _filterset(data).form
    normal = QueryDict(mutable=True)
    for name, field in form.fields.items():
        if name in PRESENTATION_PARAMETERS:
            continue
        raw = field.widget.value_from_datadict(data, {}, form.add_prefix(name))
        if isinstance(raw, list | tuple):
            values = sorted({str(v).strip() for v in raw if str(v).strip()})
            if values:
                normal.setlist(name, values)
        elif raw is not None:
            value = " ".join(str(raw).split())
            if value:
                normal[name] = value
    return normal


def parse(data):
    """The Search for listing parameters (a QueryDict), with the listing's
    own messages for values it cannot filter by."""
    normal = normalise(data)
    filterset = _filterset(normal)
    errors = []
    if not filterset.is_valid():
        for name, messages in filterset.errors.items():
            label = filterset.filters[name].label if name in filterset.filters else name
            errors.extend(
                _("%(label)s：%(message)s") % {"label": label, "message": message}
                for message in messages
            )
    query = normal.urlencode()
    if len(query) > MAX_QUERY_LENGTH:
        errors.append(_("筛选条件太多，无法订阅：请减少一些条件后再试。"))
    return Search(query=query, description=describe(normal, filterset), errors=errors)


def describe(normal, filterset=None):
    """A readable description of a normal-form query: “信息科技类 · 北京”,
    in the active language."""
    filters = (filterset or _filterset(normal)).filters
    names = [n for n in DESCRIPTIONS if n in normal]
    names += [n for n in normal if n not in DESCRIPTIONS]
    parts = []
    for name in names:
        values = str(VALUE_SEPARATOR).join(normal.getlist(name))
        if name in DESCRIPTIONS:
            parts.append(DESCRIPTIONS[name] % {"values": values})
        else:
            label = filters[name].label if name in filters else name
            parts.append(OTHER_FILTER_DESCRIPTION % {"label": label, "values": values})
    description = DESCRIPTION_SEPARATOR.join(parts) or str(EVERYTHING_DESCRIPTION)
    max_length = AlertSubscription._meta.get_field("description").max_length
    if len(description) > max_length:
        description = description[: max_length - 1] + "…"
    return description


def matching_postings(subscription):
    """Open postings matching a subscription's search now, or None when the
    stored query no longer validates (the listing's rules changed)."""
    filterset = _filterset(QueryDict(subscription.query))
    if not filterset.is_valid():
        return None
    return filterset.qs
