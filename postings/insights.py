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

Every number is exact, counted on the board in memory (postings.board):
the same postings the listing counts, in a few vector operations per chart
whatever the board's size.
"""

import datetime

from django.http import QueryDict
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import board
from .filters import years_text
from .models import Education, Institution, Province

TOP = 20  # bars per chart; the rest are counted in "unlisted"
WEEKS = 26  # weeks of publication shown; earlier ones are summed


def chart_data(filterset, current=None):
    """The insights of ``filterset``'s postings (see the module docstring)."""
    current = current or board.current()
    with current.lock:
        return _chart_data(filterset, _Counter(current, filterset))


def _chart_data(filterset, counter):
    data = _query(filterset.data)
    total = counter.total()
    charts = [
        _provinces(filterset, data, counter),
        _grouped(filterset, data, counter, "employer", _("用人单位")),
        _institutions(filterset, data, counter),
        _education(filterset, data, counter),
        _experience(filterset, data, counter),
        _grouped(filterset, data, counter, "grade", _("岗位职级")),
        _grouped(filterset, data, counter, "category", _("招聘类别")),
        _weeks(filterset, data, counter),
    ]
    return {
        "total": total,
        "listing_url": _listing_url(data),
        "charts": charts,
    }


# --- Counting ------------------------------------------------------------------


class _Counter:
    """The board's tallies of the filterset's postings, each chart counted
    under every active filter but its own."""

    def __init__(self, current, filterset):
        self.board, self.filterset = current, filterset
        self.date = timezone.localdate()

    def others(self, name=None):
        return self.board.mask_of(self.filterset, self.date, without=name)

    def total(self):
        return _counts(self.board.tally_total(self.others()))

    def values(self, name):
        path = self.filterset.filters[name].field_name
        return {
            value: _counts(tally)
            for value, tally in self.board.tally_values(self.others(name), path).items()
        }

    def institutions(self):
        return {
            pk: _counts(tally)
            for pk, tally in self.board.tally_institutions(
                self.others("institution")
            ).items()
        }

    def numbers(self, name):
        field = self.filterset.filters[name].field_name
        return {
            value: _counts(tally)
            for value, tally in self.board.tally_numbers(
                self.others(name), field
            ).items()
        }

    def weeks(self):
        return {
            monday: _counts(tally)
            for monday, tally in self.board.tally_weeks(self.others("week")).items()
        }

    def unlocated(self):
        return _counts(self.board.tally_unlocated(self.others("province")))


def _counts(tally):
    """Postings, stated headcount and postings of unstated headcount, with
    the headcount as a person reads it ("12 人 + 若干")."""
    postings, headcount, unknown = tally
    return {
        "postings": postings,
        "headcount": headcount,
        "unknown_headcount": unknown,
        "headcount_text": headcount_text(headcount, unknown),
    }


def headcount_text(headcount, unknown):
    count = f"{headcount:,}"
    if not unknown:
        return ngettext("%(count)s 人", "%(count)s 人", headcount) % {"count": count}
    if not headcount:
        return _("若干")
    return ngettext("%(count)s 人 + 若干", "%(count)s 人 + 若干", headcount) % {
        "count": count
    }


def _add(*rows):
    return _counts(
        tuple(
            sum(row[key] for row in rows)
            for key in ("postings", "headcount", "unknown_headcount")
        )
    )


_NONE = (0, 0, 0)


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


def _grouped(filterset, data, counter, name, title):
    selected = _selected(filterset, name)
    rows = []
    for value, counts in counter.values(name).items():
        if value:
            rows.append(
                _row(
                    value,
                    counts,
                    value=value,
                    url=_listing_url(data, **{name: value}),
                    selected=value in selected,
                )
            )
        else:
            rows.append(_row(_("未注明"), counts))
    ranked, unlisted = _ranked(rows)
    return _chart(name, title, "bar", ranked, unlisted=unlisted)


