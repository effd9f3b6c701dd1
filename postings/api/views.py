"""The read-only JSON API: postings (the listing's filters and sorts, by
cursor), one posting, institutions and their hierarchy, departments, and
the listing's facet counts.

Every answer about postings comes from where the public pages get theirs:
the board in memory (postings.board) picks, orders and counts them, and the
export (postings.exports.rows) reads their fields, so a query gives the
API the listing's postings, in the listing's order, with the export's keys.
"""

import hashlib
from types import SimpleNamespace
from urllib.parse import urlencode

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import (
    HttpResponse,
    HttpResponseNotModified,
    HttpResponsePermanentRedirect,
    QueryDict,
)
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import parse_etags
from django.views.generic import TemplateView
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import board, exports, facets
from ..caching import EmployerDependency, ListingDependency, PostingDependency
from ..filters import PostingFilter, filter_errors
from ..models import Department, Institution, Posting
from . import cursors, schema, serializers
from .conditional import ResultDependency, Validators
from .errors import BadQuery, TooManyRequests
from .filters import (
    PER_PAGE_DEFAULT,
    TABLE_PER_PAGE_DEFAULT,
    ApiPostingFilter,
    CursorListingForm,
    FacetFilter,
    TableForm,
)
from .protocol import ClientRateThrottle

# Posting ids are at most 2**31 on the board, and every table's ids fit a
# signed 64-bit integer; anything larger names nothing.
MAX_ID = 2**63 - 1


class ReadOnlyView(APIView):
    http_method_names = ["get", "head", "options"]

    def throttled(self, request, wait):
        throttle = ClientRateThrottle()
        raise TooManyRequests(wait, throttle.rate_text())


def _absolute(request, name, query=None, **kwargs):
    url = request.build_absolute_uri(reverse(name, kwargs=kwargs or None))
    return f"{url}?{urlencode(query, doseq=True)}" if query else url


def _next_url(request, cursor):
    query = request.GET.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _valid_form(form):
    if not form.is_valid():
        # filter_errors reads a filterset's form: the same lines for a form.
        raise BadQuery(filter_errors(SimpleNamespace(form=form)))
    return form.cleaned_data


def _cursor_error(form, message):
    label = form.fields["cursor"].label
    raise BadQuery([f"{label}：{message}"])


def _posting_rows(request, ids, queryset):
    """The JSON export's objects of these postings, in this order.

    They go out as the export writes them (postings.exports.json_value)
    rather than through PostingSerializer, which only describes them for
    the schema: serializing a page field by field would cost more than
    reading it (the schema tests hold the two to each other)."""
    if not ids:
        return []
    found = {
        row["id"]: {key: exports.json_value(value) for key, value in row.items()}
        for row in exports.rows(
            queryset.filter(pk__in=ids), base_url=request.build_absolute_uri("/")
        )
    }
    return [found[pk] for pk in ids if pk in found]


NOT_MODIFIED = OpenApiResponse(
    description="内容未变（If-None-Match / If-Modified-Since）"
)
BAD_QUERY = OpenApiResponse(serializers.ErrorSerializer, description="参数有误")
NOT_FOUND = OpenApiResponse(serializers.ErrorSerializer, description="不存在或未公开")
TOO_MANY = OpenApiResponse(serializers.ErrorSerializer, description="请求过于频繁")
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    type=int,
    location=OpenApiParameter.HEADER,
    response=[429],
    description="多少秒后可以再试",
)


def _documented(name, *, summary, description, response, parameters=None):
    """The operation's OpenAPI description: a list takes query parameters
    (and may answer 400), one object takes its id (and may answer 404)."""
    responses = {200: OpenApiResponse(response, description=summary)}
    responses[304] = NOT_MODIFIED
    if parameters is None:
        responses[404] = NOT_FOUND
        parameters = [
            OpenApiParameter("id", int, OpenApiParameter.PATH, description="编号")
        ]
    else:
        responses[400] = BAD_QUERY
    responses[429] = TOO_MANY
    return extend_schema(
        operation_id=name,
        summary=summary,
        description=description,
        parameters=[*parameters, *schema.conditional_headers(), RETRY_AFTER],
        responses=responses,
    )


