"""Public pages: listing, detail, institution/department/reference pages,
feeds, sitemap and robots, against the imported seed data."""

import datetime
import json
import re
from html import unescape
from urllib.parse import parse_qsl
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from postings.models import (
    Department,
    DepartmentDescription,
    Institution,
    Posting,
    RoleDescription,
)

pytestmark = pytest.mark.django_db

BOC = "000_6f3e1b58b6c4ffdc.txt"
CQ = "001_d8b25c18b293cb0b.txt"
CF = "002_7125a8409aacafa0.txt"


def posting_at(document, row):
    return Posting.objects.get(source_document=document, source_row=row)


def listing(client, **params):
    return client.get(reverse("postings:posting_list"), params)


def result_ids(response):
    return [p.pk for p in response.context["page_obj"].object_list]


# --- Listing ---------------------------------------------------------------------


def test_listing_shows_open_postings_newest_first(seeded, client):
    response = listing(client, per_page=100)
    assert response.status_code == 200
    assert response.context["paginator"].count == 77
    content = response.content.decode()
    assert "共找到 <strong>77</strong> 个岗位" in content
    assert "信息披露岗" in content


def test_listing_hides_drafts_closed_and_past_deadline_postings(seeded, client, today):
    draft = posting_at(BOC, 1)
    Posting.objects.filter(pk=draft.pk).update(status="draft")
    closed = posting_at(BOC, 2)
    closed.close()
    expired = posting_at(BOC, 3)
    Posting.objects.filter(pk=expired.pk).update(
        published_on=today - datetime.timedelta(days=30),
        closes_on=today - datetime.timedelta(days=1),
    )
    ids = result_ids(listing(client, per_page=100))
    assert len(ids) == 74
    assert not {draft.pk, closed.pk, expired.pk} & set(ids)


def test_pagination_keeps_the_filters(seeded, client):
    response = listing(client, employer="中国银行", per_page=10, page=2)
    assert response.status_code == 200
    assert response.context["paginator"].num_pages == 5
    content = response.content.decode()
    assert (
        'href="?employer=%E4%B8%AD%E5%9B%BD%E9%93%B6%E8%A1%8C&amp;per_page=10&amp;page=3"'
        in content
    )
    assert 'aria-current="page">2<' in content


def test_sorting(seeded, client, today):
    by_headcount = result_ids(listing(client, sort="headcount", per_page=3))
    assert by_headcount[0] == posting_at(BOC, 43).pk  # 35 people
    assert Posting.objects.get(pk=by_headcount[1]).headcount == 24

    soon = posting_at(CF, 5)
    later = posting_at(CQ, 2)
    Posting.objects.filter(pk=soon.pk).update(
        closes_on=today + datetime.timedelta(days=2)
    )
    Posting.objects.filter(pk=later.pk).update(
        closes_on=today + datetime.timedelta(days=9)
    )
    assert result_ids(listing(client, sort="deadline", per_page=2)) == [
        soon.pk,
        later.pk,
    ]

    titles = [
        Posting.objects.get(pk=pk).title
        for pk in result_ids(listing(client, sort="title", per_page=100))
    ]
    assert titles == sorted(titles)


def test_listing_query_count_does_not_depend_on_page_size(
    seeded, client, django_assert_max_num_queries
):
    assert listing(client).status_code == 200  # loads this process's board
    # Catching up on the change log, the page's postings, their locations.
    with django_assert_max_num_queries(3):
        response = listing(client, per_page=5)
    assert response.status_code == 200
    assert len(result_ids(response)) == 5
    for posting in response.context["posting_list"]:
        assert posting.title in response.content.decode()
    # A keyword's postings are looked up once, then kept.
    with django_assert_max_num_queries(4):
        response = listing(client, per_page=100, province="新疆", q="客户")
    assert response.status_code == 200
    assert len(result_ids(response)) == response.context["total"] > 0
    with django_assert_max_num_queries(3):
        again = listing(client, per_page=50, province="新疆", q="客户")
    assert again.status_code == 200
    assert result_ids(again) == result_ids(response)


