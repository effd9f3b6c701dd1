"""The public pages in English (/en/): the listing, a posting, the
overview, 我的情况, the reference pages, the feed and the error pages say
what they say in English, around the postings' own Chinese content; the
same pages at / stay in Chinese."""

import datetime
import json
import re

import pytest
from django.utils import translation
from html5lib import parse as parse_html

from postings.situation import Situation


def document(response):
    return parse_html(response.content.decode(), namespaceHTMLElements=False)


def json_ld(response):
    found = re.search(
        r'<script type="application/ld\+json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


def meta(response, attribute, value):
    for element in document(response).iter("meta"):
        if element.get(attribute) == value:
            return element.get("content")
    return None


@pytest.fixture
def posting(make_posting, make_institution):
    bank = make_institution("示例银行", website="https://bank.example")
    branch = make_institution("示例银行北京分行", parent=bank)
    return make_posting(
        title="客户经理",
        institution=branch,
        employer=bank,
        grade="经理",
        headcount=3,
        published_on=datetime.date(2026, 3, 2),
        closes_on=datetime.date(2026, 12, 31),
        locations=("北京市", "上海市", "喀什市", "和田市", "成都市"),
        duties=("负责客户营销。",),
        requirements=("大学本科及以上学历。", "有银行工作经验者优先。"),
        min_years_experience=3,
        max_age=35,
    )


def english_url(posting):
    with translation.override("en"):
        return posting.get_absolute_url()


def chinese_url(posting):
    # A request to an English page leaves English active in the test's thread.
    with translation.override("zh-hans"):
        return posting.get_absolute_url()


# --- The listing ----------------------------------------------------------------


@pytest.mark.django_db
def test_english_listing_speaks_english_and_marks_the_postings_words(client, posting):
    html = client.get("/en/").content.decode()
    assert "<h1" in html and "Positions</h1>" in html
    assert "<strong>1</strong> position found" in html
    assert "Export all 1 results" not in html
    assert "Export the 1 result:" in html
    # A card: its facts in English, its names marked as Chinese.
    assert "3 openings" in html
    assert "3+ years of experience" in html
    assert "Aged 35 or under" in html
    assert "北京市, 上海市, 喀什市, 和田市 and others, 5 locations in all" in html
    card = next(
        li
        for li in document(client.get("/en/")).iter("li")
        if li.get("class") == "posting-card"
    )
    title = card.find("h2/a")
    assert title.get("lang") == "zh-Hans" and title.text == "客户经理"
    organisation = next(p for p in card.iter("p") if p.get("class") == "org")
    assert organisation.get("lang") == "zh-Hans"
    # The language switch names the other language in itself.
    assert 'hreflang="zh-Hans" lang="zh-Hans" rel="alternate">简体中文</a>' in html


@pytest.mark.django_db
def test_chinese_listing_is_unchanged_and_unmarked(client, posting):
    html = client.get("/").content.decode()
    assert "共找到 <strong>1</strong> 个岗位" in html
    assert "招 3 人" in html
    assert "3 年以上经验" in html
    assert "北京市、上海市、喀什市、和田市 等 5 地" in html
    # On a Chinese page the content needs no lang of its own.
    assert 'lang="zh-Hans">客户经理' not in html


@pytest.mark.django_db
def test_facet_boxes_are_rendered_for_each_language(client, posting):
    """The facet boxes are kept once rendered; the English page must not be
    given the Chinese boxes (nor the other way round)."""
    assert "最高学历" in client.get("/?province=北京").content.decode()
    english = client.get("/en/?province=北京").content.decode()
    assert "Highest education" in english
    assert ">最高学历<" not in english
    assert "最高学历" in client.get("/?province=北京").content.decode()


@pytest.mark.django_db
def test_a_bad_filter_is_explained_in_each_language(client, posting):
    """A listing's filter is validated once per query string and kept; its
    messages must still be in the language of each page that shows them."""
    chinese = client.get("/?age=abc")
    assert chinese.status_code == 400
    assert "年龄须为整数" in chinese.content.decode()
    english = client.get("/en/?age=abc")
    assert english.status_code == 400
    assert "must be a whole number" in english.content.decode()
    assert "年龄须为整数" not in english.content.decode()
    assert "年龄须为整数" in client.get("/?age=abc").content.decode()


@pytest.mark.django_db
def test_a_page_past_the_end_says_so_in_english(client, posting):
    response = client.get("/en/?page=9")
    assert response.status_code == 404
    html = response.content.decode()
    assert "There is no page 9: there is 1 page." in html
    assert "Go to the last page (page 1)" in html
    assert "没有第 9 页：共 1 页。" in client.get("/?page=9").content.decode()


# --- A posting ------------------------------------------------------------------


@pytest.mark.django_db
def test_english_posting_page(client, posting):
    response = client.get(english_url(posting))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "<dt>Grade</dt>",
        "3 openings",
        "Work location (5 places)",
        "March 2, 2026",
        "December 31, 2026",
        "Requirements at a glance",
        "Experience: 3 years or more",
        "Age: Aged 35 or under",
        "Duties",
        "How to apply",
        "Am I eligible?",
    ):
        assert text in html, text
    # The posting's own words are marked as Chinese; the tag on a preferred
    # requirement is the interface's.
    lists = [ol for ol in document(response).iter("ol") if ol.get("class") == "items"]
    assert lists and all(ol.get("lang") == "zh-Hans" for ol in lists)
    assert '<span class="tag" lang="en">Preferred</span>' in html
    assert meta(response, "property", "og:locale") == "en_US"
    assert meta(response, "property", "og:site_name") == "Bank Jobs"
    assert meta(response, "name", "description") == (
        "示例银行, 示例银行北京分行 is hiring: 客户经理, 3 openings. "
        "Work location: 北京市, 上海市, 喀什市, 和田市, 成都市."
    )


