"""What the insights page (招聘概览) counts: the listing's postings, for the
same filters, sliced by province, employer, institution, education, years of
experience, grade, category and week of publication.

``chart_data(filterset)`` takes a valid ``PostingFilter`` and returns plain
data (dicts, lists, strings and numbers, ready for ``json_script``), so how
it counts can change without the page or its tests noticing.

Every slice is a listing: each row carries the URL of the listing that shows
exactly its postings, and its numbers are that listing's. As on the
listing's facets, a chart counts under every *other* active filter (the
province map under ?province=北京 still shows every province, 北京 marked
as selected), since the listing a row links to replaces that one filter.
Rows that no listing filter can select (no work location stated, no grade)
are counted too, without a link.

Headcount is the sum of the headcounts the postings state; postings that
state none (若干) are counted apart, never as 0.

For now every number is an exact SQL aggregate over the filtered postings.
"""

import datetime

from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncWeek
from django.http import QueryDict
from django.urls import reverse

from . import search
from .models import Education, Institution, Posting, PostingLocation, Province

TOP = 20  # bars per chart; the rest are counted in "unlisted"
WEEKS = 26  # weeks of publication shown; earlier ones are summed


def chart_data(filterset):
    """The insights of ``filterset``'s postings (see the module docstring)."""
    data = _query(filterset.data)
    with search.whole_result():
        total = _counts(filterset.qs.order_by().aggregate(**_aggregates()))
        charts = [
            _provinces(filterset, data),
            _grouped(filterset, data, "employer", "employer__name", "用人单位"),
            _institutions(filterset, data),
            _education(filterset, data),
            _experience(filterset, data),
            _grouped(filterset, data, "grade", "grade", "岗位职级"),
            _grouped(filterset, data, "category", "category", "招聘类别"),
            _weeks(filterset, data),
        ]
    return {
        "total": total,
        "listing_url": _listing_url(data),
        "charts": charts,
    }


# --- Counting ------------------------------------------------------------------


def _aggregates():
    # Named apart from the fields: an aggregate may not shadow one.
    return {
        "n_postings": Count("pk"),
        "n_headcount": Sum("headcount"),
        "n_unknown": Count("pk", filter=Q(headcount__isnull=True)),
    }


def _counts(row):
    """Postings, stated headcount and postings of unstated headcount (from
    ``_aggregates()`` or a sum of counts), with the headcount as a person
    reads it ("12 人 + 若干")."""
    postings = row.get("n_postings", row.get("postings")) or 0
    headcount = row.get("n_headcount", row.get("headcount")) or 0
    unknown = row.get("n_unknown", row.get("unknown_headcount")) or 0
    return {
        "postings": postings,
        "headcount": headcount,
        "unknown_headcount": unknown,
        "headcount_text": headcount_text(headcount, unknown),
    }


def headcount_text(headcount, unknown):
    if not unknown:
        return f"{headcount:,} 人"
    if not headcount:
        return "若干"
    return f"{headcount:,} 人 + 若干"


def _add(*rows):
    summed = {
        key: sum(row[key] for row in rows)
        for key in ("postings", "headcount", "unknown_headcount")
    }
    return _counts(summed)


def _others(filterset, name):
    """The postings under every active filter but ``name``."""
    data = _query(filterset.data)
    data.pop(name, None)
    return type(filterset)(data, queryset=filterset.queryset).qs.order_by()


def _selected(filterset, name):
    return [str(v) for v in filterset.form.cleaned_data.get(name) or []]


def _row(label, counts, *, value=None, url=None, selected=False, **extra):
    return {
        "value": value,
        "label": label,
        **counts,
        "url": url,
        "selected": selected,
        **extra,
    }


def _chart(name, title, kind, rows, *, caption="", unlisted=0, **extra):
    return {
        "name": name,
        "title": title,
        "kind": kind,
        "caption": caption,
        "rows": rows,
        "unlisted": unlisted,
        **extra,
    }


def _ranked(rows):
    """Linked rows by postings, most first, the top ones kept; then the
    unlinked (no value) rows, which are always shown."""
    linked = sorted(
        (r for r in rows if r["url"]), key=lambda r: (-r["postings"], r["label"])
    )
    unlinked = [r for r in rows if not r["url"]]
    return linked[:TOP] + unlinked, max(len(linked) - TOP, 0)