def test_a_listing_loads_each_posting_once_per_version(
    seeded, client, django_assert_num_queries
):
    listing(client, per_page=5)  # loads this process's board and the postings
    with django_assert_num_queries(1):  # the change log alone
        again = listing(client, per_page=5)
    shown = [p.pk for p in again.context["posting_list"]]
    edited = Posting.objects.get(pk=shown[0])
    edited.title = "改过标题的岗位"
    edited.save()
    with CaptureQueriesContext(connection) as queries:
        after = listing(client, per_page=5)
    assert [p.pk for p in after.context["posting_list"]] == shown
    assert after.context["posting_list"][0].title == "改过标题的岗位"
    assert "改过标题的岗位" in after.content.decode()
    # The board reads the edited posting's facts; the listing loads whole
    # postings, and only the edited one again: the other four are kept.
    loaded = [
        q["sql"] for q in queries if '"postings_posting"."source_row"' in q["sql"]
    ]
    assert len(loaded) == 1
    ids = re.search(r'"postings_posting"\."id" IN \(([^)]*)\)', loaded[0]).group(1)
    assert ids.strip() == str(edited.pk)


def test_chips_remove_one_value_each(seeded, client):
    response = listing(client, province=["新疆", "甘肃"], grade="经理")
    chips = {(c.label, c.value): c.remove_query for c in response.context["chips"]}
    assert set(chips) == {("省份", "新疆"), ("省份", "甘肃"), ("岗位职级", "经理")}
    follow = client.get(
        reverse("postings:posting_list") + "?" + chips[("省份", "新疆")]
    )
    assert [c.value for c in follow.context["chips"]] == ["甘肃", "经理"]


def test_empty_state(seeded, client):
    response = listing(client, q="不存在的岗位名称")
    assert response.status_code == 200
    assert "没有符合条件的岗位" in response.content.decode()


def test_facet_counts_follow_the_other_filters(seeded, client):
    response = listing(client, province="新疆")
    groups = {
        g.name: {o.value: o for o in g.options}
        for g in response.context["facets"].groups
    }
    # Province counts ignore the province filter itself...
    assert groups["province"]["新疆"].count == 2
    assert groups["province"]["新疆"].selected
    assert groups["province"]["北京"].count == 21
    # ...while the other facets count within 新疆 only.
    assert groups["location"]["喀什市"].count == 2
    assert groups["location"]["北屯市"].count == 1
    assert set(groups["employer"]) == {"中国银行"}
    assert groups["grade"]["助理经理"].count == 1 and groups["grade"]["经理"].count == 1
    education = {o.value: o.count for o in response.context["facets"].education}
    assert education == {"专科": 0, "本科": 2, "硕士": 2, "博士": 2}


def test_education_facet_counts_cumulate(seeded, client):
    education = {o.value: o.count for o in listing(client).context["facets"].education}
    unknown = Posting.objects.filter(min_education__isnull=True).count()
    assert education["专科"] == unknown + 2
    assert education["本科"] == 77
    assert education["博士"] == 77


# --- Bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "age=abc",
        "age=5",
        "experience=-1",
        "education=小学",
        "per_page=100000",
        "per_page=0",
        "per_page=abc",
        "page=abc",
        "sort=random",
        "location=" + "很长" * 100,
        "&".join(f"province={i}" for i in range(40)),
    ],
)
def test_invalid_values_give_a_clear_400(seeded, client, query):
    response = client.get(reverse("postings:posting_list") + "?" + query)
    assert response.status_code == 400
    content = response.content.decode()
    assert "无法按这些条件筛选" in content
    assert "清除所有条件" in content


