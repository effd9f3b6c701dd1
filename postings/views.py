import copy
import functools
import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.core.paginator import EmptyPage
from django.db import DatabaseError, connection
from django.db.models import Q
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.http import MAX_URL_REDIRECT_LENGTH, url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from . import (
    board,
    eligibility,
    exports,
    facets,
    insights,
    search,
    situation,
    throttling,
)
from .filters import (
    FIT,
    SORT,
    PostingFilter,
    active_filters,
    filter_errors,
    validated,
)
from .languages import join_list
from .models import (
    Department,
    DepartmentDescription,
    Education,
    Institution,
    Posting,
    RoleDescription,
    RoleDescriptionItem,
)

PER_PAGE_DEFAULT = 20
# Pages are offered up to the 10,000th result: deeper pages tell a candidate
# nothing a narrower filter would not, and the total is shown exactly anyway.
RESULT_CAP = 10_000


@never_cache
def healthz(request):
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return JsonResponse(
            {"status": "unavailable", "database": str(error)[:200]}, status=503
        )
    return JsonResponse({"status": "ok"})


class BoardResult:
    """A filtered listing as a sequence a paginator can slice: its length is
    the board's exact total (up to RESULT_CAP), and a slice is a page of
    posting ids from the board, loaded in one query with what a card shows."""

    def __init__(self, filterset, date, request, candidate=None):
        self.filterset, self.date = filterset, date
        self.candidate = candidate  # marks each card 符合 / 不符合 / 待确认
        self.board = board.for_request(request)
        self.summary = self.board.summary(filterset, date)

    @property
    def total(self):
        return self.summary.total

    def count(self):
        return min(self.summary.total, RESULT_CAP)

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("a listing is read a page at a time")
        offset, stop, _ = index.indices(self.count())
        ids = self.board.page(
            self.filterset,
            self.date,
            sort=self.filterset.chosen_sort,
            offset=offset,
            limit=max(0, stop - offset),
        )
        # Which version of each posting the board holds: the kept posting and
        # its card are both keyed by it.
        versions = {pk: self.board.version_of(pk) for pk in ids}
        return with_cards(
            listed_postings(ids, versions),
            versions,
            search.terms(self.filterset.keyword),
            self.candidate,
        )


def in_order(queryset, ids):
    """The postings with these ids, in this order, in one query."""
    found = queryset.filter(pk__in=ids).in_bulk()
    return [found[pk] for pk in ids if pk in found]


def listed_postings(ids, versions):
    """The postings with these ids, in this order, as a card shows them.

    Each is loaded from the database once per version (``versions``, from the
    board, which knows when it or a name it shows last changed) and kept:
    loading a page's twenty postings and their locations is most of an
    uncached listing's work, and it changes only with an edit. Each caller
    gets its own shallow copies, to set its card on."""
    found = {}
    for pk in ids:
        kept = _listed.get((pk, versions[pk]))
        if kept is not None:
            found[pk] = kept
    missing = [pk for pk in ids if pk not in found]
    if missing:
        # With what a candidate's checks read beyond the card (required
        # certificates), so marked listings are served from the same copies.
        loaded = Posting.objects.for_listing().prefetch_related(
            "posting_certificates__certificate"
        )
        for posting in loaded.filter(pk__in=missing):
            found[posting.pk] = _listed.put((posting.pk, versions[posting.pk]), posting)
    return [copy.copy(found[pk]) for pk in ids if pk in found]


