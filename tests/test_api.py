"""The JSON API (/api/v1/) against the seed data: each endpoint, the
listing's filters and order through cursors, conditional requests, CORS,
the rate limit, JSON errors and query counts."""

import datetime
import email.utils
import json
import re
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from postings import exports
from postings.api import cursors
from postings.api.views import SchemaView
from postings.filters import SORT, PostingFilter
from postings.models import Department, Education, Institution, Posting

pytestmark = pytest.mark.django_db

BOC = "000_6f3e1b58b6c4ffdc.txt"
CQ = "001_d8b25c18b293cb0b.txt"
CF = "002_7125a8409aacafa0.txt"


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The seed documents, imported once for the module: each test's own
    writes are rolled back after it, and these after the last test."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("import_seeds", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def posting_at(document, row):
    return Posting.objects.get(source_document=document, source_row=row)


def api(client, name, params=None, **kwargs):
    return client.get(reverse(f"api:{name}", kwargs=kwargs or None), params or {})


def walk(client, params, *, name="posting_list"):
    """Every item of a list, following next_cursor; and the pages' sizes."""
    ids, sizes = [], []
    response = api(client, name, params)
    while True:
        assert response.status_code == 200, response.content
        page = response.json()
        ids += [item["id"] for item in page["results"]]
        sizes.append(len(page["results"]))
        if page["next_cursor"] is None:
            assert page["next"] is None
            return ids, sizes
        # The next link is this query with the cursor.
        query = parse_qs(urlsplit(page["next"]).query)
        assert query["cursor"] == [page["next_cursor"]]
        response = api(client, name, {**params, "cursor": page["next_cursor"]})


def unused_id(model):
    return (model.objects.aggregate(Max("pk"))["pk__max"] or 0) + 1000


def listing_ids(client, params):
    response = client.get(reverse("postings:posting_list"), {**params, "per_page": 100})
    assert response.status_code == 200
    assert response.context["total"] <= 100
    return [p.pk for p in response.context["page_obj"].object_list]


# --- Postings ----------------------------------------------------------------------


def test_postings_have_the_exports_keys_in_its_order(seeded, client):
    page = api(client, "posting_list").json()
    assert page["count"] == 77
    assert len(page["results"]) == 20
    assert all(
        list(item) == [key for key, _ in exports.COLUMNS] for item in page["results"]
    )
    posting = posting_at(BOC, 43)
    item = api(client, "posting_detail", pk=posting.pk).json()
    assert item["title"] == posting.title
    assert item["headcount"] == 35
    assert item["employer"] == "中国银行"
    assert item["url"] == f"http://testserver/postings/{posting.pk}/"
    assert item["status"] == "招聘中"
    assert item["published_on"] == posting.published_on.isoformat()
    assert item["source_document"] == BOC and item["source_position"] == 43


def test_one_posting_is_the_exports_row(seeded, client):
    posting = posting_at(CQ, 2)
    item = api(client, "posting_detail", pk=posting.pk).json()
    row = next(
        exports.rows(
            Posting.objects.filter(pk=posting.pk), base_url="http://testserver/"
        )
    )
    assert item == {key: exports.json_value(value) for key, value in row.items()}


LISTING_QUERIES = [
    {},
    {"employer": "中国银行"},
    {"institution": "中国银行"},  # and every branch below it
    {"institution": "新疆区分行"},
    {"department": "营业网点"},
    {"province": "新疆"},
    {"province": ["北京", "四川"]},
    {"location": "喀什市"},
    {"grade": "经理"},
    {"category": "信息科技类"},
    {"certificate": "CFA"},
    {"education": "专科"},
    {"education": ["专科", "本科"]},
    {"experience": "2"},
    {"age": "30"},
    {"q": "客户经理"},
    {"q": "Java 开发"},
    {"q": "经理", "sort": SORT.NEWEST},
    {"q": "数据", "sort": SORT.RELEVANCE},
    {"sort": SORT.DEADLINE},
    {"sort": SORT.HEADCOUNT},
    {"sort": SORT.TITLE},
    {"sort": SORT.TITLE, "employer": "重庆银行"},
    {"province": "北京", "education": "本科", "sort": SORT.HEADCOUNT},
]