def test_page_past_the_end_is_a_clear_404(seeded, client):
    response = listing(client, page=99)
    assert response.status_code == 404
    assert "没有第 99 页：共 4 页。" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("", 77),
        ("unknown=1", 77),
        ("q=", 77),
        ("q=%E4%B8", 0),  # half a character: read as U+FFFD, found nowhere
        # Wildcards and quotes are text to find, never SQL.
        ("q=' OR 1=1 --", 0),
        ("q=%25%25%25", 0),
        ("q=_", 0),
        ("q=\\", 0),
        ("q=<script>alert(1)</script>", 0),
        ("institution=不存在", 0),
        ("employer=&province=", 77),
        ("province[]=新疆", 77),  # not a parameter the listing knows
        ("age=30&age=40", 77),  # the youngest counts: 30 is within every limit
        ("age=40", 77 - 10),  # 重庆银行 takes no one over 35
        ("education=本科&education=硕士", 77),
        ("per_page=1", 77),
        ("sort=", 77),
    ],
)
def test_odd_query_strings_list_what_they_mean(seeded, client, query, found):
    # Empty parameters are redirected away first (one permanent redirect).
    response = client.get(reverse("postings:posting_list") + "?" + query, follow=True)
    assert response.status_code == 200
    assert len(response.redirect_chain) <= 1
    assert all(
        "=&" not in url and not url.endswith("=") for url, _ in response.redirect_chain
    )
    assert response.context["paginator"].count == found
    assert f"共找到 <strong>{found}</strong> 个岗位" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("q=%00", "关键词：不能包含控制字符（例如空字符）。"),
        ("q=" + "长" * 200, "关键词：确保该变量包含不超过 100 字符 (目前字符数 200)。"),
        ("page=-1", "页码：页码须在 1 到 1000000 之间。"),
        ("page=0", "页码：页码须在 1 到 1000000 之间。"),
        ("page=1.5", "页码：页码须为整数，收到“1.5”。"),
    ],
)
def test_malformed_query_strings_get_a_400_that_says_why(
    seeded, client, query, message
):
    response = client.get(reverse("postings:posting_list") + "?" + query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_user_text_is_escaped(seeded, client):
    response = listing(client, q="<script>alert(1)</script>")
    content = response.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


# --- Detail ----------------------------------------------------------------------


def json_ld(response):
    match = re.search(
        r'<script type="application/ld\+json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


def test_detail_page_shows_the_whole_posting(seeded, client):
    posting = posting_at(BOC, 1)
    response = client.get(posting.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    for text in (
        "信息披露岗",
        "中国银行",
        "总行部门",
        "董事会办公室",
        "高级经理/经理",
        "北京市",
    ):
        assert text in content
    for duty in posting.duties.all():
        assert f"<li>{duty.text}</li>" in content
    assert '<mark class="preferred">具有特许金融分析师（CFA）' in content
    assert "学历：本科及以上" in content and "年限：3 年及以上" in content
    assert 'name="robots" content="noindex"' not in content


def source_line(content):
    return re.search(r'<footer class="source">.*?</footer>', content, re.S).group(0)


def application_section(content):
    return re.search(r'<section[^>]*class="apply".*?</section>', content, re.S).group(0)


def test_detail_page_names_its_source_and_how_to_apply(seeded, client):
    bank = client.get(posting_at(BOC, 1).get_absolute_url()).content.decode()
    assert "中国银行社会招聘岗位表" in source_line(bank)
    # File names and line numbers are for HR, in the admin.
    assert BOC not in bank and "第 1 条" not in bank
    apply = application_section(bank)
    assert "来源未写明申请方式，请向招聘机构查询" in apply
    assert '<a href="https://www.boc.cn/" rel="noopener">中国银行官方网站</a>' in apply

    chongqing = client.get(posting_at(CQ, 1).get_absolute_url()).content.decode()
    assert "重庆银行互联网金融部社会招聘岗位及要求" in source_line(chongqing)
    assert "https://www.cqcbank.com/" in application_section(chongqing)
    # The bank's seat is shown as the bank's, not as where the job is.
    assert "原文未注明" in chongqing and "机构所在地：重庆市" in chongqing
    institution = Institution.objects.get(name="重庆银行")
    bank_page = client.get(institution.get_absolute_url()).content.decode()
    assert "机构所在地：重庆市" in bank_page
    assert '<a href="https://www.cqcbank.com/" rel="noopener">' in bank_page

    unnamed = client.get(posting_at(CF, 1).get_absolute_url()).content.decode()
    assert "消费金融业务人员招聘岗位及任职条件" in source_line(unnamed)
    apply = application_section(unnamed)
    assert "来源未写明申请方式，请向招聘机构查询。" in apply and "<a " not in apply
    assert "机构所在地" not in unnamed


def test_detail_page_shows_the_application_url_and_instructions(
    client, make_posting, today
):
    posting = make_posting(
        application_url="https://jobs.example.com/apply?id=7&from=board",
        application_instructions="在线填写简历后，\n请将作品集发送至 hr@example.com。",
    )
    content = client.get(posting.get_absolute_url()).content.decode()
    apply = application_section(content)
    assert (
        '<a class="apply-link" href="https://jobs.example.com/apply?id=7&amp;from=board"'
        in apply
    )
    assert "在线填写简历后，<br>请将作品集发送至 hr@example.com。" in apply
    assert "来源未写明" not in apply
    assert "由招聘机构在本站发布" in source_line(content)

    Posting.objects.filter(pk=posting.pk).update(
        published_on=today - datetime.timedelta(days=30),
        closes_on=today - datetime.timedelta(days=1),
    )
    closed = application_section(
        client.get(posting.get_absolute_url()).content.decode()
    )
    assert "不再接受申请" in closed and "apply-link" not in closed


def test_detail_breadcrumb_links_employer_institution_department(seeded, client):
    posting = posting_at(BOC, 43)
    content = client.get(posting.get_absolute_url()).content.decode()
    bank = Institution.objects.get(name="中国银行")
    branch = Institution.objects.get(name="新疆区分行")
    crumbs = re.search(r'<nav class="breadcrumb".*?</nav>', content, re.S).group(0)
    assert crumbs.index(bank.get_absolute_url()) < crumbs.index(
        branch.get_absolute_url()
    )
    assert posting.department.get_absolute_url() in crumbs


def test_detail_json_ld_for_a_multi_location_posting(seeded, client):
    posting = posting_at(BOC, 43)
    data = json_ld(client.get(posting.get_absolute_url()))
    assert data["@type"] == "JobPosting"
    assert data["title"] == "综合服务经理"
    assert data["hiringOrganization"]["name"] == "中国银行"
    assert data["employmentUnit"]["name"] == "新疆区分行 · 营业网点"
    assert data["totalJobOpenings"] == 35
    assert data["datePosted"] == posting.published_on.isoformat()
    assert len(data["jobLocation"]) == 22
    assert data["jobLocation"][0]["address"] == {
        "@type": "PostalAddress",
        "addressCountry": "CN",
        "addressRegion": "新疆维吾尔自治区",
        "addressLocality": "喀什市",
    }
    assert data["educationRequirements"]["credentialCategory"] == "bachelor degree"
    assert data["experienceRequirements"]["monthsOfExperience"] == 36
    assert data["employmentType"] == "FULL_TIME"
    assert data["identifier"]["value"] == str(posting.pk)
    assert "<ol><li>从事柜面业务处理" in data["description"]
    assert "validThrough" not in data


def test_json_ld_has_valid_through_when_a_deadline_is_set(seeded, client, today):
    posting = posting_at(CF, 1)
    Posting.objects.filter(pk=posting.pk).update(
        closes_on=today + datetime.timedelta(days=10)
    )
    data = json_ld(client.get(posting.get_absolute_url()))
    assert data["validThrough"].startswith(
        (today + datetime.timedelta(days=10)).isoformat()
    )
    assert "totalJobOpenings" not in data  # the source states no headcount


def test_closed_posting_keeps_its_page_with_a_notice_and_noindex(seeded, client, today):
    closed = posting_at(BOC, 2)
    closed.close()
    expired = posting_at(BOC, 3)
    Posting.objects.filter(pk=expired.pk).update(
        published_on=today - datetime.timedelta(days=30),
        closes_on=today - datetime.timedelta(days=1),
    )
    for posting in (closed, expired):
        response = client.get(posting.get_absolute_url())
        assert response.status_code == 200
        content = response.content.decode()
        assert "已截止" in content
        assert '<meta name="robots" content="noindex">' in content


def test_draft_has_no_public_page(seeded, client):
    draft = posting_at(BOC, 4)
    Posting.objects.filter(pk=draft.pk).update(status="draft")
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_related_postings_share_department_or_title(seeded, client):
    response = client.get(posting_at(BOC, 43).get_absolute_url())
    related = {p.pk for p in response.context["related_postings"]}
    assert posting_at(BOC, 44).pk in related  # same 营业网点 of 新疆区分行
    assert posting_at(BOC, 37).pk in related  # same title at 黑龙江省分行


def test_detail_query_count_is_small_and_constant(
    seeded, client, django_assert_max_num_queries
):
    assert listing(client).status_code == 200  # loads this process's board
    with django_assert_max_num_queries(12) as first:
        response = client.get(posting_at(BOC, 43).get_absolute_url())
    assert response.status_code == 200
    assert "综合服务经理" in response.content.decode()
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(posting_at(BOC, 1).get_absolute_url())
    assert response.status_code == 200
    assert "信息披露岗" in response.content.decode()


# --- Institution, department and reference pages ------------------------------------


def test_employer_page_lists_every_branch_posting(seeded, client):
    bank = Institution.objects.get(name="中国银行", parent=None)
    response = client.get(bank.get_absolute_url())
    assert response.status_code == 200
    assert response.context["posting_count"] == 44
    assert "新疆区分行" in response.content.decode()


def test_unnamed_employer_page_says_so(seeded, client):
    company = Institution.objects.get(name="某消费金融公司")
    content = client.get(company.get_absolute_url()).content.decode()
    assert "未写明用人单位名称" in content


def test_department_page(seeded, client):
    department = Department.objects.get(name="互联网金融部")
    response = client.get(department.get_absolute_url())
    assert response.status_code == 200
    assert response.context["posting_count"] == 10


def test_reference_index_tells_same_named_departments_apart(seeded, client):
    response = client.get(reverse("postings:reference_index"))
    organisations = response.context["organisations"]
    assert [o.name for o in organisations] == ["临汾市分行", "某某银行", ""]
    entries = [
        (organisation.name, source.name, entry.name)
        for organisation in organisations
        for source in organisation.sources.values()
        for entry in source.departments
    ]
    assert len(entries) == DepartmentDescription.objects.count()
    # No organisation and source lists the same department twice.
    assert len(set(entries)) == len(entries)
    ebanking = sorted((o, s) for o, s, name in entries if name == "电子银行部")
    collection = "电子银行部门与岗位职责网页合集"
    assert ebanking == [
        ("", f"{collection} · 《行电子银行业务XXXXXX》手册"),
        ("", f"{collection} · 《银行各主要部门及部门负责人职能职责》"),
        ("某某银行", f"{collection} · 《电子银行业务组织构架及岗位职责》"),
    ]
    offices = sorted(s for o, s, name in entries if name == "办公室")
    assert offices == [
        f"{collection} · 《银行公司业务部各岗位职责》",
        f"{collection} · 《银行部门和业务岗位职责》",
    ]
    content = response.content.decode()
    assert "某某银行 <small>（原文的代称，未写明真实机构名称）</small>" in content
    assert "原文未写明机构" in content
    assert f"来源：{collection} · 《电子银行业务组织构架及岗位职责》" in content
    assert "004_59c47d2529051d11.txt" not in content


def test_reference_pages_show_role_and_department_descriptions(seeded, client):
    index = client.get(reverse("postings:reference_index"))
    assert index.status_code == 200
    content = index.content.decode()
    assert "不是正在招聘的岗位" in content
    role = RoleDescription.objects.filter(title__contains="科技员").first()
    assert role.title in content
    page = client.get(role.get_absolute_url()).content.decode()
    assert "负责网络管理和维护" in page
    assert "《2023年银行信息科技岗职业发展规划》文章合集 · 篇四" in page
    description = DepartmentDescription.objects.filter(name="营业部").first()
    page = client.get(description.get_absolute_url()).content.decode()
    assert "负责办理总行对外经营的各项业务" in page
    assert "原文未写明机构" in page
    assert (
        "电子银行部门与岗位职责网页合集 · 《银行各主要部门及部门负责人职能职责》"
        in page
    )


# --- Feeds and discovery ----------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def test_feed_lists_newest_postings_and_takes_filters(seeded, client):
    response = client.get(reverse("postings:posting_feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = ElementTree.fromstring(response.content).findall(f"{ATOM}entry")
    assert len(entries) == 50

    filtered = client.get(reverse("postings:posting_feed"), {"province": "新疆"})
    titles = [
        e.find(f"{ATOM}title").text
        for e in ElementTree.fromstring(filtered.content).findall(f"{ATOM}entry")
    ]
    assert sorted(titles) == [
        "客户经理（公司/个人） · 中国银行 新疆区分行",
        "综合服务经理 · 中国银行 新疆区分行",
    ]


def test_feed_rejects_invalid_filters(seeded, client):
    assert (
        client.get(reverse("postings:posting_feed"), {"age": "abc"}).status_code == 400
    )


def test_sitemap_lists_open_postings_only(seeded, client):
    closed = posting_at(BOC, 2)
    closed.close()
    index = client.get(reverse("sitemap"))
    assert index.status_code == 200
    section = client.get("/sitemap-postings.xml")
    assert section.status_code == 200
    urls = [
        loc.text
        for loc in ElementTree.fromstring(section.content).iter(
            "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
        )
    ]
    assert len(urls) == 76
    assert not any(u.endswith(closed.get_absolute_url()) for u in urls)


def test_robots_txt(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    content = response.content.decode()
    assert "Disallow: /admin/" in content
    assert "Sitemap: http://testserver/sitemap.xml" in content


# --- Filter URLs without empty parameters ----------------------------------------


def test_listing_redirects_a_url_with_empty_parameters_to_the_same_url_without_them(
    client,
):
    response = client.get(
        "/?education=&q=%E5%AE%A2%E6%88%B7%E7%BB%8F%E7%90%86&experience="
        "&province=%E6%96%B0%E7%96%86&age=&province=%E5%8C%97%E4%BA%AC&sort=title"
    )
    assert response.status_code == 301
    path, _, query = response["Location"].partition("?")
    assert path == reverse("postings:posting_list")
    assert parse_qsl(query, keep_blank_values=True) == [
        ("q", "客户经理"),
        ("province", "新疆"),
        ("province", "北京"),
        ("sort", "title"),
    ]


def test_listing_with_nothing_but_empty_parameters_redirects_to_the_bare_listing(
    client,
):
    response = client.get("/?education=&experience=&age=&q=+")
    assert response.status_code == 301
    assert response["Location"] == reverse("postings:posting_list")


def test_listing_links_never_carry_empty_parameters(client, make_posting):
    for number in range(3):
        make_posting(title=f"柜员{number}", locations=("喀什市",))
    response = client.get(
        "/?education=&province=新疆&age=&per_page=1&page=2&sort=title", follow=True
    )
    assert response.redirect_chain[0][1] == 301
    assert response.status_code == 200
    html = response.content.decode()
    queries = [
        unescape(href).partition("?")[2]
        for href in re.findall(r'href="([^"]*\?[^"]*)"', html)
    ]
    # Pages, chips, exports, the feed and the alert link all keep the filter.
    assert len([query for query in queries if "province=" in query]) >= 6
    for query in queries:
        assert all(value for _, value in parse_qsl(query, keep_blank_values=True)), (
            query
        )


def test_facet_boxes_show_their_first_options_and_the_rest_below_more(
    client, make_posting
):
    places = [
        ("北京市", 9),
        ("上海市", 8),
        ("成都市", 7),
        ("喀什市", 6),
        ("和田市", 5),
        ("广州市", 4),
        ("深圳市", 3),
        ("武汉市", 2),
        ("南京市", 1),
        ("杭州市", 1),
    ]
    for place, count in places:
        for _ in range(count):
            make_posting(locations=(place,))
    html = listing(client).content.decode()
    box = re.search(r"<legend>工作地点</legend>(.*?)</fieldset>", html, re.S).group(1)
    shown, _, more = box.partition('<details class="more">')
    assert re.findall(r'name="location" value="([^"]+)"', shown) == [
        place for place, _ in places[:8]
    ]
    assert "其余 2 项" in more
    assert re.findall(r'name="location" value="([^"]+)"', more) == ["南京市", "杭州市"]

    # A ticked option among the rest keeps them open.
    html = listing(client, location="杭州市").content.decode()
    box = re.search(r"<legend>工作地点</legend>(.*?)</fieldset>", html, re.S).group(1)
    assert '<details class="more" open>' in box


def test_each_query_string_is_validated_once(seeded, client, monkeypatch):
    """Validating a listing's parameters is a form's work; requests for the
    same query string share it (filters.validated), the page unchanged."""
    from postings import filters

    built = []
    original = filters.PostingFilter.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(filters.PostingFilter, "__init__", counting)
    first = client.get("/", {"province": "新疆", "education": "本科"})
    second = client.get("/", {"province": "新疆", "education": "本科"})
    assert first.status_code == second.status_code == 200
    assert len(built) == 1
    assert first.content == second.content
    client.get("/", {"province": "北京"})
    assert len(built) == 2