def without_empty_parameters(view):
    """Redirect ``/?q=客户经理&education=&age=`` to ``/?q=客户经理``.

    An empty field is no filter; dropping it gives each filter one URL, so
    links built from it (pages, chips, exports) carry no empty parameters
    either. The other parameters keep their order and repeats.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        # WSGI hands the query string over as Latin-1; it is UTF-8.
        query = get_bytes_from_wsgi(request.META, "QUERY_STRING", "").decode(
            "utf-8", "replace"
        )
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(name, value) for name, value in pairs if value.strip()]
        if len(kept) < len(pairs):
            clean = urlencode(kept)
            target = f"{request.path}?{clean}" if clean else request.path
            # Django refuses to redirect to a longer URL; the view reads the
            # same parameters (empty ones are no filter) and says what is wrong.
            if len(target) <= MAX_URL_REDIRECT_LENGTH:
                return HttpResponsePermanentRedirect(target)
        return view(request, *args, **kwargs)

    return wrapper


class PostingListView(FilterView):
    """The public listing: open postings, filtered, faceted and paginated.

    Shaped like django-filter's FilterView: the base queryset is open
    postings, the filterset (with page and per_page as form fields) narrows
    it, and the paginator slices the result, which the board answers.
    Invalid input never raises: the page says what was wrong, with a 400
    (bad filter values) or 404 (a page past the end).
    """

    filterset_class = PostingFilter
    template_name = "postings/posting_list.html"
    context_object_name = "posting_list"

    def get_queryset(self):
        return Posting.objects.open_on(self.today)

    def get_filterset(self, filterset_class):
        # Always bound (no parameters is a valid filter: every open posting),
        # and validated once per query string (filters.validated).
        return validated(
            self.request.GET.urlencode(), self.today, translation.get_language()
        )

    def get_paginate_by(self, queryset):
        return self.filterset.form.cleaned_data.get("per_page") or PER_PAGE_DEFAULT

    def get(self, request, *args, **kwargs):
        self.today = timezone.localdate()
        self.filterset = self.get_filterset(self.get_filterset_class())
        if not self.filterset.is_valid():
            return self.errors(filter_errors(self.filterset), status=400)
        self.candidate = situation.current(request)
        self.object_list = BoardResult(
            self.filterset, self.today, request, self.candidate
        )
        try:
            context = self.get_context_data(
                filter=self.filterset, object_list=self.object_list
            )
        except PageOutOfRange as error:
            return self.errors([error.message], status=404, last_page=error.last_page)
        return self.render_to_response(context)

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        number = self.filterset.form.cleaned_data.get("page") or 1
        try:
            page = paginator.page(number)
        except EmptyPage:
            raise PageOutOfRange(paginator, number, queryset.total) from None
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = self.object_list
        page = context["page_obj"]
        context.update(
            filterset=self.filterset,
            total=result.total,
            result_capped=result.total > RESULT_CAP,
            facets=facets.facets(self.filterset, result.summary.counts),
            facets_html=facets_html(self.filterset, result.summary.counts),
            chips=active_filters(self.filterset),
            terms=search.terms(self.filterset.keyword),
            sort=self.filterset.chosen_sort,
            sort_choices=self._sort_choices(),
            elided_pages=page.paginator.get_elided_page_range(
                page.number, on_each_side=2, on_ends=1
            ),
            candidate=self.candidate,
            only_fit_query=self._only_fit_query(),
        )
        return context

    def _only_fit_query(self):
        """The query of "只看符合": this listing, with the candidate's whole
        situation stated in it (a remembered one included, so the link can be
        shared) and ``fit``; or, when it is on, the query that turns it off."""
        query = self.filterset.query()
        query.pop("page", None)
        if query.get("fit"):
            query.pop("fit")
            return {"on": True, "query": query.urlencode()}
        if not self.candidate:
            return None
        for name, value in self.candidate.as_query().items():
            query.setlist(name, [value])
        query.setlist("fit", [FIT])
        return {"on": False, "query": query.urlencode()}

    def _sort_choices(self):
        if self.filterset.keyword.strip():
            return SORT.CHOICES
        return [
            (value, label) for value, label in SORT.CHOICES if value != SORT.RELEVANCE
        ]

    def render_to_response(self, context, **kwargs):
        # The cards' marks follow the situation cookie as well as the URL.
        response = super().render_to_response(context, **kwargs)
        patch_vary_headers(response, ["Cookie"])
        return response

    def errors(self, messages, *, status, last_page=None):
        context = {
            "filterset": self.filterset,
            "errors": messages,
            "last_page": last_page,
        }
        return render(self.request, self.template_name, context, status=status)


class Rendered:
    """HTML fragments (or the postings they show) kept by what they are made
    of: work that changes only when the data does is done once, not on every
    request. Bounded, since visitors choose the filters."""

    def __init__(self, kept):
        self.kept = kept
        self._html = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            html = self._html.get(key)
            if html is not None:
                self._html.move_to_end(key)
            return html

    def put(self, key, html):
        with self._lock:
            self._html[key] = html
            while len(self._html) > self.kept:
                self._html.popitem(last=False)
        return html


_facet_boxes = Rendered(256)
_cards = Rendered(5000)
_listed = Rendered(5000)
_verdicts = Rendered(20000)


def facets_html(filterset, counts):
    """The listing's facet boxes, rendered once per filter combination and
    its counts, and shared by every page and sort of it: rendering a few
    hundred options is most of an uncached listing's work."""
    key = (
        filterset.key(),
        tuple(
            (name, tuple(sorted(values.items(), key=str)))
            for name, values in sorted(counts.items())
        ),
        translation.get_language(),
    )
    return _facet_boxes.get(key) or _facet_boxes.put(
        key,
        render_to_string(
            "postings/includes/facets.html",
            {
                "facets": facets.facets(filterset, counts),
                "experience": filterset.data.get("experience", ""),
                "age": filterset.data.get("age", ""),
            },
        ),
    )