def _provinces(filterset, data, counter):
    """Postings and headcount per province of their work locations. A
    posting with locations in two provinces counts in both, once each, as
    the listing's province filter finds it under both."""
    selected = _selected(filterset, "province")
    names = dict(Province.choices)
    rows = [
        _row(
            region,
            counts,
            value=region,
            url=_listing_url(data, province=region),
            selected=region in selected,
            full_name=names.get(region, region),
        )
        for region, counts in counter.values("province").items()
    ]
    rows.sort(key=lambda r: (-r["postings"], r["label"]))
    unlocated = counter.unlocated()
    if unlocated["postings"]:
        rows.append(_row(_("未注明工作地点"), unlocated))
    return _chart(
        "province",
        _("工作地点分布"),
        "map",
        rows,
        caption=_("一个岗位在几个省份都有工作地点时，在每个省份各计一次。"),
    )


def _institutions(filterset, data, counter):
    """Per institution name, the postings of every institution so named and
    those below them, which is what the listing's institution filter shows.
    Employers have their own chart, so names only employers bear are left
    out."""
    counted = counter.institutions()
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
        _("招聘机构"),
        "bar",
        ranked,
        unlisted=unlisted,
        caption=_("机构的数字包含其下属机构的岗位。"),
    )


def _cumulative(per_floor, levels):
    """For each candidate level, the postings whose floor is at or below it
    or unstated (the listing's education and experience filters)."""
    unstated = per_floor.get(None, _counts(_NONE))
    running = [unstated]
    result = []
    for level in levels:
        if level in per_floor:
            running.append(per_floor[level])
        result.append((level, _add(*running)))
    return unstated, result


def _education(filterset, data, counter):
    per_floor = counter.numbers("education")
    unstated, levels = _cumulative(per_floor, Education.values)
    selected = _selected(filterset, "education")
    rows = []
    for level, counts in levels:
        name = Education.parameter_of(level)
        rows.append(
            _row(
                str(Education(level).label),
                counts,
                value=name,
                url=_listing_url(data, education=name),
                selected=str(level) in selected,
                exact=per_floor.get(level, _counts(_NONE))["postings"],
            )
        )
    return _chart(
        "education",
        _("按最高学历：可报考的岗位"),
        "bar",
        rows,
        caption=_("每一栏是该学历可报考的岗位：最低学历要求不高于它，或未注明要求。"),
        unstated=unstated,
        unstated_label=_("未注明学历要求"),
        exact_label=_("最低学历恰为此"),
    )


def _experience(filterset, data, counter):
    per_floor = counter.numbers("experience")
    years = sorted({0, *(floor for floor in per_floor if floor is not None)})
    unstated, levels = _cumulative(per_floor, years)
    selected = _selected(filterset, "experience")
    rows = [
        _row(
            years_text(year),
            counts,
            value=str(year),
            url=_listing_url(data, experience=str(year)),
            selected=str(year) in selected,
            exact=per_floor.get(year, _counts(_NONE))["postings"],
        )
        for year, counts in levels
    ]
    return _chart(
        "experience",
        _("按工作年限：可报考的岗位"),
        "bar",
        rows,
        caption=_(
            "每一栏是有这么多年经验可报考的岗位：最低年限要求不高于它，或未注明要求。"
        ),
        unstated=unstated,
        unstated_label=_("未注明年限要求"),
        exact_label=_("最低年限恰为此"),
    )


def iso_week(day):
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def _weeks(filterset, data, counter):
    counted = counter.weeks()
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
                    dateformat.format(monday, _("n月j日")),
                    counted.get(monday, _counts(_NONE)),
                    value=week,
                    url=_listing_url(data, week=week),
                    selected=monday.isoformat() in selected,
                    detail=_("%(start)s至%(end)s（%(week)s）")
                    % {
                        "start": dateformat.format(monday, _("Y年n月j日")),
                        "end": dateformat.format(sunday, _("n月j日")),
                        "week": week,
                    },
                )
            )
            monday += datetime.timedelta(weeks=1)
    if earlier:
        rows.insert(0, _row(_("%(weeks)s 周以前") % {"weeks": WEEKS}, _add(*earlier)))
    return _chart(
        "week",
        _("每周新发布的岗位"),
        "column",
        rows,
        caption=_("按发布日期所在的周（周一至周日）统计目前仍在招聘的岗位。"),
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
