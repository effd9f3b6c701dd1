"""Cached public pages: fresh on the next request after a change that can
affect them, kept when a change cannot, built once on a miss."""

import datetime
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from postings import board, caching, search, views
from postings.models import Duty, RoleDescription

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def real_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    cache.clear()
    yield
    cache.clear()


def listing(client, **params):
    return client.get(reverse("postings:posting_list"), params)


def test_anonymous_listing_is_served_from_the_cache(
    client, make_posting, django_assert_num_queries
):
    make_posting(title="缓存测试岗位")
    first = listing(client)
    assert first["X-Page-Cache"] == "miss"
    # One query: catching up on the change log, whatever the page queried.
    with django_assert_num_queries(1):
        second = listing(client)
    assert second.status_code == 200
    assert second["X-Page-Cache"] == "hit"
    assert "缓存测试岗位" in second.content.decode()
    assert second.content == first.content
    # Headers the middleware adds are still on a cached page.
    assert "Content-Security-Policy" in second


def test_an_edit_shows_on_the_next_request(client, make_posting):
    posting = make_posting(title="旧标题")
    assert "旧标题" in listing(client).content.decode()
    assert "旧标题" in client.get(posting.get_absolute_url()).content.decode()
    assert listing(client)["X-Page-Cache"] == "hit"

    posting.title = "新标题"
    posting.save()  # what the admin's save does
    search.index_posting(posting)
    after = listing(client)
    assert after["X-Page-Cache"] == "miss"
    assert "新标题" in after.content.decode() and "旧标题" not in after.content.decode()
    assert "新标题" in client.get(posting.get_absolute_url()).content.decode()


def test_an_edit_through_the_admin_refreshes_its_page(
    client, admin_client, make_posting
):
    posting = make_posting(title="岗位甲", duties=("原来的职责。",))
    assert "原来的职责。" in client.get(posting.get_absolute_url()).content.decode()
    duty = posting.duties.get()
    admin_client.post(
        reverse("admin:postings_posting_changelist"),
        {"action": "close_selected", "_selected_action": [posting.pk]},
    )
    assert "已截止" in client.get(posting.get_absolute_url()).content.decode()
    Duty.objects.filter(pk=duty.pk).get().delete()
    assert "原来的职责。" not in client.get(posting.get_absolute_url()).content.decode()


@pytest.fixture
def two_employers(make_institution, make_posting):
    """Two banks, each with a branch posting, and reference texts."""
    bank_a, bank_b = make_institution("甲银行"), make_institution("乙银行")
    a = make_posting(title="甲行柜员", institution=bank_a, locations=("喀什市",))
    a_other = make_posting(
        title="甲行信贷员", institution=bank_a, locations=("和田市",), grade="经理"
    )
    b = make_posting(
        title="乙行理财经理", institution=bank_b, locations=("成都市",), grade="主管"
    )
    role = RoleDescription.objects.create(title="科技员", summary="负责系统运维。")
    return bank_a, bank_b, a, a_other, b, role


def test_an_edit_leaves_the_pages_it_cannot_affect_cached(client, two_employers):
    bank_a, bank_b, a, a_other, _, role = two_employers
    pages = {
        "other posting": a_other.get_absolute_url(),
        "other employer": bank_b.get_absolute_url(),
        "reference": reverse("postings:reference_index"),
        "role": role.get_absolute_url(),
        # A listing whose two filters the edited posting fails both of.
        "other listing": reverse("postings:posting_list") + "?province=四川&grade=主管",
    }
    affected = {
        "its own page": a.get_absolute_url(),
        "its employer": bank_a.get_absolute_url(),
        "the whole listing": reverse("postings:posting_list"),
        "its province": reverse("postings:posting_list") + "?province=新疆",
    }
    for url in [*pages.values(), *affected.values()]:
        assert client.get(url).status_code == 200
    for url in [*pages.values(), *affected.values()]:
        assert client.get(url)["X-Page-Cache"] == "hit", url

    a.headcount = 7
    a.save()

    for what, url in pages.items():
        assert client.get(url)["X-Page-Cache"] == "hit", what
    for what, url in affected.items():
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss", what
    assert "招 7 人" in client.get(reverse("postings:posting_list")).content.decode()