def with_cards(postings, versions, terms, candidate=None):
    """Each posting with its card's HTML (``posting.card``), rendered once
    per version of the posting (``versions``, from the board), search terms
    and verdict for the candidate, so a card is rendered again only after an
    edit."""
    for posting in postings:
        verdict = None
        if candidate:
            # Checking builds every requirement's statement in the request's
            # language; the card shows only the verdict, which changes with
            # the posting's version and the situation alone.
            verdict_key = (posting.pk, versions[posting.pk], candidate)
            verdict = _verdicts.get(verdict_key) or _verdicts.put(
                verdict_key, eligibility.check(posting, candidate).verdict
            )
        key = (
            posting.pk,
            versions[posting.pk],
            tuple(terms),
            verdict,
            translation.get_language(),
        )
        posting.card = _cards.get(key) or _cards.put(
            key,
            render_to_string(
                "postings/includes/posting_card.html",
                {"posting": posting, "terms": terms, "verdict": verdict},
            ),
        )
    return postings


class PageOutOfRange(Exception):
    def __init__(self, paginator, number, total):
        self.last_page = paginator.num_pages
        if total > RESULT_CAP and number > paginator.num_pages:
            self.message = _(
                "只能翻到第 %(pages)s 页（前 %(cap)s 个结果）："
                "请加上筛选条件或关键词缩小范围。"
            ) % {"pages": paginator.num_pages, "cap": f"{RESULT_CAP:,}"}
        else:
            self.message = ngettext(
                "没有第 %(number)s 页：共 %(pages)s 页。",
                "没有第 %(number)s 页：共 %(pages)s 页。",
                paginator.num_pages,
            ) % {"number": number, "pages": paginator.num_pages}
        super().__init__(self.message)


def posting_insights(request):
    """招聘概览: the listing's postings for the same query parameters, in
    charts and tables whose every slice links to the listing of it."""
    filterset = PostingFilter(request.GET, queryset=Posting.objects.open_now())
    context = {"filterset": filterset}
    if not filterset.is_valid():
        context["errors"] = filter_errors(filterset)
        return render(request, "postings/posting_insights.html", context, status=400)
    context["insights"] = insights.chart_data(filterset, board.for_request(request))
    context["chips"] = active_filters(filterset)
    return render(request, "postings/posting_insights.html", context)