# --- Postings ---------------------------------------------------------------------


def _valid_filter(filterset_class, request):
    filterset = filterset_class(request.GET, queryset=Posting.objects.open_now())
    if not filterset.is_valid():
        raise BadQuery(filter_errors(filterset))
    return filterset


def _normalised(filterset):
    return filterset.query().urlencode()


class PostingListView(ReadOnlyView):
    @_documented(
        "posting_list",
        summary="岗位列表",
        description="正在招聘的岗位：与列表页相同的筛选和排序，游标分页。"
        "同一查询翻页时顺序稳定：期间新增、修改或截止的岗位不会使其他岗位重复或遗漏。",
        response=serializers.PostingPageSerializer,
        parameters=[
            *schema.filter_parameters(ApiPostingFilter),
            *schema.paging_parameters(CursorListingForm, PER_PAGE_DEFAULT),
        ],
    )
    def get(self, request):
        filterset = _valid_filter(ApiPostingFilter, request)
        data = filterset.form.cleaned_data
        sort = cursors.effective_sort(filterset)
        after = None
        if data.get("cursor") is not None:
            try:
                after = cursors.check_posting_cursor(data["cursor"], sort)
            except ValidationError as error:
                _cursor_error(filterset.form, error.messages[0])
        current = board.for_request(request)
        today = timezone.localdate()

        def page():
            total, ids, last = cursors.posting_page(
                current,
                filterset,
                today,
                after=after,
                limit=data.get("per_page") or PER_PAGE_DEFAULT,
            )
            next_cursor = (
                cursors.encode(cursors.posting_kind(sort), last) if last else None
            )
            return {
                "count": total,
                "next": _next_url(request, next_cursor) if next_cursor else None,
                "next_cursor": next_cursor,
                "results": _posting_rows(request, ids, Posting.objects.all()),
            }

        dependency = ResultDependency(filterset, today)
        return Validators(request, current, dependency, _normalised(filterset)).answer(
            page
        )


class PostingDetailView(ReadOnlyView):
    @_documented(
        "posting_detail",
        summary="单个岗位",
        description="一个已发布的岗位（包括已截止的）；草稿和不存在的编号回答 404。",
        response=serializers.PostingSerializer,
    )
    def get(self, request, pk):
        current = board.for_request(request)
        facts = current.facts_of(pk) if pk <= MAX_ID else None
        if facts is None or facts.status == board.STATUS_CODES[Posting.Status.DRAFT]:
            raise exceptions.NotFound()

        def posting():
            rows = _posting_rows(request, [pk], Posting.objects.public())
            if not rows:
                raise exceptions.NotFound()
            return rows[0]

        return Validators(request, current, PostingDependency(pk)).answer(posting)


class FacetsView(ReadOnlyView):
    @_documented(
        "posting_facets",
        summary="筛选项计数",
        description="岗位列表同一查询的筛选项及每项的岗位数（精确计数）："
        "每组按除它自己以外的全部条件计数，与列表页的筛选栏相同。"
        "学历为累计计数：某学历可报考的岗位（要求不高于它或未注明）。",
        response=serializers.FacetsSerializer,
        parameters=schema.filter_parameters(FacetFilter),
    )
    def get(self, request):
        filterset = _valid_filter(FacetFilter, request)
        current = board.for_request(request)
        today = timezone.localdate()

        def facets():
            summary = current.summary(filterset, today)
            data = {
                "count": summary.total,
                "facets": _facets(filterset, summary.counts),
            }
            return serializers.FacetsSerializer(data).data

        dependency = ListingDependency(filterset, today)
        return Validators(
            request, current, dependency, _facet_variant(filterset)
        ).answer(facets)