@pytest.mark.parametrize("query", LISTING_QUERIES)
def test_filters_and_sorts_give_the_listings_postings_in_its_order(
    seeded, client, query
):
    expected = listing_ids(client, query)
    ids, sizes = walk(client, {**query, "per_page": 7})
    assert ids == expected
    assert all(size == 7 for size in sizes[:-1])
    assert api(client, "posting_list", query).json()["count"] == len(expected)


def test_a_week_filter_is_the_listings(seeded, client, today):
    posting = posting_at(CF, 5)
    Posting.objects.filter(pk=posting.pk).update(
        published_on=today - datetime.timedelta(days=21)
    )
    year, week, _ = posting.published_on.isocalendar()
    query = {"week": f"{year}-W{week:02d}"}
    ids, _ = walk(client, query)
    assert posting.pk not in ids and len(ids) == 76
    old_week = (today - datetime.timedelta(days=21)).isocalendar()
    ids, _ = walk(client, {"week": f"{old_week[0]}-W{old_week[1]:02d}"})
    assert ids == [posting.pk]


@pytest.mark.parametrize("sort", [s for s, _ in SORT.CHOICES])
def test_a_cursor_walk_visits_every_posting_once_in_order(seeded, client, sort):
    query = {"sort": sort, "per_page": 5}
    if sort == SORT.RELEVANCE:
        query["q"] = "经理"
    ids, _ = walk(client, query)
    assert len(ids) == len(set(ids))
    assert ids == listing_ids(
        client, {k: v for k, v in query.items() if k != "per_page"}
    )
    if sort != SORT.RELEVANCE:
        assert len(ids) == 77


def test_a_walk_neither_repeats_nor_skips_while_postings_change(
    seeded, client, make_posting, today
):
    first = api(client, "posting_list", {"per_page": 10}).json()
    seen = [item["id"] for item in first["results"]]
    # Meanwhile: a new posting comes first in the newest order, one already
    # read and one not yet read close.
    make_posting(title="新岗位", published_on=today)
    Posting.objects.get(pk=seen[0]).close()
    not_yet_read = listing_ids(client, {})[30]
    Posting.objects.get(pk=not_yet_read).close()
    rest, _ = walk(client, {"per_page": 10, "cursor": first["next_cursor"]})
    assert not set(rest) & set(seen)
    assert not_yet_read not in rest
    assert len(seen) + len(rest) == 77 - 1


def test_a_walk_by_title_keeps_its_place_when_titles_change(seeded, client):
    first = api(client, "posting_list", {"sort": SORT.TITLE, "per_page": 10}).json()
    seen = [item["id"] for item in first["results"]]
    # A posting already read is renamed to sort last, one not yet read to
    # sort first: the walk goes on from the title it had reached.
    moved_back = listing_ids(client, {"sort": SORT.TITLE})[-1]
    renamed = Posting.objects.get(pk=seen[3])
    renamed.title = "龥龥 最后"
    renamed.save()
    Posting.objects.filter(pk=moved_back).update(title="AAA 最前")
    rest, _ = walk(
        client, {"sort": SORT.TITLE, "per_page": 10, "cursor": first["next_cursor"]}
    )
    assert len(rest) == len(set(rest))
    assert rest[-1] == renamed.pk
    assert moved_back not in rest
    assert not set(rest) & set(seen[:3] + seen[4:])
    assert len(seen) + len(rest) == 77


@pytest.mark.parametrize(
    "params, message",
    [
        ({"cursor": "made-up"}, "游标：无法识别，请原样传回上一页返回的 next_cursor。"),
        (
            {"cursor": cursors.encode("postings:title", ["a", 1])},
            "游标：与排序方式不符，翻页时请保持 sort 不变。",
        ),
        (
            {"cursor": cursors.encode("institutions", 3)},
            "游标：不属于这个列表，请原样传回这个列表上一页返回的 next_cursor。",
        ),
        (
            {"cursor": cursors.encode("postings:newest", "not a number")},
            "游标：无法识别，请原样传回上一页返回的 next_cursor。",
        ),
    ],
)
def test_a_bad_cursor_is_refused_with_a_message(seeded, client, params, message):
    response = api(client, "posting_list", params)
    assert response.status_code == 400
    assert response.json() == {"status": 400, "title": "请求有误", "errors": [message]}


def test_the_same_page_always_carries_the_same_cursor(seeded, client):
    # So an unchanged page's body is byte for byte the same (its ETag says so).
    first = api(client, "posting_list", {"sort": SORT.TITLE}).content
    assert api(client, "posting_list", {"sort": SORT.TITLE}).content == first


