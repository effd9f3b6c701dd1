import json
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, Paginator
from django.db import DatabaseError, connection
from django.db.models import Prefetch, Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django.views.generic import DetailView, TemplateView

from . import eligibility, exports, facets, insights, situation
from .filters import SORT, PostingFilter, active_filters
from .models import (
    Department,
    DepartmentDescription,
    Education,
    Institution,
    Posting,
    PostingCertificate,
    RoleDescription,
    RoleDescriptionItem,
)

PER_PAGE_DEFAULT = 20
PER_PAGE_MAX = 100
# Counting hundreds of thousands of matches costs seconds on a large board and
# tells a candidate nothing "10,000+" does not; deeper pages are not offered.
RESULT_CAP = 10_000


class CappedPaginator(Paginator):
    """A paginator over a result whose size is already known, up to RESULT_CAP
    (see facets.summarize): it never counts, and offers no page past the cap."""

    def __init__(self, object_list, per_page, *, count):
        super().__init__(object_list, per_page)
        self._count = count

    @cached_property
    def count(self):
        return self._count


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


def _per_page(raw):
    """(per_page, error message or None) from the ?per_page= parameter."""
    if raw in (None, ""):
        return PER_PAGE_DEFAULT, None
    try:
        value = int(raw)
    except ValueError:
        return PER_PAGE_DEFAULT, f"每页条数须为整数，收到“{raw[:20]}”。"
    if not 1 <= value <= PER_PAGE_MAX:
        return PER_PAGE_DEFAULT, f"每页条数须在 1 到 {PER_PAGE_MAX} 之间。"
    return value, None


def posting_list(request):
    """The public listing: open postings, filtered, faceted and paginated.

    Invalid input never raises: the page says what was wrong, with a 400
    (bad filter values) or 404 (a page past the end).
    """
    filterset = PostingFilter(request.GET, queryset=Posting.objects.open_now())
    per_page, per_page_error = _per_page(request.GET.get("per_page"))
    errors = []
    if not filterset.is_valid():
        for field, messages in filterset.errors.items():
            label = (
                filterset.filters[field].label if field in filterset.filters else field
            )
            errors.extend(f"{label}：{message}" for message in messages)
    if per_page_error:
        errors.append(per_page_error)
    context = {
        "filterset": filterset,
        "sort_choices": SORT.CHOICES,
        "per_page": per_page,
        "errors": errors,
    }
    if errors:
        return render(request, "postings/posting_list.html", context, status=400)

    summary = facets.summarize(filterset, RESULT_CAP)
    paginator = CappedPaginator(
        filterset.qs.for_listing(), per_page, count=summary.total
    )
    page_param = request.GET.get("page", "1")
    try:
        page_number = int(page_param)
    except ValueError:
        context["errors"] = [f"页码须为整数，收到“{page_param[:20]}”。"]
        return render(request, "postings/posting_list.html", context, status=400)
    try:
        page = paginator.page(page_number)
    except EmptyPage:
        if paginator.count >= RESULT_CAP and page_number > paginator.num_pages:
            message = (
                f"只能翻到第 {paginator.num_pages} 页（前 {RESULT_CAP:,} 个结果）："
                "请加上筛选条件或关键词缩小范围。"
            )
        else:
            message = f"没有第 {page_number} 页：共 {paginator.num_pages} 页。"
        context["errors"] = [message]
        context["last_page"] = paginator.num_pages
        return render(request, "postings/posting_list.html", context, status=404)

    context.update(
        {
            "page_obj": page,
            "paginator": paginator,
            "result_capped": summary.capped,
            "posting_list": page.object_list,
            "elided_pages": paginator.get_elided_page_range(
                page.number, on_each_side=2, on_ends=1
            ),
            "facets": summary.facets,
            "chips": active_filters(filterset),
        }
    )
    return render(request, "postings/posting_list.html", context)


def posting_insights(request):
    """招聘概览: the listing's postings for the same query parameters, in
    charts and tables whose every slice links to the listing of it."""
    filterset = PostingFilter(request.GET, queryset=Posting.objects.open_now())
    context = {"filterset": filterset}
    if not filterset.is_valid():
        context["errors"] = [
            f"{filterset.filters[field].label}：{message}"
            if field in filterset.filters
            else message
            for field, messages in filterset.errors.items()
            for message in messages
        ]
        return render(request, "postings/posting_insights.html", context, status=400)
    context["insights"] = insights.chart_data(filterset)
    context["chips"] = active_filters(filterset)
    return render(request, "postings/posting_insights.html", context)