def _facet_variant(filterset):
    query = filterset.query()
    query.pop("sort", None)  # counts do not depend on the order
    return query.urlencode()


def _facets(filterset, counts):
    """Every option of every faceted filter with its exact count, most first;
    selected options are always listed. Education counts as the listing's
    facet does (postings.facets): cumulatively, per candidate level."""
    groups = []
    for name in serializers.FACET_NAMES:
        label = str(filterset.filters[name].label)
        if name == "education":
            options = facets.facets(filterset, counts).education
            groups.append(_facet(name, label, options, cumulative=True))
            continue
        selected = filterset.form.cleaned_data.get(name) or []
        values = counts.get(name, {})
        ranked = sorted(values.items(), key=lambda item: (-item[1], item[0]))
        options = [facets.FacetOption(v, n, v in selected) for v, n in ranked]
        options += [facets.FacetOption(v, 0, True) for v in selected if v not in values]
        groups.append(_facet(name, label, options, cumulative=False))
    return groups


def _facet(name, label, options, *, cumulative):
    return {
        "name": name,
        "label": label,
        "cumulative": cumulative,
        "options": [
            {"value": o.value, "count": o.count, "selected": o.selected}
            for o in options
        ],
    }


# --- Institutions and departments --------------------------------------------------


class _Tree:
    """Every institution (the table is small: banks and their branches) with
    its parent, children, path from the employer, and open postings counted
    on the board for it and every institution below it."""

    def __init__(self, current, today, fields=("pk", "parent_id", "name")):
        self.rows = {
            values[0]: values
            for values in Institution.objects.order_by("pk").values_list(*fields)
        }
        self.parent = {pk: values[1] for pk, values in self.rows.items()}
        self.name = {pk: values[2] for pk, values in self.rows.items()}
        self.children = {}
        for pk, parent in self.parent.items():
            self.children.setdefault(parent, []).append(pk)
        with current.lock:
            own = current.tally_institutions(current.open_mask(today))
        self.open_postings = dict.fromkeys(self.rows, 0)
        for pk, (postings, _, _) in own.items():
            for ancestor in self.lineage(pk):
                self.open_postings[ancestor] += postings

    def lineage(self, pk):
        """Ids from the employer down to ``pk``."""
        chain, node, seen = [], pk, set()
        while node is not None and node in self.parent and node not in seen:
            seen.add(node)
            chain.append(node)
            node = self.parent[node]
        return list(reversed(chain))


def _institution(request, tree, pk, description, note):
    lineage = tree.lineage(pk)
    names = [tree.name[node] for node in lineage]
    query = {"employer": names[0]}
    if len(names) > 1:
        query["institution"] = names[-1]
    return {
        "id": pk,
        "name": tree.name[pk],
        "parent": tree.parent[pk],
        "employer": lineage[0],
        "path": names,
        "children": sorted(tree.children.get(pk, [])),
        "description": description,
        "note": note,
        "open_postings": tree.open_postings[pk],
        "url": _absolute(request, "postings:institution_detail", pk=pk),
        "postings_url": _absolute(request, "api:posting_list", query),
    }


def _table_page(request, kind):
    """(the last id before this page, its size) of a table's list."""
    form = TableForm(request.GET)
    data = _valid_form(form)
    after = 0
    if data.get("cursor") is not None:
        try:
            after = cursors.check_id_cursor(data["cursor"], kind)
        except ValidationError as error:
            _cursor_error(form, error.messages[0])
    return form, after, data.get("per_page") or TABLE_PER_PAGE_DEFAULT


def _table_variant(form):
    query = QueryDict(mutable=True)
    for name in form.fields:
        values = [v for v in form.data.getlist(name) if v.strip()]
        if values:
            query.setlist(name, values)
    return query.urlencode()