def test_a_tampered_cursor_is_refused(seeded, client):
    token = api(client, "posting_list").json()["next_cursor"]
    payload, _, signature = token.partition(":")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + signature
    response = api(client, "posting_list", {"cursor": forged})
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("游标：无法识别")


@pytest.mark.parametrize(
    "query",
    [
        "age=abc",
        "age=5",
        "experience=-1",
        "education=小学",
        "per_page=100000",
        "per_page=0",
        "sort=random",
        "week=2026-W60",
        "location=" + "很长" * 100,
        "&".join(f"province={i}" for i in range(40)),
        "q=%00",
        "q=a%01b",
        "location=%01%E5%96%80",
        "employer=%7F",
        "age=abc&education=小学",
    ],
)
def test_bad_filter_values_get_the_listings_messages(seeded, client, query):
    page = client.get(reverse("postings:posting_list") + "?" + query)
    assert page.status_code == 400
    for name in ("posting_list", "posting_facets"):
        response = client.get(reverse(f"api:{name}") + "?" + query)
        if name == "posting_facets" and query.startswith("per_page"):
            assert response.status_code == 200  # counts are not paged
            continue
        assert response.status_code == 400
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "status": 400,
            "title": "请求有误",
            "errors": page.context["errors"],
        }


@pytest.mark.parametrize(
    "query",
    [
        "unknown=1",
        "q=",
        "q=%E4%B8",
        "q=' OR 1=1 --",
        "q=%25%25%25",
        "q=_",
        "employer=&province=",
        "province[]=新疆",
        "age=30&age=40",
        "per_page=",
        "sort=",
        "cursor=",
        "page=abc",  # the listing's parameter, not the API's
    ],
)
def test_harmless_odd_queries_are_answered(seeded, client, query):
    response = client.get(reverse("api:posting_list") + "?" + query)
    assert response.status_code == 200
    assert response.json()["count"] >= 0


def test_a_draft_or_unknown_posting_is_a_json_404(seeded, client, today):
    draft = posting_at(BOC, 1)
    Posting.objects.filter(pk=draft.pk).update(status=Posting.Status.DRAFT)
    for pk in (draft.pk, unused_id(Posting), 2**63 - 1, 2**70):
        response = client.get(f"/api/v1/postings/{pk}/")
        assert response.status_code == 404
        assert response.json() == {
            "status": 404,
            "title": "页面不存在",
            "errors": ["您要找的页面不存在或已被移除。"],
        }


def test_a_closed_posting_is_still_served_marked_closed(seeded, client):
    posting = posting_at(BOC, 2)
    posting.close()
    response = api(client, "posting_detail", pk=posting.pk)
    assert response.status_code == 200
    assert response.json()["status"] == "已截止"
    assert posting.pk not in walk(client, {})[0]


# --- Facets ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [{}, {"province": "新疆"}, {"employer": "中国银行", "education": "本科"}],
)
def test_facets_are_the_listings_counts(seeded, client, query):
    page = client.get(reverse("postings:posting_list"), query)
    shown = page.context["facets"]
    facets = api(client, "posting_facets", query).json()
    assert facets["count"] == page.context["total"]
    by_name = {group["name"]: group for group in facets["facets"]}
    for group in shown.groups:
        options = {
            o["value"]: (o["count"], o["selected"])
            for o in by_name[group.name]["options"]
        }
        # The listing shows the top options; the API every one.
        assert {
            o.value: (o.count, o.selected) for o in group.options
        }.items() <= options.items()
    education = by_name["education"]
    assert education["cumulative"] is True
    assert [(o["value"], o["count"]) for o in education["options"]] == [
        (o.value, o.count) for o in shown.education
    ]


def test_each_facet_count_is_the_postings_that_value_would_show(seeded, client):
    query = {"province": "北京", "grade": "经理"}
    facets = api(client, "posting_facets", query).json()["facets"]
    for group in facets:
        if group["cumulative"]:
            continue
        for option in group["options"][:5]:
            narrowed = {**query, group["name"]: option["value"]}
            count = api(client, "posting_list", narrowed).json()["count"]
            assert option["count"] == count, (group["name"], option)


