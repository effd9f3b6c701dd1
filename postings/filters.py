"""The public listing's filters: what a candidate can narrow postings by.

Values are the human-readable strings the exports show (“中国银行”, “喀什市”,
“本科”), so a URL reads like the filter it is. Every parameter may repeat,
meaning "any of". The candidate-side filters (education, experience, age)
describe the candidate: a posting matches when the candidate meets its
floor or limit, or when the posting states none.
"""

import datetime
import re
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Coalesce

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
            raw = str(raw).strip()
            if not raw or raw in values:
                continue
            if len(raw) > MAX_VALUE_LENGTH:
                raise ValidationError(
                    f"取值过长（最多 {MAX_VALUE_LENGTH} 个字符）。", code="too_long"
                )
            values.append(raw)
        if len(values) > MAX_VALUES:
            raise ValidationError(
                f"同一条件最多选择 {MAX_VALUES} 项。", code="too_many"
            )
        return [self.coerce(v) for v in values]


def _whole_number(low, high, what):
    def coerce(raw):
        try:
            number = int(raw)
        except ValueError:
            raise ValidationError(
                f"{what}须为整数，收到“{raw}”。", code="not_a_number"
            ) from None
        if not low <= number <= high:
            raise ValidationError(
                f"{what}须在 {low} 到 {high} 之间。", code="out_of_range"
            )
        return number

    return coerce


def _education(raw):
    for value, label in Education.choices:
        if raw == label:
            return value
    labels = "、".join(Education.labels)
    raise ValidationError(
        f"学历须为 {labels} 之一，收到“{raw}”。", code="unknown_education"
    )


def _iso_week(raw):
    """ "2026-W05" -> the Monday that week starts on."""
    match = re.fullmatch(r"(\d{4})-W(\d{1,2})", raw)
    try:
        if not match:
            raise ValueError
        return datetime.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValidationError(
            f"发布周须形如 2026-W05（年份-W周数），收到“{raw}”。", code="bad_week"
        ) from None


class ValuesFilter(django_filters.Filter):
    """Matches postings whose ``field_name`` equals any of the given values
    (or, with ``method=``, whatever that method makes of the list)."""

    field_class = ValueListField

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


class SORT:
    NEWEST = "newest"
    DEADLINE = "deadline"
    HEADCOUNT = "headcount"
    TITLE = "title"

    CHOICES = [
        (NEWEST, "最新发布"),
        (DEADLINE, "即将截止"),
        (HEADCOUNT, "招聘人数最多"),
        (TITLE, "岗位名称"),
    ]
    # Each ordering matches an index on Posting (see its Meta.indexes).
    ORDERINGS = {
        NEWEST: ("-published_on", "-id"),
        DEADLINE: (open_until().asc(), "-published_on", "-id"),
        HEADCOUNT: (Coalesce("headcount", 0).desc(), "-id"),
        TITLE: ("title", "id"),
    }


class PostingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="关键词", method="filter_keyword", max_length=100
    )
    employer = ValuesFilter(label="用人单位", field_name="employer__name")
    institution = ValuesFilter(label="招聘机构", method="filter_institution")
    department = ValuesFilter(label="招聘部门", field_name="department__name")
    location = ValuesFilter(label="工作地点", method="filter_location")
    province = ValuesFilter(label="省份", method="filter_province")
    grade = ValuesFilter(label="岗位职级", field_name="grade")
    category = ValuesFilter(label="招聘类别", field_name="category")
    certificate = ValuesFilter(label="资格证书", method="filter_certificate")
    education = ValuesFilter(
        label="我的学历",
        method="filter_education",
        coerce=_education,
    )
    experience = ValuesFilter(
        label="我的工作年限",
        method="filter_experience",
        coerce=_whole_number(0, 60, "工作年限"),
    )
    age = ValuesFilter(
        label="我的年龄",
        method="filter_age",
        coerce=_whole_number(16, 80, "年龄"),
    )
    week = ValuesFilter(label="发布周", method="filter_week", coerce=_iso_week)
    sort = django_filters.ChoiceFilter(
        label="排序", choices=SORT.CHOICES, method="apply_sort", empty_label=None
    )

    class Meta:
        model = Posting
        fields = []  # every filter is declared above, explicitly

    def filter_keyword(self, queryset, name, value):
        return search.matching(queryset, value) if value.strip() else queryset

    def filter_institution(self, queryset, name, value):
        if not value:
            return queryset
        named = Institution.objects.filter(name__in=value)
        return queryset.filter(
            institution__in=Institution.objects.with_descendants(named)
        )

    def filter_location(self, queryset, name, value):
        if not value:
            return queryset
        located = PostingLocation.objects.filter(location__name__in=value)
        return queryset.filter(pk__in=located.values("posting_id"))

    def filter_province(self, queryset, name, value):
        if not value:
            return queryset
        located = PostingLocation.objects.filter(location__province__in=value)
        return queryset.filter(pk__in=located.values("posting_id"))

    def filter_certificate(self, queryset, name, value):
        if not value:
            return queryset
        named = PostingCertificate.objects.filter(certificate__name__in=value)
        return queryset.filter(pk__in=named.values("posting_id"))

    def filter_education(self, queryset, name, value):
        if not value:
            return queryset
        highest = max(value)
        return queryset.filter(
            Q(min_education__lte=highest) | Q(min_education__isnull=True)
        )

    def filter_experience(self, queryset, name, value):
        if not value:
            return queryset
        years = max(value)
        return queryset.filter(
            Q(min_years_experience__lte=years) | Q(min_years_experience__isnull=True)
        )

    def filter_age(self, queryset, name, value):
        if not value:
            return queryset
        age = min(value)
        return queryset.filter(Q(max_age__gte=age) | Q(max_age__isnull=True))

    def filter_week(self, queryset, name, value):
        if not value:
            return queryset
        weeks = Q()
        for monday in value:
            sunday = monday + datetime.timedelta(days=6)
            weeks |= Q(published_on__range=(monday, sunday))
        return queryset.filter(weeks)

    def apply_sort(self, queryset, name, value):
        return queryset.order_by(*SORT.ORDERINGS[value or SORT.NEWEST])

    @property
    def qs(self):
        queryset = super().qs
        if not self.form.cleaned_data.get("sort"):
            queryset = queryset.order_by(*SORT.ORDERINGS[SORT.NEWEST])
        return queryset


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
        for value in data.getlist(name):
            if not value.strip():
                continue
            remaining = data.copy()
            remaining.setlist(name, [v for v in data.getlist(name) if v != value])
            remaining.pop("page", None)
            display = value
            if name in ("experience",):
                display = f"{value} 年"
            elif name == "age":
                display = f"{value} 岁"
            chips.append(Chip(str(filter_.label), display, remaining.urlencode()))
    return chips