# Public exports are bounded so that they never starve the pages (the sizes
# are settings; see the README's security section).
EXPORT_SLOTS = throttling.Slots("EXPORT_CONCURRENCY")
EXPORT_RATE_WINDOW = 60  # seconds
EXPORT_BUSY_RETRY_AFTER = 10  # seconds: about what one capped export takes


def posting_export(request, export_format):
    """The listing's exact filtered and sorted set, every page, as a file.

    At most EXPORT_MAX_ROWS rows: a larger set is refused with its count
    rather than cut short, since a cut-off file reads as the whole list.
    At most EXPORT_RATE_LIMIT files a minute per client address (429), and
    EXPORT_CONCURRENCY files being written at once per process (503): both
    answer at once, with Retry-After.
    """
    if export_format not in exports.FORMATS:
        message = _("不支持的导出格式“%(format)s”：可选 %(formats)s。") % {
            "format": export_format[:20],
            "formats": join_list(exports.FORMATS),
        }
        return _export_refused(request, [message], status=400)
    filterset = PostingFilter(request.GET, queryset=Posting.objects.open_now())
    if not filterset.is_valid():
        return _export_refused(request, filter_errors(filterset), status=400)
    cap = settings.EXPORT_MAX_ROWS
    total = board.for_request(request).summary(filterset, timezone.localdate()).total
    if total > cap:
        return _export_too_large(request, filterset, total, cap)
    limit = settings.EXPORT_RATE_LIMIT
    wait = throttling.over_rate_limit(
        request, "export", limit=limit, window=EXPORT_RATE_WINDOW
    )
    if wait is not None:
        message = _(
            "导出过于频繁：同一网络地址每分钟最多导出 %(limit)s 个文件，"
            "请 %(wait)s 秒后再试。"
        ) % {"limit": limit, "wait": wait}
        return _export_refused(request, [message], status=429, retry_after=wait)
    slot = EXPORT_SLOTS.take()
    if slot is None:
        wait = EXPORT_BUSY_RETRY_AFTER
        message = _("正在生成的导出文件较多，请 %(wait)s 秒后再试。") % {"wait": wait}
        return _export_refused(request, [message], status=503, retry_after=wait)
    try:
        labels = [
            value
            for name in filterset.filters
            if name != "sort"
            for value in request.GET.getlist(name)
            if value.strip()
        ]
        name = exports.filename(export_format, labels)
        row_iter = exports.rows(
            filterset.qs[:cap], base_url=request.build_absolute_uri("/")
        )
        response = exports.response(row_iter, export_format, name)
    except BaseException:
        slot.release()
        raise
    return slot.hold_until_closed(response)


def _export_too_large(request, filterset, total, cap):
    messages = [
        _("筛选结果共有 %(total)s 个岗位，超过公开导出的上限（%(cap)s 个）。")
        % {"total": f"{total:,}", "cap": f"{cap:,}"},
        _(
            "请加上筛选条件或关键词，把结果缩小到 %(cap)s 个以内再导出；"
            "招聘机构的工作人员可登录管理后台，在招聘岗位列表中用“导出当前结果”导出全部结果。"
        )
        % {"cap": f"{cap:,}"},
    ]
    query = filterset.query().urlencode()
    context = {
        "errors": messages,
        "listing_url": f"{reverse('postings:posting_list')}?{query}",
        "admin_url": reverse("admin:postings_posting_changelist"),
    }
    return render(request, "postings/export_error.html", context, status=400)


def _export_refused(request, messages, *, status, retry_after=None):
    response = render(
        request, "postings/export_error.html", {"errors": messages}, status=status
    )
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