def test_selected_values_are_listed_even_without_postings(seeded, client):
    facets = api(client, "posting_facets", {"location": "不存在的地方"}).json()
    location = next(g for g in facets["facets"] if g["name"] == "location")
    assert {"value": "不存在的地方", "count": 0, "selected": True} in location[
        "options"
    ]


# --- Institutions and departments ----------------------------------------------------


def test_institutions_with_their_hierarchy(seeded, client):
    ids, sizes = walk(client, {"per_page": 5}, name="institution_list")
    assert ids == sorted(Institution.objects.values_list("pk", flat=True))
    assert sizes == [5, 5, 4]
    items = {
        item["id"]: item for item in api(client, "institution_list").json()["results"]
    }
    assert len(items) == 14
    boc = Institution.objects.get(name="中国银行")
    xinjiang = Institution.objects.get(name="新疆区分行")
    assert items[boc.pk]["parent"] is None and items[boc.pk]["employer"] == boc.pk
    assert xinjiang.pk in items[boc.pk]["children"]
    assert items[xinjiang.pk]["parent"] == boc.pk
    assert items[xinjiang.pk]["path"] == ["中国银行", "新疆区分行"]
    for item in items.values():
        for child in item["children"]:
            assert items[child]["parent"] == item["id"]
        # Its open postings are the API's postings of it and below it.
        postings = client.get(item["postings_url"]).json()
        assert postings["count"] == item["open_postings"], item["name"]
    assert items[boc.pk]["open_postings"] == 44


def test_one_institution_with_its_departments(seeded, client):
    xinjiang = Institution.objects.get(name="新疆区分行")
    item = api(client, "institution_detail", pk=xinjiang.pk).json()
    assert item["name"] == "新疆区分行"
    assert item["departments"] == [
        {"id": d.pk, "name": d.name} for d in xinjiang.departments.order_by("name")
    ]
    assert item["url"] == f"http://testserver/institutions/{xinjiang.pk}/"
    missing = unused_id(Institution)
    assert client.get(f"/api/v1/institutions/{missing}/").status_code == 404


def test_departments(seeded, client):
    ids, _ = walk(client, {"per_page": 4}, name="department_list")
    assert ids == sorted(Department.objects.values_list("pk", flat=True))
    department = Department.objects.get(name="互联网金融部")
    item = api(client, "department_detail", pk=department.pk).json()
    assert item["institution"] == department.institution_id
    assert item["employer"] == Institution.objects.get(name="重庆银行").pk
    assert item["open_postings"] == 10
    assert client.get(item["postings_url"]).json()["count"] == 10
    for item in api(client, "department_list").json()["results"]:
        postings = client.get(item["postings_url"]).json()
        assert postings["count"] == item["open_postings"], item["name"]
    missing = unused_id(Department)
    assert client.get(f"/api/v1/departments/{missing}/").status_code == 404


# --- ETag and Last-Modified ----------------------------------------------------------


def test_an_unchanged_answer_is_a_304_by_etag(seeded, client):
    url = reverse("api:posting_list") + "?employer=重庆银行&per_page=5"
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('W/"')
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert client.head(url, headers={"If-None-Match": etag}).status_code == 304
    # Another bank's change cannot change this answer...
    boc = posting_at(BOC, 5)
    boc.title = "改过的岗位"
    boc.save()
    unaffected = client.get(url, headers={"If-None-Match": etag})
    assert unaffected.status_code == 304
    assert unaffected["ETag"] != etag  # the current version, to send next time
    # ...one of this bank's postings can.
    posting_at(CQ, 3).close()
    changed = client.get(url, headers={"If-None-Match": unaffected["ETag"]})
    assert changed.status_code == 200
    assert changed.json()["count"] == 9


def test_an_etag_is_valid_only_for_its_own_query(seeded, client):
    etag = api(client, "posting_list", {"province": "北京"})["ETag"]
    other = client.get(
        reverse("api:posting_list"),
        {"province": "新疆"},
        headers={"If-None-Match": etag},
    )
    assert other.status_code == 200
    forged = client.get(
        reverse("api:posting_list"), headers={"If-None-Match": 'W/"p1g1-xdzz"'}
    )
    assert forged.status_code == 200


def test_one_postings_etag_follows_that_posting(seeded, client):
    posting = posting_at(CF, 7)
    url = reverse("api:posting_detail", kwargs={"pk": posting.pk})
    etag = client.get(url)["ETag"]
    posting_at(BOC, 9).close()  # another bank's
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    posting.headcount = 3
    posting.save()
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json()["headcount"] == 3


