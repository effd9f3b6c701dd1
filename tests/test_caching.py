"""Cached public pages, invalidated by any change; capped result counts."""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from postings import views
from postings.models import Duty, Posting

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
    with django_assert_num_queries(0):
        second = listing(client)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    # Headers the middleware adds are still on a cached page.
    assert "Content-Security-Policy" in second


def test_an_admin_edit_shows_at_once(client, admin_client, make_posting):
    posting = make_posting(title="旧标题")
    assert "旧标题" in listing(client).content.decode()
    assert "旧标题" in client.get(posting.get_absolute_url()).content.decode()
    assert listing(client)["X-Page-Cache"] == "hit"

    posting.title = "新标题"
    posting.save()  # what the admin's save does, through the same signals
    after = listing(client)
    assert after["X-Page-Cache"] == "miss"
    assert "新标题" in after.content.decode() and "旧标题" not in after.content.decode()
    assert "新标题" in client.get(posting.get_absolute_url()).content.decode()


def test_an_edit_through_the_admin_form_invalidates(client, admin_client, make_posting):
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


def test_visitors_with_a_session_are_not_served_cached_pages(
    admin_client, client, make_posting
):
    make_posting(title="岗位乙")
    listing(client)
    assert listing(client)["X-Page-Cache"] == "hit"
    assert "X-Page-Cache" not in listing(admin_client)


def test_errors_are_not_cached(client):
    assert listing(client, age="abc").status_code == 400
    assert "X-Page-Cache" not in listing(client, age="abc")


def test_the_count_is_capped_and_deep_pages_explain_themselves(
    client, make_posting, monkeypatch
):
    monkeypatch.setattr(views, "RESULT_CAP", 5)
    for _ in range(8):
        make_posting()
    response = listing(client, per_page=2)
    content = response.content.decode()
    assert "找到 <strong>5+</strong> 个岗位" in content
    assert response.context["paginator"].num_pages == 3
    deep = listing(client, per_page=2, page=4)
    assert deep.status_code == 404
    assert "只能翻到第 3 页（前 5 个结果）" in deep.content.decode()
    assert Posting.objects.count() == 8


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

    ours = ("DJANGO_CACHE", "DJANGO_CACHE_MAX_ENTRIES", "REDIS_URL")
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
    client, settings, make_posting
):
    # The database cache without its table: every cache call fails.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "no_such_cache_table",
        }
    }
    make_posting(title="缓存故障时的岗位")
    response = listing(client)
    assert response.status_code == 200
    assert "缓存故障时的岗位" in response.content.decode()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }


def test_a_hit_on_the_shared_database_cache_is_one_query(
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
    with django_assert_num_queries(1):
        assert listing(client)["X-Page-Cache"] == "hit"
    posting.title = "共享缓存岗位（已更新）"
    posting.save()
    after = listing(client)
    assert after["X-Page-Cache"] == "miss"
    assert "共享缓存岗位（已更新）" in after.content.decode()