class PostingDetailView(DetailView):
    """A posting's page; a closed or past-deadline posting keeps it, marked 已截止."""

    def get_queryset(self):
        return Posting.objects.public().for_detail()

    def get_context_data(self, **kwargs):
        posting = self.object
        # Related: the same department, the same category at the same
        # employer, or the same title elsewhere (客户经理 at other branches).
        similar = Q(title=posting.title)
        if posting.department_id:
            similar |= Q(department_id=posting.department_id)
        if posting.category:
            similar |= Q(category=posting.category, employer_id=posting.employer_id)
        related = (
            Posting.objects.open_now()
            .filter(similar)
            .exclude(pk=posting.pk)
            .select_related("employer", "institution")
            .newest_first()[:6]
        )
        provinces = dict.fromkeys(
            loc.get_province_display() for loc in posting.ordered_locations
        )
        page_url = self.request.build_absolute_uri(posting.get_absolute_url())
        return super().get_context_data(
            is_open=posting.is_open_on(timezone.localdate()),
            provinces=list(provinces),
            related_postings=related,
            canonical_url=page_url,
            page_description=page_description(posting),
            # Where to ask when the source says nothing of how to apply.
            contact_institution=next(
                (i for i in (posting.institution, posting.employer) if i.website),
                None,
            ),
            json_ld=job_posting_json_ld(posting, page_url),
            **self.eligibility_context(),
            **kwargs,
        )

    def eligibility_context(self):
        """The candidate's situation and the posting checked against it; an
        empty form when they have not said."""
        candidate = situation.current(self.request)
        # 我的情况, prefilled with what the URL states and coming back here.
        query = {} if candidate.remembered else candidate.as_query()
        query["next"] = self.request.path
        return {
            "situation": candidate,
            "situation_url": f"{reverse('postings:situation')}?{urlencode(query)}",
            "situation_form": situation.SituationForm(initial=candidate.as_query()),
            "eligibility": eligibility.check(self.object, candidate)
            if candidate
            else None,
        }

    def render_to_response(self, context, **kwargs):
        # The checks follow the situation cookie as well as the URL.
        response = super().render_to_response(context, **kwargs)
        patch_vary_headers(response, ["Cookie"])
        return response


# schema.org's EducationalOccupationalCredential categories, as search
# engines read them.
_CREDENTIAL_CATEGORY = {
    Education.ZHUANKE: "associate degree",
    Education.BENKE: "bachelor degree",
    Education.MASTER: "postgraduate degree",
    Education.DOCTORATE: "postgraduate degree",
}
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def page_description(posting):
    """The page's one-sentence summary, for search results and link previews."""
    organisation = posting.employer.name
    if posting.institution_id != posting.employer_id:
        organisation = pgettext(
            "an employer and its branch", "%(employer)s%(institution)s"
        ) % {
            "employer": organisation,
            "institution": posting.institution.name,
        }
    places = join_list(location.name for location in posting.ordered_locations)
    values = {
        "organisation": organisation,
        "title": posting.title,
        "headcount": posting.headcount,
        "places": places or _("未注明"),
    }
    if posting.headcount:
        return (
            ngettext(
                "%(organisation)s招聘%(title)s%(headcount)s人，工作地点：%(places)s。",
                "%(organisation)s招聘%(title)s%(headcount)s人，工作地点：%(places)s。",
                posting.headcount,
            )
            % values
        )
    return _("%(organisation)s招聘%(title)s，工作地点：%(places)s。") % values


def _postal_address(location):
    return {
        "@type": "PostalAddress",
        "addressCountry": "CN",
        "addressRegion": location.get_province_display(),
        "addressLocality": location.name,
    }


def job_location(posting):
    """Where the job is, as JobPosting.jobLocation, or None when nothing is
    known: the posting's work locations, else its institution's seat, said
    to be the institution's (never an empty list, never an invented place)."""
    locations = posting.ordered_locations
    if locations:
        return [
            {"@type": "Place", "address": _postal_address(location)}
            for location in locations
        ]
    institution = posting.institution
    if institution.seat is None:
        return None
    return {
        "@type": "Place",
        "name": _("%(institution)s（机构所在地）") % {"institution": institution.name},
        "description": _("招聘机构所在地；来源未写明岗位的工作地点。"),
        "address": _postal_address(institution.seat),
    }