def test_institution_and_department_etags(seeded, client):
    department = Department.objects.get(name="互联网金融部")
    for url in (
        reverse("api:institution_list"),
        reverse("api:department_list"),
        reverse("api:department_detail", kwargs={"pk": department.pk}),
        reverse("api:institution_detail", kwargs={"pk": department.institution_id}),
        reverse("api:posting_facets") + "?province=北京",
    ):
        etag = client.get(url)["ETag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
        department.description = f"{department.description}。"
        department.save()  # a name or text any of them may show
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_if_modified_since(seeded, client, monkeypatch):
    url = reverse("api:posting_list")
    first = client.get(url)
    last_modified = first["Last-Modified"]
    stamp = email.utils.parsedate_to_datetime(last_modified)
    assert stamp <= timezone.now()
    assert (
        client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    )
    earlier = email.utils.format_datetime(
        stamp - datetime.timedelta(seconds=1), usegmt=True
    )
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200
    # A change seen a second later moves Last-Modified past it.
    later = timezone.now() + datetime.timedelta(seconds=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    posting_at(CQ, 3).close()
    response = client.get(url, headers={"If-Modified-Since": last_modified})
    assert response.status_code == 200
    assert email.utils.parsedate_to_datetime(response["Last-Modified"]) > stamp
    # If-None-Match, when sent, is the validator that counts.
    assert (
        client.get(
            url,
            headers={
                "If-None-Match": first["ETag"],
                "If-Modified-Since": response["Last-Modified"],
            },
        ).status_code
        == 200
    )


def test_a_304_costs_no_query_beyond_catching_up(
    seeded, client, django_assert_num_queries
):
    url = reverse("api:posting_list") + "?q=客户经理"
    etag = client.get(url)["ETag"]
    with django_assert_num_queries(1):  # the change log's new entries
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


# --- Query counts ---------------------------------------------------------------------


def _first(model, **filters):
    return model.objects.filter(**filters).order_by("pk").first().pk


@pytest.mark.parametrize(
    "path, queries",
    [
        # Catching up on the change log, the page's postings and their
        # duties, requirements, locations and certificates.
        (lambda: "/api/v1/postings/?per_page=100", 6),
        (lambda: "/api/v1/postings/?per_page=5&province=北京&sort=title", 6),
        (lambda: f"/api/v1/postings/{_first(Posting)}/", 6),
        # Catching up; the counts are the board's.
        (lambda: "/api/v1/facets/?province=北京&education=本科", 1),
        # Catching up and the institutions (and the departments).
        (lambda: "/api/v1/institutions/", 2),
        (lambda: f"/api/v1/institutions/{_first(Institution, name='总行部门')}/", 3),
        (lambda: "/api/v1/departments/", 3),
        (lambda: f"/api/v1/departments/{_first(Department)}/", 3),
    ],
    ids=[
        "postings",
        "filtered-postings",
        "posting",
        "facets",
        "institutions",
        "institution",
        "departments",
        "department",
    ],
)
def test_query_counts(seeded, client, django_assert_num_queries, path, queries):
    path = path()
    assert client.get(path).status_code == 200  # loads this process's board
    with django_assert_num_queries(queries):
        assert client.get(path).status_code == 200


# --- CORS, methods, errors, rate limit --------------------------------------------------


def test_any_site_may_read_without_credentials(seeded, client):
    response = client.get(
        reverse("api:posting_list"), headers={"Origin": "https://careers.example.edu"}
    )
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    exposed = {
        h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")
    }
    assert {"etag", "last-modified", "retry-after"} <= exposed
    preflight = client.options(
        reverse("api:posting_list"),
        headers={
            "Origin": "https://careers.example.edu",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    methods = {m.strip() for m in preflight["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "HEAD", "OPTIONS"}
    assert "if-none-match" in preflight["Access-Control-Allow-Headers"]
    # The pages are not the API: no CORS there.
    page = client.get("/", headers={"Origin": "https://careers.example.edu"})
    assert "Access-Control-Allow-Origin" not in page


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writing_is_a_json_405(seeded, client, method):
    response = getattr(client, method)(reverse("api:posting_list"))
    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response.json() == {
        "status": 405,
        "title": "不支持的请求方法",
        "errors": [
            f"不支持 {method.upper()} 请求：本接口只读，只接受 GET、HEAD 和 OPTIONS。"
        ],
    }


def test_options_says_what_is_allowed(seeded, client):
    response = client.options(reverse("api:posting_list"))
    assert response.status_code == 200
    assert response.json()["methods"] == ["GET", "HEAD", "OPTIONS"]


def test_unknown_addresses_are_json_404s_and_a_missing_slash_redirects(client):
    for path in ("/api/v1/nothing/", "/api/v1/postings/abc/", "/api/v1/postings/-1/"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["errors"] == ["您要找的页面不存在或已被移除。"]
    redirect = client.get("/api/v1/postings?province=%E5%8C%97%E4%BA%AC")
    assert redirect.status_code == 301
    assert redirect["Location"] == "/api/v1/postings/?province=%E5%8C%97%E4%BA%AC"


@pytest.fixture
def counting_cache(settings):
    """A real cache, where the rate limit counts (the tests' default forgets)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "api-rate-limit-test",
        }
    }
    cache.clear()
    yield
    cache.clear()


def test_a_client_over_the_rate_is_told_when_to_come_back(
    seeded, client, settings, counting_cache
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "3/minute"},
    }
    url = reverse("api:posting_list")
    for _ in range(3):
        assert client.get(url).status_code == 200
    response = client.get(url, headers={"Origin": "https://careers.example.edu"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Access-Control-Allow-Origin"] == "*"
    wait = response["Retry-After"]
    assert response.json() == {
        "status": 429,
        "title": "请求过于频繁",
        "errors": [
            f"请求过于频繁：每个客户端每分钟最多 3 次请求，请 {wait} 秒后再试。"
        ],
    }
    # Per client: another address is still served.
    assert client.get(url, REMOTE_ADDR="192.0.2.7").status_code == 200


# --- Schema and docs ---------------------------------------------------------------------


def test_the_schema_describes_every_operation_and_the_filters(client):
    response = client.get(reverse("api:schema"))
    assert response.status_code == 200
    assert response.content == SchemaView.schema_json()[0]
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/v1/postings/",
        "/api/v1/postings/{id}/",
        "/api/v1/facets/",
        "/api/v1/institutions/",
        "/api/v1/institutions/{id}/",
        "/api/v1/departments/",
        "/api/v1/departments/{id}/",
    }
    parameters = {
        p["name"]: p for p in schema["paths"]["/api/v1/postings/"]["get"]["parameters"]
    }
    assert set(PostingFilter.base_filters) | {"per_page", "cursor"} <= set(parameters)
    assert parameters["sort"]["schema"]["enum"] == [s for s, _ in SORT.CHOICES]
    assert parameters["education"]["schema"]["items"]["enum"] == list(Education.labels)
    assert parameters["province"]["explode"] is True
    posting = schema["components"]["schemas"]["Posting"]
    assert list(posting["properties"]) == [key for key, _ in exports.COLUMNS]
    etag = response["ETag"]
    assert (
        client.get(reverse("api:schema"), headers={"If-None-Match": etag}).status_code
        == 304
    )


@pytest.mark.parametrize(
    "name, low, high", [("age", 16, 80), ("experience", 0, 60), ("per_page", 1, 100)]
)
def test_the_schemas_bounds_are_the_filters(client, name, low, high):
    schema = json.loads(client.get(reverse("api:schema")).content)
    parameter = next(
        p
        for p in schema["paths"]["/api/v1/postings/"]["get"]["parameters"]
        if p["name"] == name
    )
    bounds = parameter["schema"].get("items", parameter["schema"])
    assert (bounds["minimum"], bounds["maximum"]) == (low, high)
    for value, valid in (
        (low, True),
        (high, True),
        (low - 1, False),
        (high + 1, False),
    ):
        filterset = PostingFilter({name: str(value)}, queryset=Posting.objects.none())
        assert filterset.is_valid() is valid, (name, value)


def test_the_docs_page_loads_swagger_ui_from_our_static_files(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    content = response.content.decode()
    assert (
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
        in content
    )
    assert '<script src="/static/api/docs.js"></script>' in content
    assert f'data-schema-url="{reverse("api:schema")}"' in content
    assert "<script>" not in content  # no inline script
    assert not re.search(r'(src|href)="(https?:)?//', content)  # nothing from elsewhere
    assert "script-src 'self'" in response["Content-Security-Policy"]
