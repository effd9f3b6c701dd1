"""Sitemaps: every open posting once, pages of a fixed cost, cached until a
change could alter them."""

import datetime
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from postings import sitemaps
from postings.models import Institution, Posting, RoleDescription

pytestmark = pytest.mark.django_db(transaction=True)

NS = {"sm": sitemaps.NAMESPACE}


def locations(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/xml"
    root = ElementTree.fromstring(response.content)
    return [loc.text for loc in root.iterfind(".//sm:loc", NS)]


def section(client, name, page=None):
    params = {"p": page} if page is not None else {}
    return client.get(reverse("sitemap_section", args=[name]), params)


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(sitemaps, "PAGE_SIZE", 2)


@pytest.fixture
def real_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    cache.clear()
    yield
    cache.clear()


def test_the_index_lists_every_page_of_every_section(client, make_posting, small_pages):
    for _ in range(5):
        make_posting()
    make_posting(status=Posting.Status.CLOSED)
    base = "http://testserver"
    assert locations(client.get(reverse("sitemap"))) == [
        f"{base}/sitemap-static.xml",
        f"{base}/sitemap-postings.xml",
        f"{base}/sitemap-postings.xml?p=2",
        f"{base}/sitemap-postings.xml?p=3",
        f"{base}/sitemap-institutions.xml",
        f"{base}/sitemap-institutions.xml?p=2",
        f"{base}/sitemap-institutions.xml?p=3",
        f"{base}/sitemap-reference.xml",
    ]


def test_each_open_posting_is_on_exactly_one_page(
    client, make_posting, small_pages, today
):
    open_ids = [make_posting().pk for _ in range(5)]
    make_posting(status=Posting.Status.CLOSED)
    make_posting(status=Posting.Status.DRAFT)
    make_posting(closes_on=today - datetime.timedelta(days=1))
    pages = [locations(section(client, "postings", page)) for page in (1, 2, 3)]
    assert [len(page) for page in pages] == [2, 2, 1]
    listed = [url for page in pages for url in page]
    assert listed == [f"http://testserver/postings/{pk}/" for pk in open_ids]


def test_a_posting_entry_carries_its_last_change_as_a_local_date(client, make_posting):
    posting = make_posting()
    root = ElementTree.fromstring(section(client, "postings").content)
    (entry,) = root.iterfind("sm:url", NS)
    changed = timezone.localtime(posting.updated_at).date().isoformat()
    assert entry.findtext("sm:lastmod", namespaces=NS) == changed
    assert entry.findtext("sm:changefreq", namespaces=NS) == "daily"
    assert entry.findtext("sm:priority", namespaces=NS) == "0.8"


def test_institutions_reference_and_static_sections(client, make_institution):
    bank = make_institution("重庆银行")
    role = RoleDescription.objects.create(title="科技员")
    assert locations(section(client, "institutions")) == [
        f"http://testserver/institutions/{bank.pk}/"
    ]
    assert locations(section(client, "reference")) == [
        f"http://testserver/reference/roles/{role.pk}/"
    ]
    assert locations(section(client, "static")) == [
        "http://testserver/",
        "http://testserver/reference/",
    ]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("postings", {"p": "4"}),
        ("postings", {"p": "0"}),
        ("postings", {"p": "abc"}),
        ("postings", {"p": "1\x00"}),
        ("nothing", {}),
    ],
)
def test_pages_that_do_not_exist_are_404(
    client, make_posting, small_pages, name, params
):
    for _ in range(5):
        make_posting()
    response = client.get(reverse("sitemap_section", args=[name]), params)
    assert response.status_code == 404


@pytest.mark.parametrize("count", [3, 30])
def test_a_page_costs_the_same_queries_whatever_it_lists(
    client, make_posting, count, django_assert_num_queries, monkeypatch
):
    for _ in range(count):
        make_posting()
    client.get(reverse("postings:posting_list"))  # the board is loaded

    def no_instances(*args, **kwargs):
        raise AssertionError("a sitemap builds no Posting instances")

    monkeypatch.setattr(Posting, "from_db", classmethod(no_instances))
    monkeypatch.setattr(Institution, "from_db", classmethod(no_instances))
    # Catching up on the change log, then the page's one query.
    with django_assert_num_queries(2):
        assert len(locations(section(client, "postings"))) == count
    # The index: the change log, and the institutions' count.
    with django_assert_num_queries(2):
        client.get(reverse("sitemap"))


def test_sitemaps_are_cached_until_a_change_could_alter_them(
    client, make_posting, real_cache
):
    posting = make_posting()
    urls = {
        "index": reverse("sitemap"),
        **{name: reverse("sitemap_section", args=[name]) for name in sitemaps.SECTIONS},
    }

    def cache_states():
        return {name: client.get(url)["X-Page-Cache"] for name, url in urls.items()}

    assert set(cache_states().values()) == {"miss"}
    assert set(cache_states().values()) == {"hit"}

    posting.headcount = 5
    posting.save()  # still open: its page has a new last change
    assert cache_states() == {
        "index": "hit",
        "static": "hit",
        "postings": "miss",
        "institutions": "hit",
        "reference": "hit",
    }

    posting.close()  # one open posting fewer: the index may have a page fewer
    states = cache_states()
    assert (states["index"], states["postings"], states["institutions"]) == (
        "miss",
        "miss",
        "hit",
    )
    assert locations(client.get(urls["postings"])) == []