def test_a_changed_application_method_or_bank_site_shows_on_the_next_request(
    client, two_employers
):
    bank_a, _, a, _, b, _ = two_employers
    page, other = a.get_absolute_url(), b.get_absolute_url()
    assert "来源未写明申请方式" in client.get(page).content.decode()
    client.get(other)
    assert client.get(page)["X-Page-Cache"] == "hit"

    a.application_instructions = "请将简历发送至 hr@example.com。"
    a.save()
    fresh = client.get(page)
    assert fresh["X-Page-Cache"] == "miss"
    assert "请将简历发送至 hr@example.com。" in fresh.content.decode()

    bank_a.website = "https://bank-a.example.com/"
    bank_a.save()
    fresh = client.get(page)
    assert fresh["X-Page-Cache"] == "miss"
    assert '"sameAs": "https://bank-a.example.com/"' in fresh.content.decode()
    assert client.get(other)["X-Page-Cache"] == "hit"  # another bank's posting


def test_a_facet_count_that_could_change_is_refreshed(client, two_employers):
    """A posting outside a listing's result still counts in its facets when
    it fails only one filter: 甲行信贷员 (新疆, 经理) is in the 新疆 count of
    a listing for 四川 + 经理."""
    _, _, _, a_other, _, _ = two_employers
    url = reverse("postings:posting_list") + "?province=四川&grade=经理"
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    a_other.title = "甲行信贷经理"
    a_other.save()
    assert client.get(url)["X-Page-Cache"] == "miss"


def test_a_deadline_closes_a_posting_without_any_change(
    client, make_posting, monkeypatch, today
):
    make_posting(title="今天截止的岗位", closes_on=today)
    assert "今天截止的岗位" in listing(client).content.decode()
    assert listing(client)["X-Page-Cache"] == "hit"
    tomorrow = today + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: tomorrow)
    assert "今天截止的岗位" not in listing(client).content.decode()


def test_visitors_with_a_staff_session_are_not_served_cached_pages(
    admin_client, client, make_posting
):
    make_posting(title="岗位乙")
    listing(client)
    assert listing(client)["X-Page-Cache"] == "hit"
    assert "X-Page-Cache" not in listing(admin_client)


def test_a_made_up_session_cookie_does_not_bypass_the_cache(client, make_posting):
    make_posting(title="岗位丙")
    listing(client)
    client.cookies[settings.SESSION_COOKIE_NAME] = "x"
    assert listing(client)["X-Page-Cache"] == "hit"


def test_parameters_the_listing_ignores_share_a_page(client, make_posting):
    make_posting(title="岗位丁", locations=("喀什市",))
    assert listing(client, province="新疆")["X-Page-Cache"] == "miss"
    for params in (
        {"province": "新疆", "utm_source": "weixin"},
        {"province": "新疆", "nonce": "8c1f"},
    ):
        assert listing(client, **params)["X-Page-Cache"] == "hit", params
    # Empty fields are redirected away, to the cached page.
    redirect = listing(client, province="新疆", education="", experience="")
    assert redirect.status_code == 301
    assert client.get(redirect["Location"])["X-Page-Cache"] == "hit"


def test_errors_are_not_cached(client):
    assert listing(client, age="abc").status_code == 400
    assert "X-Page-Cache" not in listing(client, age="abc")


def test_deep_pages_explain_the_cap(client, make_posting, monkeypatch):
    monkeypatch.setattr(views, "RESULT_CAP", 5)
    for _ in range(8):
        make_posting()
    response = listing(client, per_page=2)
    content = response.content.decode()
    assert "共找到 <strong>8</strong> 个岗位" in content  # the total is exact
    assert response.context["paginator"].num_pages == 3
    deep = listing(client, per_page=2, page=4)
    assert deep.status_code == 404
    assert "只能翻到第 3 页（前 5 个结果）" in deep.content.decode()


# --- A miss is built once -----------------------------------------------------------


def _slow_page(builds):
    def view(request):
        builds.append(1)
        time.sleep(0.3)
        return HttpResponse(f"第 {len(builds)} 次生成")

    return caching.cache_public_page(view, depends_on=caching.reference_page)


def test_concurrent_requests_for_a_cold_page_wait_for_one_build(db):
    builds = []
    view = _slow_page(builds)
    factory = RequestFactory()

    def ask(_):
        response = view(factory.get("/reference/"))
        return response.content.decode()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(8)))
    assert len(builds) == 1
    assert answers == ["第 1 次生成"] * 8