def posting_export(request, export_format):
    """The listing's exact filtered and sorted set, every page, as a file."""
    if export_format not in exports.FORMATS:
        formats = "、".join(exports.FORMATS)
        message = f"不支持的导出格式“{export_format[:20]}”：可选 {formats}。"
        return render(
            request, "postings/export_error.html", {"errors": [message]}, status=400
        )
    filterset = PostingFilter(request.GET, queryset=Posting.objects.open_now())
    if not filterset.is_valid():
        errors = [
            f"{filterset.filters[field].label}：{message}"
            for field, messages in filterset.errors.items()
            for message in messages
        ]
        return render(
            request, "postings/export_error.html", {"errors": errors}, status=400
        )
    labels = [
        value
        for name in filterset.filters
        if name != "sort"
        for value in request.GET.getlist(name)
        if value.strip()
    ]
    name = exports.filename(export_format, labels)
    row_iter = exports.rows(filterset.qs, base_url=request.build_absolute_uri("/"))
    return exports.response(row_iter, export_format, name)


class PostingDetailView(DetailView):
    """A posting's page; a closed or past-deadline posting keeps it, marked 已截止."""

    def get_queryset(self):
        return (
            Posting.objects.public()
            .select_related("employer", "institution__parent", "department")
            .prefetch_related(
                "duties",
                "requirements",
                "posting_locations__location",
                Prefetch(
                    "posting_certificates",
                    queryset=PostingCertificate.objects.select_related("certificate"),
                ),
            )
        )

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
            .order_by("-published_on", "-id")[:6]
        )
        provinces = dict.fromkeys(
            loc.get_province_display() for loc in posting.ordered_locations
        )
        return super().get_context_data(
            is_open=posting.is_open_on(timezone.localdate()),
            provinces=list(provinces),
            related_postings=related,
            json_ld=job_posting_json_ld(posting, self.request),
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


def job_posting_json_ld(posting, request):
    """schema.org JobPosting for search engines, safe to embed in a <script>."""
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
    data = {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": posting.title,
        "description": description.strip(),
        "datePosted": posting.published_on.isoformat()
        if posting.published_on
        else None,
        "hiringOrganization": {"@type": "Organization", "name": posting.employer.name},
        "employmentType": "FULL_TIME",
        "identifier": {
            "@type": "PropertyValue",
            "name": posting.employer.name,
            "value": str(posting.pk),
        },
        "url": request.build_absolute_uri(posting.get_absolute_url()),
        "jobLocation": [
            {
                "@type": "Place",
                "address": {
                    "@type": "PostalAddress",
                    "addressCountry": "CN",
                    "addressRegion": location.get_province_display(),
                    "addressLocality": location.name,
                },
            }
            for location in posting.ordered_locations
        ],
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
    queryset = Institution.objects.select_related("parent__parent")

    def get_context_data(self, **kwargs):
        institution = self.object
        scope = Institution.objects.with_descendants([institution])
        postings = (
            Posting.objects.open_now()
            .filter(institution__in=scope)
            .for_listing()
            .order_by("-published_on", "-id")
        )
        return super().get_context_data(
            postings=postings[:50],
            posting_count=postings.count(),
            children=institution.children.order_by("name"),
            departments=institution.departments.order_by("name"),
            **kwargs,
        )


class DepartmentDetailView(DetailView):
    queryset = Department.objects.select_related("institution__parent")

    def get_context_data(self, **kwargs):
        department = self.object
        postings = (
            Posting.objects.open_now()
            .filter(department=department)
            .for_listing()
            .order_by("-published_on", "-id")
        )
        return super().get_context_data(
            postings=postings[:50],
            posting_count=postings.count(),
            # Descriptions of same-named departments from the reference
            # documents: shown as background, never as this bank's own text.
            reference_descriptions=DepartmentDescription.objects.filter(
                name=department.name
            ),
            **kwargs,
        )


class ReferenceIndexView(TemplateView):
    """Role and department descriptions (岗位说明, 部门职能): not openings."""

    template_name = "postings/reference_index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            roles=RoleDescription.objects.order_by(
                "source_document", "source_row", "pk"
            ),
            departments=DepartmentDescription.objects.order_by(
                "source_document", "source_row", "pk"
            ),
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
        form = situation.SituationForm(initial=situation.current(request).as_query())
        status = 200
    context = {
        "form": form,
        "next": back,
        "remembered": situation.from_cookie(
            request.COOKIES.get(situation.COOKIE_NAME, "")
        ),
    }
    return render(request, "postings/situation.html", context, status=status)


def robots_txt(request):
    return render(request, "robots.txt", content_type="text/plain")