def _paged(request, kind, items, more):
    next_cursor = cursors.encode(kind, items[-1]["id"]) if more and items else None
    return {
        "next": _next_url(request, next_cursor) if next_cursor else None,
        "next_cursor": next_cursor,
        "results": items,
    }


def _whole_board(today):
    """Changes that can affect a list of every institution or department with
    its open postings: any posting open before or after it, any name."""
    everything = PostingFilter(QueryDict(), queryset=Posting.objects.none())
    everything.is_valid()
    return ListingDependency(everything, today)


def _table_validators(request, current, today, form):
    """A whole table's answer depends on every posting and name, and on its page."""
    return Validators(request, current, _whole_board(today), _table_variant(form))


_TABLE_PARAMETERS = schema.paging_parameters(TableForm, TABLE_PER_PAGE_DEFAULT)
_INSTITUTION_FIELDS = ("pk", "parent_id", "name", "description", "note")


class InstitutionListView(ReadOnlyView):
    @_documented(
        "institution_list",
        summary="招聘机构",
        description="全部招聘机构，按编号排列：用人单位（parent 为 null）及其下级机构，"
        "每个机构带有上级、直属下级和正在招聘的岗位数。",
        response=serializers.InstitutionPageSerializer,
        parameters=_TABLE_PARAMETERS,
    )
    def get(self, request):
        form, after, limit = _table_page(request, "institutions")
        current = board.for_request(request)
        today = timezone.localdate()

        def page():
            tree = _Tree(current, today, _INSTITUTION_FIELDS)
            following = [pk for pk in tree.rows if pk > after]
            items = [
                _institution(request, tree, pk, *tree.rows[pk][3:])
                for pk in following[:limit]
            ]
            page = _paged(request, "institutions", items, len(following) > limit)
            return serializers.InstitutionPageSerializer(page).data

        return _table_validators(request, current, today, form).answer(page)


class InstitutionDetailView(ReadOnlyView):
    @_documented(
        "institution_detail",
        summary="单个招聘机构",
        description="一个招聘机构，带有上级、直属下级、招聘部门和正在招聘的岗位数。",
        response=serializers.InstitutionDetailSerializer,
    )
    def get(self, request, pk):
        if pk > MAX_ID:
            raise exceptions.NotFound()
        current = board.for_request(request)

        def institution():
            tree = _Tree(current, timezone.localdate(), _INSTITUTION_FIELDS)
            if pk not in tree.rows:
                raise exceptions.NotFound()
            item = _institution(request, tree, pk, *tree.rows[pk][3:])
            item["departments"] = [
                {"id": dept_pk, "name": name}
                for dept_pk, name in Department.objects.filter(institution_id=pk)
                .order_by("name", "pk")
                .values_list("pk", "name")
            ]
            return serializers.InstitutionDetailSerializer(item).data

        dependency = EmployerDependency(institution_id=pk)
        return Validators(request, current, dependency).answer(institution)


def _department_counts(current, today):
    with current.lock:
        mask = current.open_mask(today)
        keys = current.rows.get("department_id")[: current.size][mask]
    keys = keys[keys >= 0]
    counted = np.bincount(keys) if len(keys) else np.zeros(0, dtype=np.int64)
    return counted


def _department(request, tree, counted, pk, institution_id, name, description):
    employer = tree.lineage(institution_id)[0]
    query = {"employer": tree.name[employer], "department": name}
    if institution_id != employer:
        query["institution"] = tree.name[institution_id]
    return {
        "id": pk,
        "name": name,
        "institution": institution_id,
        "institution_name": tree.name[institution_id],
        "employer": employer,
        "description": description,
        "open_postings": int(counted[pk]) if pk < len(counted) else 0,
        "url": _absolute(request, "postings:department_detail", pk=pk),
        "postings_url": _absolute(request, "api:posting_list", query),
    }


_DEPARTMENT_FIELDS = ("pk", "institution_id", "name", "description")


