"""The Atom feed, read as a feed reader reads it (feedparser)."""

import feedparser
import pytest
from django.urls import reverse

from postings import search

pytestmark = pytest.mark.django_db


def read_feed(client, **params):
    response = client.get(reverse("postings:posting_feed"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def link(feed, rel):
    return next(item.href for item in feed.feed.links if item.rel == rel)


@pytest.fixture
def postings(make_posting, make_institution):
    bank = make_institution("中国银行")
    branch = make_institution("新疆区分行", parent=bank)
    company = make_institution("某消费金融公司")
    return {
        "branch": make_posting(
            title="综合服务经理",
            institution=branch,
            locations=("喀什市",),
            duties=("从事柜面业务处理。", "负责客户服务。"),
            requirements=("大学本科及以上学历。", "具有相关从业资格证书者优先。"),
        ),
        "company": make_posting(
            title="综合文秘岗",
            institution=company,
            locations=("北京市",),
            duties=("负责公文写作。",),
            requirements=("中文、新闻等相关专业。",),
        ),
    }


def test_entries_carry_the_postings_duties_and_requirements(client, postings):
    feed = read_feed(client)
    by_title = {entry.title: entry for entry in feed.entries}
    branch = by_title["综合服务经理 · 中国银行 新疆区分行"]
    assert "<li>从事柜面业务处理。</li>" in branch.summary
    assert "<li>负责客户服务。</li>" in branch.summary
    assert "<li>具有相关从业资格证书者优先。</li>" in branch.summary
    assert "中国银行 新疆区分行招聘综合服务经理" in branch.summary
    company = by_title["综合文秘岗 · 某消费金融公司"]
    assert "<li>负责公文写作。</li>" in company.summary
    assert "<ol></ol>" not in company.summary
    assert company.link.endswith(postings["company"].get_absolute_url())


def test_entry_titles_name_the_institution_once(client, postings):
    titles = sorted(entry.title for entry in read_feed(client).entries)
    assert titles == [
        "综合文秘岗 · 某消费金融公司",
        "综合服务经理 · 中国银行 新疆区分行",
    ]


def test_the_unfiltered_feed_links_to_itself_and_the_listing(client, postings):
    feed = read_feed(client)
    assert feed.feed.title == "银行招聘岗位：最新发布"
    assert link(feed, "self") == "http://testserver/feeds/postings.atom"
    assert link(feed, "alternate") == "http://testserver/"


def test_a_filtered_feed_is_named_for_its_filters_and_links_to_itself(client, postings):
    # Junk, empty and paging parameters do not make another feed.
    feed = read_feed(
        client, province="新疆", education="本科", page="2", utm_source="x", grade=""
    )
    assert [entry.title for entry in feed.entries] == [
        "综合服务经理 · 中国银行 新疆区分行"
    ]
    assert feed.feed.title == "银行招聘岗位：最新发布（省份：新疆；我的学历：本科）"
    self_url = link(feed, "self")
    assert self_url == (
        "http://testserver/feeds/postings.atom?province=%E6%96%B0%E7%96%86"
        "&education=%E6%9C%AC%E7%A7%91"
    )
    assert link(feed, "alternate") == (
        "http://testserver/?province=%E6%96%B0%E7%96%86&education=%E6%9C%AC%E7%A7%91"
    )
    # The self link is the feed it names.
    again = read_feed(client, province="新疆", education="本科")
    assert link(again, "self") == self_url
    assert [e.title for e in again.entries] == [e.title for e in feed.entries]


def test_a_repeated_keyword_is_read_once_and_its_earlier_values_ignored(
    client, postings
):
    # The form reads the last ?q=; an earlier value it never validated (here
    # an escape character, which XML cannot carry) is neither named nor linked.
    for posting in postings.values():
        search.index_posting(posting)
    feed = read_feed(client, q=["\x1b", "经理"])
    assert feed.feed.title == "银行招聘岗位：最新发布（关键词：经理）"
    assert link(feed, "self") == (
        "http://testserver/feeds/postings.atom?q=%E7%BB%8F%E7%90%86"
    )
    assert [entry.title for entry in feed.entries] == [
        "综合服务经理 · 中国银行 新疆区分行"
    ]


def test_feed_queries_do_not_grow_with_its_entries(
    client, make_posting, django_assert_max_num_queries
):
    make_posting(duties=("甲。",), requirements=("乙。",))
    read_feed(client)  # loads this process's board
    with django_assert_max_num_queries(8) as few:
        assert len(read_feed(client).entries) == 1
    # Read now: every request starts a new query log.
    budget = len(few.captured_queries)
    for _ in range(5):
        make_posting(duties=("甲。", "丙。"), requirements=("乙。",))
    read_feed(client)
    with django_assert_max_num_queries(budget):
        assert len(read_feed(client).entries) == 6