def test_a_request_waits_for_a_page_another_process_is_building(db):
    builds = []
    view = _slow_page(builds)
    request = RequestFactory().get("/reference/")
    key = caching.page_key(request, caching.ReferenceDependency())
    cache.add(f"{key}:building", 1)  # another process holds the build

    def other_process_finishes():
        time.sleep(0.2)
        current = board.current()
        cache.set(key, (current.position, current.gaps(), HttpResponse("别处生成")))

    with ThreadPoolExecutor(1) as pool:
        pool.submit(other_process_finishes)
        response = view(request)
    assert response.content.decode() == "别处生成"
    assert builds == []


def _changing_page(builds, started, finish):
    """A page that any change affects, whose builds after the first wait
    for ``finish`` (set ``started`` once they are under way)."""

    def view(request):
        builds.append(1)
        if len(builds) > 1:
            started.set()
            assert finish.wait(5)
        return HttpResponse(f"第 {len(builds)} 版")

    return caching.cache_public_page(view, depends_on=caching.whole_board)


def test_while_a_changed_page_is_rebuilt_others_get_the_previous_version(
    db, make_posting
):
    builds, started, finish = [], threading.Event(), threading.Event()
    view = _changing_page(builds, started, finish)
    factory = RequestFactory()
    ask = lambda: view(factory.get("/sitemap.xml"))  # noqa: E731
    assert ask()["X-Page-Cache"] == "miss"
    make_posting(title="改变页面的岗位")
    with ThreadPoolExecutor(1) as pool:
        rebuilding = pool.submit(ask)
        assert started.wait(5)
        # Another request, while the page is being rebuilt: no wait.
        meanwhile = ask()
        assert meanwhile["X-Page-Cache"] == "stale"
        assert meanwhile.content.decode() == "第 1 版"
        finish.set()
        rebuilt = rebuilding.result(5)
    assert (rebuilt["X-Page-Cache"], rebuilt.content.decode()) == ("miss", "第 2 版")
    after = ask()
    assert (after["X-Page-Cache"], after.content.decode()) == ("hit", "第 2 版")
    assert len(builds) == 2


def test_the_previous_version_is_served_only_for_a_bounded_time(
    db, settings, make_posting
):
    settings.PAGE_STALE_FOR = 0.2
    builds, started, finish = [], threading.Event(), threading.Event()
    view = _changing_page(builds, started, finish)
    factory = RequestFactory()
    ask = lambda: view(factory.get("/sitemap.xml"))  # noqa: E731
    ask()
    make_posting(title="过时太久的页面")
    board.current()  # this process applies the change now
    time.sleep(0.3)  # longer ago than PAGE_STALE_FOR
    with ThreadPoolExecutor(2) as pool:
        rebuilding = pool.submit(ask)
        assert started.wait(5)
        waiting = pool.submit(ask)
        done, _ = wait([waiting], timeout=0.5)
        assert not done, "a page out of date for too long was served"
        finish.set()
        answers = [rebuilding.result(5), waiting.result(5)]
    assert [a.content.decode() for a in answers] == ["第 2 版", "第 2 版"]
    assert len(builds) == 2


def test_a_request_gets_the_previous_version_while_another_process_rebuilds(db):
    builds = []
    view = _slow_page(builds)
    factory = RequestFactory()
    assert view(factory.get("/reference/"))["X-Page-Cache"] == "miss"
    RoleDescription.objects.create(title="新的角色说明")  # affects reference pages
    key = caching.page_key(factory.get("/reference/"), caching.ReferenceDependency())
    cache.add(f"{key}:building", 1)  # another process holds the rebuild
    started = time.monotonic()
    response = view(factory.get("/reference/"))
    assert time.monotonic() - started < caching.BUILD_WAIT / 2  # did not wait
    assert response["X-Page-Cache"] == "stale"
    assert response.content.decode() == "第 1 次生成"
    assert builds == [1]


@pytest.mark.parametrize(
    ("environment", "backend"),
    [
        ({}, "django.core.cache.backends.locmem.LocMemCache"),
        ({"DJANGO_CACHE": "database"}, "django.core.cache.backends.db.DatabaseCache"),
        (
            {"REDIS_URL": "redis://cache:6379/1"},
            "django.core.cache.backends.redis.RedisCache",
        ),
        ({"DJANGO_CACHE": "dummy"}, "django.core.cache.backends.dummy.DummyCache"),
    ],
)
def test_the_cache_backend_comes_from_the_environment(environment, backend):
    code = (
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    )
    assert _in_fresh_process(code, environment) == backend


