"""The public listing's filters, each declared once, in PostingFilter.

A filter's declaration is its name, its label and the field it reads
(``field_name``). Everything else is derived from it by the filter's kind:

- the SQL narrowing of a queryset (django-filter's ``filter``), used by
  exports, alerts and any code that wants a queryset;
- the test of every posting at once on the in-memory board (``mask``), from
  which the listing's page, total and facet counts come (postings.board);
- the test of one posting's facts (``test``), which tells the board and the
  page cache whether a change can affect a result;
- for the filters shown with counts, the counting (``count``).

The kinds are few: any of some values (employer, grade, location …), an
institution or any below it, and the candidate's situation against a
posting's floor or limit (education, years, age). Adding a filter is one
line in PostingFilter (and one test).

Values are the human-readable strings the exports show (“中国银行”,
“喀什市”, “本科”), so a URL reads like the filter it is. Every parameter
may repeat, meaning "any of". The candidate-side filters describe the
candidate: a posting matches when the candidate meets its floor or limit,
or when the posting states none.
"""

import datetime
import functools
import re
import unicodedata
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from . import search
from .models import (
    Education,
    Institution,
    Posting,
    PostingCertificate,
    PostingLocation,
    open_until,
)

MAX_VALUES = 30
MAX_VALUE_LENGTH = 100
# Kept as the Chinese text (tests and pages compare it); shown translated.
CONTROL_CHARACTERS_MESSAGE = gettext_noop("不能包含控制字符（例如空字符）。")


def join_list(items):
    """Items as a list reads in the language in use ("本科、硕士")."""
    return _("、").join(str(item) for item in items)


def _has_control_characters(text):
    return any(unicodedata.category(character) == "Cc" for character in text)


class RejectsControlCharacters:
    """A form field mixin: a value with a control character (a NUL byte,
    which PostgreSQL cannot store or compare) is refused with one message
    before anything else reads it, so no message ever echoes it."""

    def to_python(self, value):
        if isinstance(value, str) and _has_control_characters(value):
            raise ValidationError(_(CONTROL_CHARACTERS_MESSAGE), code="control")
        return super().to_python(value)