def job_posting_json_ld(posting, page_url):
    """schema.org JobPosting for search engines, safe to embed in a <script>.

    Only what is known: no jobLocation where neither the posting nor its
    institution states a place (and no remote-work claim in its stead), no
    salary, and directApply only when there is a page to apply on.
    """
    description = render_to_string(
        "postings/includes/job_posting_description.html", {"posting": posting}
    )
    unit = (
        [posting.institution.name]
        if posting.institution_id != posting.employer_id
        else []
    )
    if posting.department:
        unit.append(posting.department.name)
    hiring_organization = {"@type": "Organization", "name": posting.employer.name}
    if posting.employer.website:
        hiring_organization["sameAs"] = posting.employer.website
    data = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": posting.title,
        "description": description.strip(),
        "datePosted": posting.published_on.isoformat()
        if posting.published_on
        else None,
        "hiringOrganization": hiring_organization,
        "employmentType": "FULL_TIME",
        "identifier": {
            "@type": "PropertyValue",
            "name": posting.employer.name,
            "value": str(posting.pk),
        },
        # The URL directApply speaks of: where one applies, if anywhere.
        "url": posting.application_url or page_url,
        "mainEntityOfPage": page_url,
        "directApply": bool(posting.application_url),
        "jobLocation": job_location(posting),
    }
    if unit:
        data["employmentUnit"] = {"@type": "Organization", "name": " · ".join(unit)}
    if posting.closes_on:
        data["validThrough"] = f"{posting.closes_on.isoformat()}T23:59:59+08:00"
    if posting.headcount:
        data["totalJobOpenings"] = posting.headcount
    if posting.min_education:
        data["educationRequirements"] = {
            "@type": "EducationalOccupationalCredential",
            "credentialCategory": _CREDENTIAL_CATEGORY[posting.min_education],
            "name": posting.get_min_education_display(),
        }
    if posting.min_years_experience is not None:
        data["experienceRequirements"] = {
            "@type": "OccupationalExperienceRequirements",
            "monthsOfExperience": posting.min_years_experience * 12,
        }
    text = json.dumps(
        {k: v for k, v in data.items() if v is not None}, ensure_ascii=False
    )
    return mark_safe(text.translate(_JSON_SCRIPT_ESCAPES))


class InstitutionDetailView(DetailView):
    queryset = Institution.objects.select_related("parent__parent", "seat")

    def get_context_data(self, **kwargs):
        institution = self.object
        scope = Institution.objects.with_descendants([institution])
        count, ids = board.for_request(self.request).open_postings(
            timezone.localdate(), institutions=scope.values_list("pk", flat=True)
        )
        return super().get_context_data(
            postings=in_order(Posting.objects.for_listing(), ids),
            posting_count=count,
            children=institution.children.order_by("name"),
            departments=institution.departments.order_by("name"),
            **kwargs,
        )


class DepartmentDetailView(DetailView):
    queryset = Department.objects.select_related("institution__parent")

    def get_context_data(self, **kwargs):
        department = self.object
        count, ids = board.for_request(self.request).open_postings(
            timezone.localdate(), department=department.pk
        )
        return super().get_context_data(
            postings=in_order(Posting.objects.for_listing(), ids),
            posting_count=count,
            # Descriptions of same-named departments from the reference
            # documents: shown as background, never as this bank's own text.
            reference_descriptions=DepartmentDescription.objects.filter(
                name=department.name
            ),
            **kwargs,
        )


@dataclass
class ReferenceSource:
    """One source's department and role descriptions."""

    name: str
    departments: list = field(default_factory=list)
    roles: list = field(default_factory=list)


@dataclass
class ReferenceOrganisation:
    """The descriptions of one organisation as the sources name it ("" when
    they name none), source by source."""

    name: str
    sources: dict = field(default_factory=dict)

    @property
    def is_placeholder(self):
        # "某某银行", "XX银行": the source hides the real name.
        return bool(_PLACEHOLDER_NAME.search(self.name))


_PLACEHOLDER_NAME = re.compile(r"某某|[XＸ]{2,}", re.IGNORECASE)