@pytest.mark.parametrize(
    "environment, kept",
    [({}, 50_000), ({"DJANGO_CACHE_MAX_ENTRIES": "2000"}, 2_000)],
)
def test_the_shared_cache_keeps_more_pages_than_djangos_default(environment, kept):
    """Django's database cache keeps 300 entries by default, fewer than the
    detail pages of any real board; it would evict pages as it stores them."""
    code = "from django.core.cache import cache; print(cache._max_entries)"
    assert (
        int(_in_fresh_process(code, {"DJANGO_CACHE": "database", **environment}))
        == kept
    )


def _in_fresh_process(code, environment):
    """What ``code`` prints in a new Django process whose settings read
    ``environment`` (and none of this process's cache variables)."""
    import os
    import subprocess
    import sys

    ours = (
        "DJANGO_CACHE",
        "DJANGO_CACHE_MAX_ENTRIES",
        "DJANGO_PAGE_MEMO_ENTRIES",
        "DJANGO_BOARD_FRESHNESS",
        "DJANGO_PAGE_STALE_FOR",
        "REDIS_URL",
    )
    env = {k: v for k, v in os.environ.items() if k not in ours}
    env.update(
        environment, DJANGO_SETTINGS_MODULE="jobboard.settings", DJANGO_SECRET_KEY="x"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_an_unavailable_cache_degrades_to_uncached_pages(
    client, settings, make_posting, monkeypatch
):
    # The database cache without its table: every cache call fails.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "no_such_cache_table",
        }
    }
    waits = []
    monkeypatch.setattr(
        caching, "_wait_for_other_process", lambda *args: waits.append(args)
    )
    make_posting(title="缓存故障时的岗位")
    for _ in range(2):
        response = listing(client)
        assert response.status_code == 200
        assert "缓存故障时的岗位" in response.content.decode()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    # No other process can be building the page in a cache that is not
    # there: the request builds it at once instead of waiting for one.
    assert waits == []


def test_a_hit_on_the_shared_database_cache_is_two_queries(
    client, settings, make_posting, django_assert_num_queries
):
    # What several app servers share: the page and its generation come back
    # in one round trip, whatever else the page would have queried.
    call_command("createcachetable", "test_page_cache", verbosity=0)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "test_page_cache",
        }
    }
    posting = make_posting(title="共享缓存岗位")
    assert listing(client)["X-Page-Cache"] == "miss"
    # The change log and the page, whatever else the page would have queried.
    with django_assert_num_queries(2):
        hit = listing(client)
    assert hit.status_code == 200 and hit["X-Page-Cache"] == "hit"
    assert "共享缓存岗位" in hit.content.decode()
    posting.title = "共享缓存岗位（已更新）"
    posting.save()
    after = listing(client)
    assert after["X-Page-Cache"] == "miss"
    assert "共享缓存岗位（已更新）" in after.content.decode()


# --- Each process's own copies, and the freshness bound -----------------------------


@pytest.fixture
def shared_database_cache(settings):
    """What several app servers share, with each process's own copies on and
    the production freshness bound."""
    call_command("createcachetable", "test_page_cache", verbosity=0)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "test_page_cache",
        }
    }
    cache.clear()
    settings.PAGE_MEMO_ENTRIES = 100
    settings.BOARD_FRESHNESS = 0.5
    yield settings
    cache.clear()


def test_a_page_this_process_holds_is_served_without_the_database(
    client, shared_database_cache, make_posting, django_assert_num_queries
):
    make_posting(title="本进程缓存岗位")
    first = listing(client)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        hits = [listing(client), listing(client)]
    assert [hit["X-Page-Cache"] for hit in hits] == ["hit", "hit"]
    assert hits[0].content == hits[1].content == first.content
    # Each hit is its own response, for the middleware to add headers to.
    assert hits[0] is not hits[1]
    assert "Content-Security-Policy" in hits[1]