@pytest.mark.django_db
def test_chinese_posting_page_is_unchanged(client, posting):
    response = client.get(chinese_url(posting))
    html = response.content.decode()
    for text in ("<dt>岗位职级</dt>", "3 人", "工作地点（5 地）", "2026年3月2日"):
        assert text in html, text
    assert meta(response, "property", "og:locale") == "zh_CN"
    assert meta(response, "name", "description") == (
        "示例银行示例银行北京分行招聘客户经理3人，"
        "工作地点：北京市、上海市、喀什市、和田市、成都市。"
    )


@pytest.mark.django_db
def test_json_ld_description_follows_the_page_language(client, posting):
    english = json_ld(client.get(english_url(posting)))
    chinese = json_ld(client.get(chinese_url(posting)))
    assert english["description"].startswith(
        "<p>示例银行, 示例银行北京分行 is hiring: 客户经理 (经理).</p>"
    )
    assert "<h3>Duties</h3>" in english["description"]
    assert chinese["description"].startswith(
        "<p>示例银行 示例银行北京分行招聘客户经理（经理）。</p>"
    )
    assert "<h3>岗位职责</h3>" in chinese["description"]
    # The data stays data: the same fields and values in both, but for the
    # page each describes (its own language's URL).
    assert english["mainEntityOfPage"] == f"http://testserver{english_url(posting)}"
    worded = ("description", "url", "mainEntityOfPage")
    assert {k: v for k, v in english.items() if k not in worded} == {
        k: v for k, v in chinese.items() if k not in worded
    }