class ValueListField(forms.Field):
    """All values of a repeated query parameter (?location=喀什市&location=和田市)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, coerce=str, **kwargs):
        self.coerce = coerce
        super().__init__(**kwargs)

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        values = []
        for raw in value:
            # Checked before stripping: str.strip() removes some control
            # characters (\x1c–\x1f), which would then pass here and still be
            # echoed from the raw parameter (a feed's title, a chip).
            if _has_control_characters(str(raw)):
                raise ValidationError(_(CONTROL_CHARACTERS_MESSAGE), code="control")
            raw = str(raw).strip()
            if not raw or raw in values:
                continue
            if len(raw) > MAX_VALUE_LENGTH:
                raise ValidationError(
                    _("取值过长（最多 %(limit)s 个字符）。")
                    % {"limit": MAX_VALUE_LENGTH},
                    code="too_long",
                )
            values.append(raw)
        if len(values) > MAX_VALUES:
            raise ValidationError(
                _("同一条件最多选择 %(limit)s 项。") % {"limit": MAX_VALUES},
                code="too_many",
            )
        return [self.coerce(v) for v in values]


class KeywordField(RejectsControlCharacters, forms.CharField):
    pass


class SortField(RejectsControlCharacters, django_filters.fields.ChoiceField):
    pass


class SortFilter(django_filters.ChoiceFilter):
    field_class = SortField


def whole_number(low, high, what):
    """A coerce function: an integer from ``low`` to ``high``, or a message.
    ``what`` is a lazy label, read in the language of the request."""

    def coerce(raw):
        try:
            number = int(raw)
        except (TypeError, ValueError):
            raise ValidationError(
                _("%(what)s须为整数，收到“%(value)s”。")
                % {"what": what, "value": str(raw)[:20]},
                code="not_a_number",
            ) from None
        if not low <= number <= high:
            raise ValidationError(
                _("%(what)s须在 %(low)s 到 %(high)s 之间。")
                % {"what": what, "low": low, "high": high},
                code="out_of_range",
            )
        return number

    return coerce


def education_level(raw):
    """A level from its Chinese name ("本科", the value links carry) or its
    label in the language in use."""
    level = Education.from_parameter(raw)
    if level is not None:
        return level
    raise ValidationError(
        _("学历须为 %(labels)s 之一，收到“%(value)s”。")
        % {"labels": join_list(Education.labels), "value": raw},
        code="unknown_education",
    )


def iso_week(raw):
    """ "2026-W05" -> the Monday that week starts on."""
    match = re.fullmatch(r"(\d{4})-W(\d{1,2})", raw)
    try:
        if not match:
            raise ValueError
        return datetime.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValidationError(
            _("发布周须形如 2026-W05（年份-W周数），收到“%(value)s”。")
            % {"value": raw},
            code="bad_week",
        ) from None


class WholeNumberField(RejectsControlCharacters, forms.Field):
    """A single whole number (page, per_page) with the listing's messages."""

    def __init__(self, *, low, high, what, **kwargs):
        self.coerce = whole_number(low, high, what)
        super().__init__(required=False, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in (None, ""):
            return None
        return self.coerce(value)


def _relation(path):
    """How ``path`` is reached from a posting: its first field and whether
    a posting can hold several values there (a one-to-many step)."""
    field = Posting._meta.get_field(path.split("__")[0])
    return field, field.one_to_many or field.many_to_many


class ValuesFilter(django_filters.Filter):
    """Postings whose value at ``field_name`` is any of the given values.

    A path through a one-to-many relation (a posting's locations or
    certificates) can give one posting several values: it matches when any
    of them is selected, and it is counted once per value it holds.
    """

    field_class = ValueListField
    has_counts = True

    @property
    def many(self):
        return _relation(self.field_name)[1]

    def filter(self, qs, value):
        if not value:
            return qs
        field, many = _relation(self.field_name)
        if not many:
            return qs.filter(**{f"{self.field_name}__in": value})
        # Through the item table, so a posting with two matching values
        # is not listed twice.
        rest = self.field_name.split("__", 1)[1]
        items = field.related_model.objects.filter(
            **{field.field.name: OuterRef("pk"), f"{rest}__in": value}
        )
        return qs.filter(Exists(items))

    def mask(self, board, value):
        return board.column(self.field_name).has_any(value)

    def test(self, facts, value):
        return not facts.values[self.field_name].isdisjoint(value)

    def count(self, board, rows):
        return board.column(self.field_name).count(rows)

    def facts_values(self, facts):
        return facts.values[self.field_name]


class InstitutionFilter(ValuesFilter):
    """Postings of the named institutions or of any institution below them
    (中国银行 includes all its branches)."""

    def filter(self, qs, value):
        if not value:
            return qs
        named = Institution.objects.filter(name__in=value)
        return qs.filter(institution__in=Institution.objects.with_descendants(named))

    def mask(self, board, value):
        return board.column(self.field_name).in_subtrees(value)

    def test(self, facts, value):
        return not facts.lineage.isdisjoint(value)

    def count(self, board, rows):
        return board.column(self.field_name).count_subtrees(rows)

    def facts_values(self, facts):
        return facts.lineage


class CandidateFilter(django_filters.Filter):
    """The candidate's situation against a posting's number at
    ``field_name``: a floor (education, years) the candidate must reach, or
    a limit (age) they must not pass. A posting that states none matches.
    Several values describe the candidate most favourably (the highest
    degree, the youngest age)."""

    field_class = ValueListField

    def __init__(self, *args, floor=True, has_counts=False, **kwargs):
        self.is_floor = floor
        self.has_counts = has_counts
        super().__init__(*args, **kwargs)

    def candidate(self, value):
        return max(value) if self.is_floor else min(value)

    def filter(self, qs, value):
        if not value:
            return qs
        bound = "lte" if self.is_floor else "gte"
        return qs.filter(
            Q(**{f"{self.field_name}__{bound}": self.candidate(value)})
            | Q(**{f"{self.field_name}__isnull": True})
        )

    def mask(self, board, value):
        return board.number(self.field_name).allows(
            self.candidate(value), floor=self.is_floor
        )

    def test(self, facts, value):
        stated = facts.numbers[self.field_name]
        if stated is None:
            return True
        candidate = self.candidate(value)
        return stated <= candidate if self.is_floor else stated >= candidate

    def count(self, board, rows):
        """Postings per stated number (None for "not stated")."""
        return board.number(self.field_name).count(rows)

    def facts_values(self, facts):
        return {facts.numbers[self.field_name]}


class PublishedWeekFilter(django_filters.Filter):
    """Postings published in any of the given ISO weeks (values are the
    weeks' Mondays): the insights page's weekly chart links to them."""

    field_class = ValueListField
    has_counts = False

    def filter(self, qs, value):
        if not value:
            return qs
        weeks = Q()
        for monday in value:
            weeks |= Q(
                published_on__range=(monday, monday + datetime.timedelta(days=6))
            )
        return qs.filter(weeks)

    def mask(self, board, value):
        return board.published_in_weeks(value)

    def test(self, facts, value):
        published = facts.published_on
        return published is not None and any(
            monday <= published <= monday + datetime.timedelta(days=6)
            for monday in value
        )


FIT = "符合"


def fit_value(raw):
    if raw.strip() != FIT:
        raise ValidationError(
            _("只能为“%(value)s”（只看符合我的情况的岗位）。") % {"value": FIT},
            code="fit",
        )
    return FIT


class FitFilter(django_filters.Filter):
    """Only the postings a candidate fully meets (eligibility's 符合), for
    the situation the same query states (education, experience, age): every
    requirement the posting states is met, and it asks nothing only the
    candidate could confirm (a certificate, shift work, a home in the area).

    The candidate filters already drop what the candidate does not meet;
    this also drops what would still be 待确认: a floor or limit for a field
    the candidate left empty, and the questions above."""

    field_class = ValueListField
    has_counts = False
    # It reads the candidate filters' values: a facet count that sets one of
    # them (education's "本科 (8)") asks with ``skip`` set to its name.
    reads_other_filters = True

    def _unstated(self, skip=None):
        """Fields whose number the candidate did not give (their floor or
        limit can then only be 待确认); ``skip`` counts as given."""
        given = self.parent.form.cleaned_data
        return [
            filter_.field_name
            for name, filter_ in self.parent.filters.items()
            if isinstance(filter_, CandidateFilter)
            and not given.get(name)
            and name != skip
        ]

    def filter(self, qs, value):
        if not value:
            return qs
        required = PostingCertificate.objects.filter(
            posting=OuterRef("pk"), is_preferred=False
        )
        return qs.filter(
            ~Exists(required),
            requires_shift_work=False,
            requires_local_residence=False,
            **{f"{field}__isnull": True for field in self._unstated()},
        )

    def mask(self, board, value, skip=None):
        mask = ~board.to_confirm()
        for field in self._unstated(skip):
            mask &= board.number(field).values < 0
        return mask

    def test(self, facts, value, skip=None):
        return not facts.to_confirm and all(
            facts.numbers[field] is None for field in self._unstated(skip)
        )


class KeywordFilter(django_filters.CharFilter):
    """Postings whose text holds every term of the query (postings.search)."""

    field_class = KeywordField
    has_counts = False

    def filter(self, qs, value):
        return search.matching(qs, value) if value and value.strip() else qs

    def mask(self, board, value):
        return board.keyword(search.terms(value))

    def test(self, facts, value):
        # Whether a document held the terms is known only for the queries
        # the board keeps; otherwise assume it may.
        return facts.keywords.get(tuple(search.terms(value)), True)


class SORT:
    RELEVANCE = "relevance"
    NEWEST = "newest"
    DEADLINE = "deadline"
    HEADCOUNT = "headcount"
    TITLE = "title"

    CHOICES = [
        (RELEVANCE, gettext_lazy("相关度")),
        (NEWEST, gettext_lazy("最新发布")),
        (DEADLINE, gettext_lazy("即将截止")),
        (HEADCOUNT, gettext_lazy("招聘人数最多")),
        (TITLE, gettext_lazy("岗位名称")),
    ]

    @staticmethod
    def default(keyword):
        return SORT.RELEVANCE if keyword else SORT.NEWEST


def completeness():
    """How much a posting tells a candidate: 1 each for a stated headcount
    and stated locations. Among postings of the same day the more
    informative come first, so a listing does not open with a row of
    "人数若干 · 地点未注明"."""
    located = Exists(PostingLocation.objects.filter(posting=OuterRef("pk")))
    stated = {"default": Value(0), "output_field": IntegerField()}
    return Case(When(headcount__isnull=False, then=Value(1)), **stated) + Case(
        When(located, then=Value(1)), **stated
    )


def ordered(queryset, sort, keyword=""):
    """``queryset`` in the order of ``sort``, in SQL (the board keeps the
    same orders in memory: postings.board.SORT_KEYS)."""
    newest = ("-published_on", "-completeness", "-id")
    queryset = queryset.alias(completeness=completeness())
    if sort == SORT.DEADLINE:
        return queryset.order_by(open_until().asc(), "-published_on", "-id")
    if sort == SORT.HEADCOUNT:
        return queryset.order_by(Coalesce("headcount", 0).desc(), "-id")
    if sort == SORT.TITLE:
        return queryset.order_by("title", "id")
    if sort == SORT.RELEVANCE and search.terms(keyword):
        return queryset.alias(
            title_match=search.title_match(search.terms(keyword))
        ).order_by("-title_match", *newest)
    return queryset.order_by(*newest)


class ListingForm(forms.Form):
    """The filters' form, plus what the listing needs to page through them."""

    page = WholeNumberField(
        low=1, high=10**6, what=gettext_lazy("页码"), label=gettext_lazy("页码")
    )
    per_page = WholeNumberField(
        low=1,
        high=100,
        what=gettext_lazy("每页条数"),
        label=gettext_lazy("每页条数"),
    )


class PostingFilter(django_filters.FilterSet):
    q = KeywordFilter(label=gettext_lazy("关键词"), max_length=100)
    employer = ValuesFilter(label=gettext_lazy("用人单位"), field_name="employer__name")
    institution = InstitutionFilter(
        label=gettext_lazy("招聘机构"), field_name="institution__name"
    )
    department = ValuesFilter(
        label=gettext_lazy("招聘部门"), field_name="department__name"
    )
    province = ValuesFilter(
        label=gettext_lazy("省份"), field_name="posting_locations__location__province"
    )
    location = ValuesFilter(
        label=gettext_lazy("工作地点"), field_name="posting_locations__location__name"
    )
    grade = ValuesFilter(label=gettext_lazy("岗位职级"), field_name="grade")
    category = ValuesFilter(label=gettext_lazy("招聘类别"), field_name="category")
    certificate = ValuesFilter(
        label=gettext_lazy("资格证书"),
        field_name="posting_certificates__certificate__name",
    )
    education = CandidateFilter(
        label=gettext_lazy("我的学历"),
        field_name="min_education",
        coerce=education_level,
        has_counts=True,
    )
    experience = CandidateFilter(
        label=gettext_lazy("我的工作年限"),
        field_name="min_years_experience",
        coerce=whole_number(0, 60, gettext_lazy("工作年限")),
    )
    age = CandidateFilter(
        label=gettext_lazy("我的年龄"),
        field_name="max_age",
        coerce=whole_number(16, 80, gettext_lazy("年龄")),
        floor=False,
    )
    fit = FitFilter(label=gettext_lazy("只看符合"), coerce=fit_value)
    week = PublishedWeekFilter(
        label=gettext_lazy("发布周"), field_name="published_on", coerce=iso_week
    )
    sort = SortFilter(
        label=gettext_lazy("排序"),
        choices=SORT.CHOICES,
        method="keep_order",
        empty_label=None,
    )

    class Meta:
        model = Posting
        fields = []  # every filter is declared above, explicitly
        form = ListingForm

    def filter_queryset(self, queryset):
        for name, value in self.form.cleaned_data.items():
            if name in self.filters:  # page and per_page are not filters
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def keep_order(self, queryset, name, value):
        return queryset  # ordering is applied once, in ``qs``

    @property
    def qs(self):
        return ordered(super().qs, self.chosen_sort, self.keyword)

    # --- What the board and the page cache read --------------------------------

    @property
    def keyword(self):
        return self.form.cleaned_data.get("q") or ""

    @property
    def chosen_sort(self):
        return self.form.cleaned_data.get("sort") or SORT.default(
            search.terms(self.keyword)
        )

    def active(self):
        """(filter, value) of every filter in use, sort aside, by name."""
        return [
            (name, self.filters[name], value)
            for name, value in sorted(self.form.cleaned_data.items())
            if name in self.filters and name != "sort" and value
        ]

    def query(self):
        """The parameters this filter understands, without empty ones: what
        its page's links carry and what its cached page is keyed by."""
        query = QueryDict(mutable=True)
        for name in self.form.fields:
            values = self.submitted(name)
            if values:
                query.setlist(name, values)
        return query

    def submitted(self, name):
        """The non-blank values of parameter ``name`` that its form field
        read: every value of a list field, only the last of a single-valued
        one (as QueryDict.get reads it), so a repeated ?q= never carries or
        echoes a value the form did not validate."""
        field = self.form.fields[name]
        if isinstance(field.widget, forms.MultipleHiddenInput):
            values = self.data.getlist(name)
        else:
            values = self.data.getlist(name)[-1:]
        return [v for v in values if v.strip()]

    def key(self):
        """What the result depends on, as a hashable value."""
        return tuple(
            (name, value if isinstance(value, str) else tuple(sorted(value)))
            for name, _, value in self.active()
        )

    def could_show(self, facts, date):
        """Whether a posting with these facts could be counted anywhere on
        this filter's page on ``date``: in the result, or in a facet's
        counts, which ignore that facet's own filter."""
        if not facts.is_open_on(date):
            return False
        active = self.active()
        if all(passes(filter_, facts, value) for _, filter_, value in active):
            return True
        # Counted in a facet: it fails that facet's filter alone (or a
        # filter reading that facet's value, asked as the count asks it).
        facets = {name for name, f, _ in active if getattr(f, "has_counts", False)}
        if any(getattr(f, "reads_other_filters", False) for _, f, _ in active):
            facets |= {
                name
                for name, f in self.filters.items()
                if getattr(f, "has_counts", False)
            }
        return any(
            all(
                passes(other, facts, value, skip=name)
                for other_name, other, value in active
                if other_name != name
            )
            for name in facets
        )


@functools.lru_cache(maxsize=512)
def validated(query_string, date, language):
    """The listing's filter of ``query_string`` over the postings open on
    ``date``, validated, with its messages in ``language``.

    Validating the parameters is a form's work, about a millisecond: a fifth
    of an uncached listing and more than the rest of a cached hit. It
    depends on the query string alone, so each one is validated once per
    day, language and process, and requests share the filter, which they
    only read afterwards (its queryset is never evaluated: the board
    answers the listing)."""
    return PostingFilter(
        QueryDict(query_string), queryset=Posting.objects.open_on(date)
    )


def passes(filter_, facts, value, skip=None):
    """``filter_.test``, telling a filter that reads others' values which
    one a facet count leaves out."""
    if skip is not None and getattr(filter_, "reads_other_filters", False):
        return filter_.test(facts, value, skip=skip)
    return filter_.test(facts, value)


def mask_of(filter_, board, value, skip=None):
    """``filter_.mask``, with ``skip`` as in ``passes``."""
    if skip is not None and getattr(filter_, "reads_other_filters", False):
        return filter_.mask(board, value, skip=skip)
    return filter_.mask(board, value)


def filter_errors(filterset):
    """The filterset's errors as "label：message" lines, the same wording on
    every page, export, feed and API answer that takes the listing's
    parameters."""
    errors = []
    for field, messages in filterset.form.errors.items():
        form_field = filterset.form.fields.get(field)
        label = form_field.label if form_field is not None else field
        errors.extend(
            _("%(label)s：%(message)s") % {"label": label, "message": message}
            for message in messages
        )
    return errors


# --- Active-filter chips for the listing page ---------------------------------


@dataclass(frozen=True)
class Chip:
    label: str
    value: str
    remove_query: str


def active_filters(filterset):
    """Each active filter value, with the query string that removes just it."""
    chips = []
    data = filterset.data
    for name, filter_ in filterset.filters.items():
        if name == "sort":
            continue
        for value in filterset.submitted(name):
            remaining = data.copy()
            remaining.setlist(name, [v for v in data.getlist(name) if v != value])
            remaining.pop("page", None)
            chips.append(
                Chip(str(filter_.label), chip_value(name, value), remaining.urlencode())
            )
    return chips


def years_text(years):
    """ "3 年" ("3 years")."""
    return ngettext("%(count)s 年", "%(count)s 年", _plural(years)) % {"count": years}


def chip_value(name, value):
    """A filter's value as its chip reads it in the language in use."""
    if name == "experience":
        return years_text(value)
    if name == "age":
        return ngettext("%(count)s 岁", "%(count)s 岁", _plural(value)) % {
            "count": value
        }
    if name == "education":
        level = Education.from_parameter(value)
        return str(Education(level).label) if level is not None else value
    return value


def _plural(number):
    try:
        return int(number)
    except (TypeError, ValueError):
        return 0