def test_an_edit_shows_on_every_page_within_the_freshness_bound(
    client, shared_database_cache, make_posting, django_assert_num_queries
):
    posting = make_posting(title="时限前的标题")
    page = posting.get_absolute_url()
    for url in (page, reverse("postings:posting_list")):
        client.get(url)
    posting.title = "时限后的标题"
    posting.save()
    edited = time.monotonic()
    # Within the bound the process has not read the change log: no query.
    with django_assert_num_queries(0):
        client.get(page)
    time.sleep(max(0, edited + settings.BOARD_FRESHNESS - time.monotonic()))
    for url in (page, reverse("postings:posting_list")):
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss", url
        assert "时限后的标题" in response.content.decode(), url
        assert "时限前的标题" not in response.content.decode(), url


def test_a_stale_copy_gives_way_to_the_one_another_process_rebuilt(
    client, shared_database_cache, make_posting, monkeypatch
):
    shared_database_cache.BOARD_FRESHNESS = 0
    posting = make_posting(title="另一进程之前")
    listing(client)
    ours = caching.process_pages
    posting.title = "另一进程重建"
    posting.save()
    # Another app process (its own copies, the same shared cache) rebuilds it.
    monkeypatch.setattr(caching, "process_pages", caching._ProcessPages())
    assert listing(client)["X-Page-Cache"] == "miss"
    # Back in this process, whose own copy is stale: the shared one is served.
    monkeypatch.setattr(caching, "process_pages", ours)
    monkeypatch.setattr(caching, "_build_once", None)  # no build may happen
    response = listing(client)
    assert response["X-Page-Cache"] == "hit"
    assert "另一进程重建" in response.content.decode()


def test_with_caching_off_concurrent_requests_build_at_once(db, settings):
    # Nothing is stored, so nothing is worth waiting for: two requests for
    # the same page must be building it at the same time.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    }
    both_building = threading.Barrier(2, timeout=5)

    def view(request):
        both_building.wait()
        return HttpResponse("无缓存")

    cached = caching.cache_public_page(view, depends_on=caching.reference_page)
    with ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(lambda _: cached(RequestFactory().get("/reference/")), range(2))
        )
    assert [answer.content.decode() for answer in answers] == ["无缓存"] * 2
    assert all("X-Page-Cache" not in answer for answer in answers)


@pytest.mark.parametrize(
    "environment, kept",
    [
        ({}, 0),  # the per-process memory cache needs no second copy
        ({"DJANGO_CACHE": "dummy"}, 0),
        ({"DJANGO_CACHE": "database"}, 500),
        ({"DJANGO_CACHE": "redis"}, 500),
        ({"DJANGO_CACHE": "database", "DJANGO_PAGE_MEMO_ENTRIES": "0"}, 0),
    ],
)
def test_each_process_keeps_copies_only_in_front_of_a_shared_cache(environment, kept):
    code = "from django.conf import settings; print(settings.PAGE_MEMO_ENTRIES)"
    assert int(_in_fresh_process(code, environment)) == kept


@pytest.mark.parametrize(
    "environment, seconds",
    [({}, 1.0), ({"DJANGO_BOARD_FRESHNESS": "0"}, 0.0)],
)
def test_the_freshness_bound_comes_from_the_environment(environment, seconds):
    code = "from django.conf import settings; print(settings.BOARD_FRESHNESS)"
    assert float(_in_fresh_process(code, environment)) == seconds


@pytest.mark.parametrize(
    "environment, seconds",
    [({}, 2.0), ({"DJANGO_PAGE_STALE_FOR": "0"}, 0.0)],
)
def test_how_long_a_previous_version_may_serve_comes_from_the_environment(
    environment, seconds
):
    code = "from django.conf import settings; print(settings.PAGE_STALE_FOR)"
    assert float(_in_fresh_process(code, environment)) == seconds


def test_a_cached_page_is_served_while_an_edit_is_being_applied(
    client, shared_database_cache, make_posting
):
    make_posting(title="应用修改时的岗位")
    assert listing(client)["X-Page-Cache"] == "miss"
    current = board.current()
    with ThreadPoolExecutor(1) as pool:
        # This thread is applying changes: it holds the board's lock.
        with current.lock:
            asked = pool.submit(listing, client)
            done, _ = wait([asked], timeout=5)
        assert done, "the cached page waited for the edit being applied"
    response = asked.result()
    assert response["X-Page-Cache"] == "hit"
    assert "应用修改时的岗位" in response.content.decode()