def reference_organisations(departments, roles):
    """Descriptions grouped by organisation, then by source, in the order
    the sources give them; named organisations first.

    Several sources describe a department of the same name (电子银行部 in a
    bank's, a manual's and a list of departments): grouped like this, each
    entry says whose department it is and where it was read.
    """
    entries = [(entry, "departments") for entry in departments]
    entries += [(entry, "roles") for entry in roles]
    # A document numbers its records in one sequence, whatever their kind;
    # descriptions written on this site come last.
    entries.sort(
        key=lambda e: (
            not e[0].source_document,
            e[0].source_document,
            e[0].source_row or 0,
            e[0].pk,
        )
    )
    organisations = {}
    for entry, kind in entries:
        organisation = organisations.setdefault(
            entry.organisation, ReferenceOrganisation(entry.organisation)
        )
        source = organisation.sources.setdefault(
            entry.source_name, ReferenceSource(entry.source_name)
        )
        getattr(source, kind).append(entry)
    return sorted(organisations.values(), key=lambda o: not o.name)


class ReferenceIndexView(TemplateView):
    """Role and department descriptions (岗位说明, 部门职能): not openings."""

    template_name = "postings/reference_index.html"

    def get_context_data(self, **kwargs):
        order = ("source_document", "source_row", "pk")
        departments = list(DepartmentDescription.objects.order_by(*order))
        roles = list(RoleDescription.objects.order_by(*order))
        return super().get_context_data(
            organisations=reference_organisations(departments, roles),
            department_count=len(departments),
            role_count=len(roles),
            **kwargs,
        )


class RoleDetailView(DetailView):
    queryset = RoleDescription.objects.prefetch_related("items")
    template_name = "postings/role_detail.html"
    context_object_name = "role"

    def get_context_data(self, **kwargs):
        items = list(self.object.items.all())
        return super().get_context_data(
            duties=[i for i in items if i.kind == RoleDescriptionItem.Kind.DUTY],
            requirements=[
                i for i in items if i.kind == RoleDescriptionItem.Kind.REQUIREMENT
            ],
            open_postings=Posting.objects.open_now()
            .filter(title=self.object.title)
            .select_related("institution")[:10],
            **kwargs,
        )


class DepartmentDescriptionDetailView(DetailView):
    model = DepartmentDescription
    template_name = "postings/department_description_detail.html"
    context_object_name = "description"


def _next_url(request, source):
    """Where to go back to: the ``next`` the form carried, if it is ours."""
    target = source.get("next", "")
    if target.startswith(reverse("postings:situation")):
        target = ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("postings:posting_list")


@never_cache
@require_http_methods(["GET", "POST"])
def situation_view(request):
    """我的情况: shows the remembered situation, and remembers (POST 保存) or
    forgets (POST 清除) it, then goes back where the candidate came from.

    The page going back to keeps its own situation parameters only if they
    agree with the new situation (see situation.replace_in_url), since the
    query string would otherwise win over what was just saved.
    """
    link_errors = ()
    if request.method == "POST":
        back = _next_url(request, request.POST)
        if "clear" in request.POST:
            response = redirect(situation.replace_in_url(back, situation.Situation()))
            situation.forget(response)
            return response
        form = situation.SituationForm(request.POST)
        if form.is_valid():
            chosen = form.situation()
            response = redirect(situation.replace_in_url(back, chosen))
            situation.remember(response, chosen)
            return response
        status = 400
    else:
        back = _next_url(request, request.GET)
        candidate = situation.current(request)
        form = situation.SituationForm(initial=candidate.as_query())
        link_errors = candidate.errors  # a link stating a bad situation
        status = 400 if link_errors else 200
    context = {
        "form": form,
        "link_errors": link_errors,
        "next": back,
        "remembered": situation.from_cookie(
            request.COOKIES.get(situation.COOKIE_NAME, "")
        ),
    }
    return render(request, "postings/situation.html", context, status=status)


def robots_txt(request):
    return render(request, "robots.txt", content_type="text/plain")