@pytest.mark.django_db
def test_english_json_ld_names_the_seat_in_english(client, make_posting):
    from postings.models import Institution, Location

    seat = Location.objects.create(name="重庆市", province="重庆")
    bank = Institution.objects.create(
        name="示例银行", seat=seat, seat_evidence="总部设在重庆市"
    )
    posting = make_posting(institution=bank, locations=())
    location = json_ld(client.get(english_url(posting)))["jobLocation"]
    assert location["name"] == "示例银行 (the institution's seat)"
    assert location["description"].startswith("Where the hiring institution")
    chinese = json_ld(client.get(chinese_url(posting)))["jobLocation"]
    assert chinese["name"] == "示例银行（机构所在地）"


# --- 我的情况 -------------------------------------------------------------------


@pytest.mark.django_db
def test_english_situation_page_and_its_errors(client):
    response = client.get("/en/situation/?age=abc&experience=99")
    assert response.status_code == 400
    html = response.content.decode()
    assert "The profile in the link has errors" in html
    assert "Age (years): Age must be a whole number." in html
    assert (
        "Work experience (years): Work experience must be between 0 and 60 years."
        in html
    )
    assert "Save and go back" in html
    chinese = client.get("/situation/?age=abc").content.decode()
    assert "年龄（岁）：年龄须为整数。" in chinese


@pytest.mark.django_db
def test_situation_keeps_chinese_values_in_links_whatever_the_language(client):
    """Links and the cookie carry 本科 in both languages; the page shows it
    in its own."""
    with translation.override("en"):
        situation = Situation(education=2, experience=3, age=36)
        assert situation.as_query() == {
            "education": "本科",
            "experience": "3",
            "age": "36",
        }
        assert situation.describe().endswith("3 years of experience · aged 36")
        assert Situation(experience=1).describe() == "1 year of experience"
    assert Situation(education=2, experience=3, age=36).describe() == (
        "本科 · 3 年工作经验 · 36 岁"
    )
    response = client.post(
        "/en/situation/",
        {"education": "本科", "experience": "3", "age": "36", "next": "/en/"},
    )
    assert response.status_code == 302 and response["Location"] == "/en/"
    assert response.cookies["situation"].value == "e2.y3.a36"


# --- The overview, the reference pages, the feed, errors -------------------------


@pytest.mark.django_db
def test_english_overview_gives_the_charts_english_words(client, posting):
    response = client.get("/en/insights/")
    assert response.status_code == 200
    insights = next(
        div for div in document(response).iter("div") if div.get("class") == "insights"
    )
    assert insights.get("data-text-counts") == (
        "Positions: {postings} · Openings: {headcount}"
    )
    assert insights.get("data-text-headcount") == "Openings"
    html = response.content.decode()
    assert "There are currently <strong>1</strong> open position" not in html
    assert "There is currently <strong>1</strong> open position" in html
    assert "By openings" in html
    chinese = client.get("/insights/").content.decode()
    assert 'data-text-counts="岗位 {postings} 个 · 招聘 {headcount}"' in chinese
    assert "目前共有 <strong>1</strong> 个在招岗位" in chinese


@pytest.mark.django_db
def test_english_reference_index(client, seeded):
    html = client.get("/en/reference/").content.decode()
    assert "Roles and departments" in html
    assert "<strong>they are not open positions</strong>" in html


@pytest.mark.django_db
def test_english_feed_title(client, posting):
    feed = client.get("/en/feeds/postings.atom").content.decode()
    assert "<title>Bank Jobs: latest positions</title>" in feed
    assert "The newest open positions, by date posted" in feed
    assert "is hiring: 客户经理" in feed
    chinese = client.get("/feeds/postings.atom").content.decode()
    assert "<title>银行招聘岗位：最新发布</title>" in chinese


@pytest.mark.django_db
def test_english_error_pages(client, posting):
    missing = client.get("/en/postings/999999/")
    assert missing.status_code == 404
    assert "Page not found" in missing.content.decode()
    assert "页面不存在" in client.get("/postings/999999/").content.decode()
    refused = client.get("/en/export.pdf")
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "Cannot export" in html
    assert "Unsupported export format “pdf”: choose csv, xlsx, json." in html