class DepartmentListView(ReadOnlyView):
    @_documented(
        "department_list",
        summary="招聘部门",
        description="全部招聘部门（部门或分支机构），按编号排列。",
        response=serializers.DepartmentPageSerializer,
        parameters=_TABLE_PARAMETERS,
    )
    def get(self, request):
        form, after, limit = _table_page(request, "departments")
        current = board.for_request(request)
        today = timezone.localdate()

        def page():
            found = list(
                Department.objects.filter(pk__gt=after)
                .order_by("pk")
                .values_list(*_DEPARTMENT_FIELDS)[: limit + 1]
            )
            tree = _Tree(current, today)
            counted = _department_counts(current, today)
            items = [
                _department(request, tree, counted, *values) for values in found[:limit]
            ]
            page = _paged(request, "departments", items, len(found) > limit)
            return serializers.DepartmentPageSerializer(page).data

        return _table_validators(request, current, today, form).answer(page)


class DepartmentDetailView(ReadOnlyView):
    @_documented(
        "department_detail",
        summary="单个招聘部门",
        description="一个招聘部门及其正在招聘的岗位数。",
        response=serializers.DepartmentSerializer,
    )
    def get(self, request, pk):
        if pk > MAX_ID:
            raise exceptions.NotFound()
        current = board.for_request(request)

        def department():
            values = (
                Department.objects.filter(pk=pk)
                .values_list(*_DEPARTMENT_FIELDS)
                .first()
            )
            if values is None:
                raise exceptions.NotFound()
            today = timezone.localdate()
            counted = _department_counts(current, today)
            item = _department(request, _Tree(current, today), counted, *values)
            return serializers.DepartmentSerializer(item).data

        dependency = EmployerDependency(department_id=pk)
        return Validators(request, current, dependency).answer(department)


# --- The API's own pages ---------------------------------------------------------


class RootView(ReadOnlyView):
    @extend_schema(exclude=True)
    def get(self, request):
        return Response(
            {
                name: _absolute(request, f"api:{name}")
                for name in (
                    "posting_list",
                    "posting_facets",
                    "institution_list",
                    "department_list",
                    "schema",
                    "docs",
                )
            }
        )


class SchemaView(ReadOnlyView):
    """The OpenAPI 3 schema, generated once per process (it changes only with
    the code), with an ETag of its bytes."""

    _generated = None

    @classmethod
    def schema_json(cls):
        if cls._generated is None:
            document = SchemaGenerator().get_schema(request=None, public=True)
            body = JSONRenderer().render(document)
            cls._generated = (body, f'"{hashlib.sha256(body).hexdigest()[:16]}"')
        return cls._generated

    @extend_schema(exclude=True)
    def get(self, request):
        body, etag = self.schema_json()
        sent = parse_etags(request.headers.get("If-None-Match", ""))
        if etag in sent or f"W/{etag}" in sent or "*" in sent:
            response = HttpResponseNotModified()
        else:
            response = HttpResponse(body, content_type="application/json")
        response["ETag"] = etag
        response["Cache-Control"] = "no-cache"
        return response


class DocsView(TemplateView):
    """The schema as a Swagger UI page, from our own static files."""

    template_name = "api/docs.html"


class NotFoundView(ReadOnlyView):
    """Anything under /api/v1/ that names nothing: a JSON 404, or, for an
    address that only lacks its trailing slash, the address with it."""

    http_method_names = ["get", "head", "options", "post", "put", "patch", "delete"]
    schema = None  # not an operation of the API

    def answer(self, request, *args, **kwargs):
        if settings.APPEND_SLASH and not request.path.endswith("/"):
            try:
                match = resolve(f"{request.path_info}/")
            except Resolver404:
                match = None
            if match is not None and match.url_name != "not_found":
                if request.method not in ("GET", "HEAD"):
                    raise exceptions.MethodNotAllowed(request.method)
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(
                    f"{request.path}/" + (f"?{query}" if query else "")
                )
        raise exceptions.NotFound()

    get = head = options = post = put = patch = delete = answer