# --- Charts ----------------------------------------------------------------------


def _grouped(filterset, data, name, path, title):
    counted = _others(filterset, name).values(path).annotate(**_aggregates()).order_by()
    selected = _selected(filterset, name)
    rows = []
    for row in counted:
        value = row[path]
        if value:
            rows.append(
                _row(
                    value,
                    _counts(row),
                    value=value,
                    url=_listing_url(data, **{name: value}),
                    selected=value in selected,
                )
            )
        else:
            rows.append(_row("未注明", _counts(row)))
    ranked, unlisted = _ranked(rows)
    return _chart(name, title, "bar", ranked, unlisted=unlisted)


def _provinces(filterset, data):
    """Postings and headcount per province of their work locations. A
    posting with locations in two provinces counts in both, once each, as
    the listing's province filter finds it under both."""
    postings = _others(filterset, "province")
    # One row per (posting, province), however many of its locations lie
    # there, so a posting's headcount is added once per province.
    pairs = (
        PostingLocation.objects.filter(posting_id__in=postings.values("pk"))
        .annotate(region=F("location__province"))
        .values("region", "posting_id")
        .distinct()
        .order_by()
    )
    inner, params = pairs.query.sql_with_params()
    table = connection.ops.quote_name(Posting._meta.db_table)
    sql = (
        "SELECT pairs.region, COUNT(*), SUM(p.headcount), "
        "SUM(CASE WHEN p.headcount IS NULL THEN 1 ELSE 0 END) "
        f"FROM ({inner}) pairs JOIN {table} p ON p.id = pairs.posting_id "
        "GROUP BY pairs.region"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counted = cursor.fetchall()
    selected = _selected(filterset, "province")
    names = dict(Province.choices)
    rows = [
        _row(
            region,
            _counts(
                {"postings": n, "headcount": headcount, "unknown_headcount": unknown}
            ),
            value=region,
            url=_listing_url(data, province=region),
            selected=region in selected,
            full_name=names.get(region, region),
        )
        for region, n, headcount, unknown in counted
    ]
    rows.sort(key=lambda r: (-r["postings"], r["label"]))
    unlocated = postings.filter(posting_locations__isnull=True).aggregate(
        **_aggregates()
    )
    if unlocated["n_postings"]:
        rows.append(_row("未注明工作地点", _counts(unlocated)))
    return _chart(
        "province",
        "工作地点分布",
        "map",
        rows,
        caption="一个岗位在几个省份都有工作地点时，在每个省份各计一次。",
    )


def _institutions(filterset, data):
    """Per institution name, the postings of every institution so named and
    those below them, which is what the listing's institution filter shows.
    Employers have their own chart, so names only employers bear are left
    out."""
    counted = {
        row["institution_id"]: _counts(row)
        for row in _others(filterset, "institution")
        .values("institution_id")
        .annotate(**_aggregates())
        .order_by()
    }
    tree = {
        pk: (parent_id, name)
        for pk, parent_id, name in Institution.objects.values_list(
            "pk", "parent_id", "name"
        )
    }
    per_name = {}
    for pk, counts in counted.items():
        names, node = set(), pk
        while node is not None:
            parent_id, name = tree[node]
            names.add(name)
            node = parent_id
        for name in names:
            per_name.setdefault(name, []).append(counts)
    below_employers = {name for parent_id, name in tree.values() if parent_id}
    selected = _selected(filterset, "institution")
    rows = [
        _row(
            name,
            _add(*parts),
            value=name,
            url=_listing_url(data, institution=name),
            selected=name in selected,
        )
        for name, parts in per_name.items()
        if name in below_employers
    ]
    ranked, unlisted = _ranked(rows)
    return _chart(
        "institution",
        "招聘机构",
        "bar",
        ranked,
        unlisted=unlisted,
        caption="机构的数字包含其下属机构的岗位。",
    )


def _cumulative(per_floor, levels):
    """For each candidate level, the postings whose floor is at or below it
    or unstated (the listing's education and experience filters)."""
    unstated = per_floor.get(None, _counts({}))
    running = [unstated]
    result = []
    for level in levels:
        if level in per_floor:
            running.append(per_floor[level])
        result.append((level, _add(*running)))
    return unstated, result


def _per_floor(queryset, field):
    return {
        row[field]: _counts(row)
        for row in queryset.values(field).annotate(**_aggregates()).order_by()
    }


def _education(filterset, data):
    per_floor = _per_floor(_others(filterset, "education"), "min_education")
    unstated, levels = _cumulative(per_floor, Education.values)
    selected = _selected(filterset, "education")
    rows = []
    for level, counts in levels:
        label = Education(level).label
        rows.append(
            _row(
                label,
                counts,
                value=label,
                url=_listing_url(data, education=label),
                selected=str(level) in selected,
                exact=per_floor.get(level, _counts({}))["postings"],
            )
        )
    return _chart(
        "education",
        "按最高学历：可报考的岗位",
        "bar",
        rows,
        caption="每一栏是该学历可报考的岗位：最低学历要求不高于它，或未注明要求。",
        unstated=unstated,
        unstated_label="未注明学历要求",
        exact_label="最低学历恰为此",
    )


def _experience(filterset, data):
    per_floor = _per_floor(_others(filterset, "experience"), "min_years_experience")
    years = sorted({0, *(floor for floor in per_floor if floor is not None)})
    unstated, levels = _cumulative(per_floor, years)
    selected = _selected(filterset, "experience")
    rows = [
        _row(
            f"{year} 年",
            counts,
            value=str(year),
            url=_listing_url(data, experience=str(year)),
            selected=str(year) in selected,
            exact=per_floor.get(year, _counts({}))["postings"],
        )
        for year, counts in levels
    ]
    return _chart(
        "experience",
        "按工作年限：可报考的岗位",
        "bar",
        rows,
        caption="每一栏是有这么多年经验可报考的岗位：最低年限要求不高于它，或未注明要求。",
        unstated=unstated,
        unstated_label="未注明年限要求",
        exact_label="最低年限恰为此",
    )


def iso_week(day):
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _weeks(filterset, data):
    counted = {
        row["week"]: _counts(row)
        for row in _others(filterset, "week")
        .annotate(week=TruncWeek("published_on"))
        .values("week")
        .annotate(**_aggregates())
        .order_by()
        if row["week"] is not None
    }
    counted = {
        (w.date() if isinstance(w, datetime.datetime) else w): c
        for w, c in counted.items()
    }
    rows, earlier = [], []
    if counted:
        first, last = min(counted), max(counted)
        shown_from = max(first, last - datetime.timedelta(weeks=WEEKS - 1))
        earlier = [c for monday, c in counted.items() if monday < shown_from]
        monday = shown_from
        selected = _selected(filterset, "week")
        while monday <= last:
            week = iso_week(monday)
            sunday = monday + datetime.timedelta(days=6)
            rows.append(
                _row(
                    f"{monday.month}月{monday.day}日",
                    counted.get(monday, _counts({})),
                    value=week,
                    url=_listing_url(data, week=week),
                    selected=monday.isoformat() in selected,
                    detail=f"{monday.year}年{monday.month}月{monday.day}日至"
                    f"{sunday.month}月{sunday.day}日（{week}）",
                )
            )
            monday += datetime.timedelta(weeks=1)
    if earlier:
        rows.insert(0, _row(f"{WEEKS} 周以前", _add(*earlier)))
    return _chart(
        "week",
        "每周新发布的岗位",
        "column",
        rows,
        caption="按发布日期所在的周（周一至周日）统计目前仍在招聘的岗位。",
    )


# --- URLs --------------------------------------------------------------------------


def _query(data):
    if isinstance(data, QueryDict):
        return data.copy()
    query = QueryDict(mutable=True)
    for name, value in (data or {}).items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return query


def _listing_url(data, **replace):
    """The listing of ``data``'s filters, with the named ones replaced."""
    query = data.copy()
    query.pop("page", None)
    for name, value in replace.items():
        query.setlist(name, [value])
    encoded = query.urlencode()
    base = reverse("postings:posting_list")
    return f"{base}?{encoded}" if encoded else base
