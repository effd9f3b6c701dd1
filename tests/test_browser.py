"""What a candidate sees: Debian's Chromium, driven by Playwright, against a
live server with the seed data. Screenshots land in test-artifacts/."""

import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach
# Google's services, which this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def site(live_server, seeded):
    return live_server.url


@pytest.fixture
def new_page(browser):
    """Open pages; their contexts close before the live server's database goes."""
    contexts = []

    def open_page(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def shoot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def total(page):
    return int(page.locator(".total strong").inner_text())


def titles(page):
    return page.locator(".posting-card h2 a").all_inner_texts()


def test_candidate_searches_filters_paginates_and_opens_a_posting(new_page, site):
    page = new_page()
    page.goto(site)
    expect(page).to_have_title(re.compile("银行招聘岗位"))
    assert total(page) == 77

    # A Chinese keyword search.
    page.get_by_label("关键词").fill("客户经理")
    page.get_by_role("button", name="搜索").click()
    assert total(page) == 7
    # Titles with the keyword, and postings that ask for 客户经理 experience.
    assert titles(page).count("客户经理（公司/个人）") == 4
    assert "商务拓展岗" in titles(page)

    # Combine with a province facet: ticking it applies at once.
    page.get_by_role("group", name="省份").get_by_role(
        "checkbox", name=re.compile("新疆")
    ).check()
    page.wait_for_url(re.compile("province="))
    assert total(page) == 1
    assert titles(page) == ["客户经理（公司/个人）"]
    expect(page.get_by_role("link", name="移除条件 省份：新疆")).to_be_visible()
    shoot(page, "listing-filtered-desktop")

    # Remove the keyword chip: the province filter stays.
    page.get_by_role("link", name="移除条件 关键词：客户经理").click()
    assert total(page) == 2
    assert "province=" in page.url and "q=" not in page.url

    # Clear everything and paginate five at a time.
    page.get_by_role("link", name="清除全部").click()
    page.goto(f"{site}/?employer=中国银行&per_page=5")
    assert total(page) == 44
    first_page = titles(page)
    page.get_by_role("link", name="下一页").click()
    expect(page.locator('.pagination [aria-current="page"]')).to_have_text("2")
    assert "employer=" in page.url and titles(page) != first_page

    # Open a posting and come back to the same page of the same list.
    page.get_by_role("link", name=titles(page)[0]).first.click()
    expect(page.get_by_role("heading", level=2, name="岗位职责")).to_be_visible()
    data = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
    assert data["@type"] == "JobPosting"
    page.go_back()
    expect(page.locator('.pagination [aria-current="page"]')).to_have_text("2")
    assert total(page) == 44


def test_candidate_filters_by_what_they_bring(new_page, site):
    page = new_page()
    page.goto(site)
    page.get_by_label("最高学历").select_option("专科")
    page.wait_for_url(re.compile("education="))
    count_for_zhuanke = total(page)
    assert 0 < count_for_zhuanke < 77
    page.get_by_label("年龄（岁）").fill("33")
    page.get_by_label("工作年限（年）").fill("2")
    page.get_by_label("工作年限（年）").press("Enter")
    page.wait_for_url(re.compile("age=33"))
    chips = page.locator(".chips .chip").all_inner_texts()
    assert any("我的年龄：33 岁" in chip for chip in chips)
    assert total(page) <= count_for_zhuanke
    for card in page.locator(".posting-card").all():
        text = card.inner_text()
        assert "3 年以上经验" not in text and "5 年以上经验" not in text


def test_detail_page_screenshots_at_desktop_and_phone_width(new_page, site):
    desktop = new_page()
    desktop.goto(f"{site}/?q=综合服务经理&province=新疆")
    desktop.get_by_role("link", name="综合服务经理", exact=True).click()
    expect(desktop.get_by_role("heading", level=1)).to_have_text("综合服务经理")
    expect(desktop.get_by_text("喀什市、疏勒县、巴楚县、图木舒克市")).to_be_visible()
    breadcrumb = desktop.get_by_role("navigation", name="位置")
    expect(breadcrumb.get_by_role("link", name="中国银行")).to_be_visible()
    expect(breadcrumb.get_by_role("link", name="新疆区分行")).to_be_visible()
    shoot(desktop, "detail-desktop")

    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(desktop.url)
    expect(phone.get_by_role("heading", level=1)).to_have_text("综合服务经理")
    # Nothing overflows sideways on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone, "detail-phone")
    phone.goto(site)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(phone.get_by_role("link", name="筛选条件 ↓")).to_be_visible()
    shoot(phone, "listing-phone")
    shoot(desktop, "detail-desktop")


def test_keyboard_users_can_skip_to_content_and_reach_the_search(new_page, site):
    page = new_page()
    page.goto(site)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到主要内容")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("关键词")).to_be_focused()
    # Every form control on the page has a label.
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select')]
              .filter(el => !el.labels || el.labels.length === 0).map(el => el.name)"""
    )
    assert unlabelled == []


def test_closed_posting_shows_the_notice(new_page, site):
    from postings.models import Posting

    posting = Posting.objects.get(
        source_document="000_6f3e1b58b6c4ffdc.txt", source_row=1
    )
    posting.close()
    page = new_page()
    page.goto(f"{site}{posting.get_absolute_url()}")
    expect(page.get_by_role("status")).to_contain_text("已截止")
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex"


def csp_violations(page):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


def test_public_pages_run_under_the_strict_csp(new_page, site):
    page = new_page()
    violations = csp_violations(page)
    page.goto(site)
    page.get_by_role("group", name="省份").get_by_role(
        "checkbox", name=re.compile("新疆")
    ).check()
    page.wait_for_url(re.compile("province="))
    page.get_by_role("link", name="综合服务经理", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("综合服务经理")
    page.goto(f"{site}/reference/")
    assert violations == []


def test_admin_works_under_the_strict_csp(new_page, site, admin_user):
    from django.test import Client

    from postings.models import Posting

    client = Client()
    client.force_login(admin_user)
    page = new_page()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}]
    )
    violations = csp_violations(page)
    posting = Posting.objects.get(
        source_document="000_6f3e1b58b6c4ffdc.txt", source_row=43
    )
    page.goto(f"{site}/admin/postings/posting/")
    expect(page.get_by_role("link", name="导出当前结果 Excel")).to_be_visible()
    page.goto(f"{site}/admin/postings/posting/{posting.pk}/change/")
    # The institution autocomplete (select2) opens and searches.
    page.locator("#select2-id_institution-container").click()
    page.locator(".select2-search__field").fill("新疆")
    expect(page.locator(".select2-results__option").first).to_contain_text("新疆区分行")
    page.keyboard.press("Escape")
    shoot(page, "admin-change-desktop")
    page.goto(f"{site}/admin/postings/posting/{posting.pk}/history/")
    expect(
        page.get_by_role("heading", name="职责、要求、地点与证书的变更")
    ).to_be_visible()
    assert violations == []


# --- 招聘概览 and 我的情况 ---------------------------------------------------------

LAPTOP = {"width": 1366, "height": 768}
CHART_NAMES = [
    "province",
    "employer",
    "institution",
    "education",
    "experience",
    "grade",
    "category",
    "week",
]


def wait_for_charts(page):
    for name in CHART_NAMES:
        expect(page.locator(f"#chart-{name}")).to_have_attribute("data-drawn", "true")


def painted_pixels(page, name):
    """How many pixels of the chart's canvas are not background."""
    return page.evaluate(
        """(name) => {
            const canvas = document.querySelector(`#chart-${name} canvas`);
            const pixels = canvas.getContext("2d")
                .getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 0; i < pixels.length; i += 4) {
                const white = pixels[i] > 245 && pixels[i + 1] > 245 && pixels[i + 2] > 245;
                if (pixels[i + 3] > 0 && !white) painted++;
            }
            return painted;
        }""",
        name,
    )


def province_colours(page):
    """The colour the map shows at each province's centre (its capital),
    by province name, read from the canvas."""
    return page.evaluate(
        """() => {
            const element = document.getElementById("chart-province");
            const chart = echarts.getInstanceByDom(element);
            const canvas = element.querySelector("canvas");
            const context = canvas.getContext("2d");
            const scale = canvas.width / element.clientWidth;
            const colours = {};
            for (const feature of echarts.getMap("china").geoJSON.features) {
                const [x, y] = chart.convertToPixel(
                    { seriesIndex: 0 }, feature.properties.cp);
                const [r, g, b] = context.getImageData(
                    Math.round(x * scale), Math.round(y * scale), 1, 1).data;
                colours[feature.properties.name] = `rgb(${r},${g},${b})`;
            }
            return colours;
        }"""
    )


EMPTY_REGION = "rgb(241,243,246)"


def test_insights_draws_every_chart_and_the_map_has_the_data_provinces(new_page, site):
    page = new_page(viewport=LAPTOP)
    violations = csp_violations(page)
    page.goto(f"{site}/insights/")
    expect(page.get_by_role("heading", level=1)).to_have_text("招聘概览")
    wait_for_charts(page)
    for name in CHART_NAMES:
        assert painted_pixels(page, name) > 500, name

    data = json.loads(page.locator("#insights-data").inner_text())
    (province,) = [c for c in data["charts"] if c["name"] == "province"]
    with_data = {row["value"] for row in province["rows"] if row["value"]}
    assert {"北京", "新疆", "四川", "河北"} <= with_data
    colours = province_colours(page)
    assert set(colours) >= with_data
    for name in with_data:
        assert colours[name] not in (EMPTY_REGION, "rgb(255,255,255)"), name
    for name in set(colours) - with_data - {"香港", "澳门"}:
        assert colours[name] == EMPTY_REGION, name
    shoot(page, "insights-desktop")

    # By postings instead of headcount: the map is redrawn.
    page.get_by_role("button", name="按岗位数").click()
    expect(page.get_by_role("button", name="按岗位数")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#chart-province")).to_have_attribute("data-drawn", "true")
    assert set(colours) - with_data <= {
        n for n, c in province_colours(page).items() if c == EMPTY_REGION
    } | {"香港", "澳门"}

    # A click on a bar opens the listing of that slice.
    (employer,) = [c for c in data["charts"] if c["name"] == "employer"]
    first = employer["rows"][0]
    page.locator("#chart-employer").scroll_into_view_if_needed()
    box = page.locator("#chart-employer").bounding_box()
    chart_point = page.evaluate(
        """(value) => echarts.getInstanceByDom(document.getElementById("chart-employer"))
            .convertToPixel({ seriesIndex: 0 }, [value / 2, 0])""",
        first["postings"],
    )
    page.mouse.click(box["x"] + chart_point[0], box["y"] + chart_point[1])
    page.wait_for_url(re.compile(r"employer="))
    assert total(page) == first["postings"]
    assert violations == []


def test_insights_on_a_phone_and_back_to_the_listing(new_page, site):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    violations = csp_violations(page)
    page.goto(f"{site}/insights/?province=新疆")
    wait_for_charts(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert province_colours(page)["新疆"] != EMPTY_REGION
    expect(page.get_by_role("link", name="移除条件 省份：新疆")).to_be_visible()
    shoot(page, "insights-phone")
    page.get_by_role("link", name="查看这些岗位 →").click()
    page.wait_for_url(re.compile(r"/\?province="))
    assert total(page) == 2
    assert violations == []


def test_insights_tables_work_without_javascript(browser, site):
    context = browser.new_context(viewport=LAPTOP, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site}/insights/")
        expect(page.locator("#chart-province")).to_be_hidden()
        table = page.get_by_role("table", name="用人单位（数据表）")
        table.get_by_role("link", name="重庆银行").click()
        page.wait_for_url(re.compile(r"employer="))
        assert total(page) == 10
    finally:
        context.close()


def test_candidate_remembers_their_situation_and_sees_the_checks(new_page, site):
    from postings.models import Posting

    posting = Posting.objects.get(employer__name="重庆银行", title="商务拓展岗")
    page = new_page(viewport=LAPTOP)
    violations = csp_violations(page)
    page.goto(f"{site}{posting.get_absolute_url()}")
    section = page.get_by_role("region", name="我能报考吗")
    section.get_by_label("最高学历").select_option("本科")
    section.get_by_label("工作年限（年）").fill("3")
    section.get_by_label("年龄（岁）").fill("36")
    section.get_by_role("button", name="核对条件").click()
    expect(section.locator(".verdict")).to_contain_text("不符合")
    expect(section.get_by_text("年龄 36 > 35岁以下")).to_be_visible()

    # Remember it: every posting page now checks it, with no query string.
    section.get_by_role("link", name="在本浏览器记住我的情况").click()
    expect(page.get_by_label("年龄（岁）")).to_have_value("36")
    page.get_by_role("button", name="保存并返回").click()
    page.wait_for_url(f"{site}{posting.get_absolute_url()}")
    section = page.get_by_role("region", name="我能报考吗")
    expect(section.locator(".verdict")).to_contain_text("不符合")
    checks = section.locator(".check").all_inner_texts()
    assert any("学历 本科 ≥ 本科及以上" in c and "符合" in c for c in checks)
    assert any("35岁以下；" in c for c in checks)
    shoot(page, "detail-situation-desktop")

    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{site}{posting.get_absolute_url()}")
    expect(phone.locator(".verdict")).to_contain_text("不符合")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.get_by_role("region", name="我能报考吗").scroll_into_view_if_needed()
    shoot(phone, "detail-situation-phone")

    # Clear it from the 我的情况 page: the form is back.
    page.get_by_role("link", name="修改或清除我的情况").click()
    page.get_by_role("button", name="清除我的情况").click()
    page.wait_for_url(f"{site}{posting.get_absolute_url()}")
    expect(page.get_by_role("button", name="核对条件")).to_be_visible()
    assert violations == []


def test_candidate_subscribes_to_a_search_confirms_by_mail_and_manages_it(
    new_page, site, settings
):
    from postings.models import AlertSubscription

    from .smtp import link_to, smtp_server, use_smtp

    with smtp_server() as (inbox, port):
        use_smtp(settings, port, site_url=site)
        page = new_page()
        violations = csp_violations(page)
        page.goto(site)
        page.get_by_role("group", name="省份").get_by_role(
            "checkbox", name=re.compile("新疆")
        ).check()
        page.wait_for_url(re.compile("province="))
        page.get_by_role("link", name="订阅此搜索").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("订阅此搜索")
        expect(page.locator(".search-description strong")).to_have_text("新疆")

        # A typo first: the page says so and keeps the choice of frequency.
        page.get_by_label("邮箱").fill("zhang@example")
        page.get_by_label("每周").check()
        page.get_by_role("button", name="订阅").click()
        expect(page.locator(".field-errors")).to_contain_text("请填写有效的邮箱地址")
        expect(page.get_by_label("每周")).to_be_checked()
        page.get_by_label("邮箱").fill("zhang@example.com")
        shoot(page, "alert-subscribe-desktop")
        page.get_by_role("button", name="订阅").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("请查收邮件")
        expect(page.get_by_role("status")).to_contain_text("zhang@example.com")

        [message] = inbox.messages
        page.goto(link_to(message, "/alerts/confirm/"))
        expect(page.get_by_text("订阅内容：新疆（每周）")).to_be_visible()
        assert AlertSubscription.objects.get().is_pending
        page.get_by_role("button", name="确认订阅").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("管理订阅")
        expect(page.get_by_role("status")).to_contain_text("订阅已确认")
        expect(page.get_by_role("link", name="新疆", exact=True)).to_be_visible()
        page.get_by_label("发送频率").select_option("daily")
        page.get_by_role("button", name="保存频率").click()
        expect(page.get_by_role("status")).to_contain_text("发送频率已改为每天")
        shoot(page, "alert-manage-desktop")
        subscription = AlertSubscription.objects.get()
        assert subscription.is_confirmed and subscription.frequency == "daily"

        page.get_by_role("button", name="退订 新疆").click()
        expect(page.get_by_text("这个邮箱目前没有订阅")).to_be_visible()
        assert AlertSubscription.objects.get().is_unsubscribed
        assert violations == []


def test_hr_editor_imports_a_table_and_sees_the_change_in_public(
    new_page, site, tmp_path
):
    import importlib
    import io

    import openpyxl
    from django.contrib.auth.models import Group, Permission, User
    from django.test import Client

    from postings import exports
    from postings.access import EDITOR, ROLE_GROUPS
    from postings.models import Institution, InstitutionAccess, Posting

    # A live-server test flushes the database, and with it the role groups
    # their migration made: make the editors' group again, as it defines it.
    roles = importlib.import_module("postings.migrations.0004_role_groups")
    group, _ = Group.objects.get_or_create(name=ROLE_GROUPS[EDITOR])
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="postings",
            codename__in=[
                f"{action}_{model}"
                for model, actions in roles.EDITOR_PERMISSIONS.items()
                for action in actions
            ],
        )
    )
    editor = User.objects.create_user("wang", is_staff=True)
    editor.groups.add(group)
    InstitutionAccess.objects.create(
        user=editor, institution=Institution.objects.get(name="新疆区分行")
    )
    postings = Posting.objects.filter(institution__name="新疆区分行").order_by("pk")
    target = postings.first()
    buffer = io.BytesIO()
    exports.write_xlsx(exports.rows(postings, internal=True), buffer, internal=True)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = book.active
    column = {cell.value: cell.column for cell in sheet[1]}
    sheet.cell(2, column["招聘人数"]).value = 17
    sheet.cell(2, column["岗位职责"]).value += "\n9. 负责导入测试新增的职责。"
    upload = tmp_path / "新疆分行招聘表.xlsx"
    book.save(upload)

    client = Client()
    client.force_login(editor)
    page = new_page()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}]
    )
    violations = csp_violations(page)
    page.goto(f"{site}/admin/postings/posting/")
    page.get_by_role("link", name="导入招聘表").click()
    expect(page.get_by_text("文件不超过 10 MB，不超过 20,000 行岗位")).to_be_visible()
    page.get_by_label("招聘表文件").set_input_files(str(upload))
    page.get_by_role("button", name="上传并预览").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("导入预览")
    row = page.locator("tr.outcome-changed")
    expect(row).to_have_count(1)
    expect(row.locator("del")).to_have_text(str(target.headcount))
    expect(row.locator("ins")).to_have_text("17")
    expect(row.locator(".diff-added")).to_contain_text("负责导入测试新增的职责。")
    shoot(page, "admin-import-preview")
    target.refresh_from_db()
    assert target.headcount != 17

    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("已导入")
    expect(page.locator(".messagelist")).to_contain_text("修改 1 个")
    shoot(page, "admin-import-done")

    public = new_page()
    public.goto(f"{site}{target.get_absolute_url()}")
    expect(public.get_by_text("负责导入测试新增的职责。")).to_be_visible()
    expect(public.locator("main")).to_contain_text("17")
    assert violations == []


# --- Layout: facet boxes, long words on a phone, clean filter URLs ----------------

LONG_LATIN_TITLE = "InternationalSettlementAndTradeFinanceRelationshipManagement"


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_long_latin_titles_wrap_on_a_phone(
    new_page, site, make_posting, make_institution
):
    posting = make_posting(
        title=LONG_LATIN_TITLE,
        institution=make_institution("LongDistanceTradeFinanceCorporationLimited"),
        department="CrossBorderSettlementOperationsDepartment",
    )
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{site}/?employer=LongDistanceTradeFinanceCorporationLimited")
    expect(phone.get_by_role("link", name=LONG_LATIN_TITLE)).to_be_visible()
    assert page_width(phone) <= PHONE["width"]
    shoot(phone, "listing-long-title-phone")
    phone.goto(f"{site}{posting.get_absolute_url()}")
    expect(phone.get_by_role("heading", level=1)).to_have_text(LONG_LATIN_TITLE)
    assert page_width(phone) <= PHONE["width"]
    shoot(phone, "detail-long-title-phone")


def test_facet_boxes_show_every_row_whole(new_page, site):
    page = new_page()
    page.goto(site)
    filters = page.locator(".filters")
    # No box scrolls inside the page, so none cuts a row; long names wrap.
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('.filters *')]
            .filter(el => getComputedStyle(el).overflowY !== 'visible'
                          && el.scrollHeight > el.clientHeight + 1)
            .map(el => el.tagName)"""
    )
    assert clipped == []
    institutions = filters.get_by_role("group", name="招聘机构")
    institutions.get_by_text("其余", exact=False).click()
    heilongjiang = institutions.get_by_role("checkbox", name=re.compile("黑龙江省分行"))
    expect(heilongjiang).to_be_visible()
    cut = page.evaluate(
        """() => [...document.querySelectorAll('.facet label')]
            .filter(label => label.offsetParent !== null)
            .filter(label => {
                const box = label.closest('fieldset').getBoundingClientRect();
                const row = label.getBoundingClientRect();
                return row.right > box.right + 1 || row.left < box.left - 1;
            })
            .map(label => label.textContent.trim())"""
    )
    assert cut == []
    heilongjiang.check()
    page.wait_for_url(re.compile("institution="))
    # The ticked option is among the rest, which stay open.
    expect(
        page.get_by_role("group", name="招聘机构").get_by_role(
            "checkbox", name=re.compile("黑龙江省分行")
        )
    ).to_be_checked()
    expect(
        page.get_by_role("group", name="招聘机构").locator("details")
    ).to_have_attribute("open", "")
    filters.screenshot(path=ARTIFACTS / "listing-facets-desktop.png")


def test_filter_forms_send_only_the_fields_filled_in(new_page, site):
    page = new_page()
    requested = []
    page.on(
        "request",
        lambda request: (
            requested.append(request.url) if request.is_navigation_request() else None
        ),
    )
    page.goto(site)
    page.get_by_role("group", name="省份").get_by_role(
        "checkbox", name=re.compile("北京")
    ).check()
    page.wait_for_url(re.compile("province="))
    page.get_by_label("关键词").fill("经理")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile("q="))
    page.get_by_label("排序").select_option("title")
    page.wait_for_url(re.compile("sort=title"))
    # What the forms sent, not what a redirect made of it.
    sent = [
        parse_qsl(urlsplit(url).query, keep_blank_values=True) for url in requested[1:]
    ]
    assert sent == [
        [("province", "北京")],
        [("q", "经理"), ("province", "北京")],
        [("q", "经理"), ("province", "北京"), ("sort", "title")],
    ]


# --- The HR admin on a laptop ----------------------------------------------------


def signed_in(new_page, site, user, viewport=LAPTOP):
    from django.test import Client

    client = Client()
    client.force_login(user)
    page = new_page(viewport=viewport)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}]
    )
    return page


def sideways_overflow(page):
    """How far the page, or any scrolling box on it (the changelist's table),
    is wider than what it shows."""
    return page.evaluate(
        """() => Math.max(
            document.documentElement.scrollWidth - window.innerWidth,
            ...[...document.querySelectorAll('#content *')]
                .filter(el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
                .map(el => el.scrollWidth - el.clientWidth))"""
    )


def test_admin_pages_fit_a_laptop_screen(new_page, site, admin_user):
    from postings.models import Posting

    posting = Posting.objects.get(
        source_document="000_6f3e1b58b6c4ffdc.txt", source_row=43
    )
    page = signed_in(new_page, site, admin_user)
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    violations = csp_violations(page)
    pages = {
        "admin-changelist-laptop": "/admin/postings/posting/",
        "admin-change-laptop": f"/admin/postings/posting/{posting.pk}/change/",
        "admin-add-laptop": "/admin/postings/posting/add/",
        "admin-import-laptop": "/admin/postings/posting/import/",
    }
    for name, path in pages.items():
        page.goto(f"{site}{path}")
        assert sideways_overflow(page) <= 0, name
        icon = page.locator('link[rel="icon"]').get_attribute("href")
        assert page.request.get(f"{site}{icon}").ok, name
        sidebar = page.locator("#nav-sidebar")
        expect(sidebar).to_contain_text("登录保护")
        expect(sidebar).not_to_contain_text("Access attempts")
        shoot(page, name)

        if name == "admin-changelist-laptop":
            # Titles keep whole words: no column squeezed to a few characters.
            narrowest = page.evaluate(
                """() => Math.min(...[...document.querySelectorAll('td.field-title')]
                    .map(cell => cell.getBoundingClientRect().width))"""
            )
            assert narrowest >= 100
            expect(page.locator("th.column-closes")).to_be_in_viewport()
        if name == "admin-change-laptop":
            # An inline row shows its text once, in its field.
            expect(page.locator("#duties-group textarea").first).to_be_visible()
            expect(page.locator("#duties-group td.original p").first).to_be_hidden()
    assert missing == []
    assert violations == []


def test_hr_reorders_duties_by_arrows_and_drag_and_adds_one_without_a_number(
    new_page, live_server, admin_user, make_posting
):
    posting = make_posting(
        title="客户经理",
        duties=("负责甲。", "负责乙。", "负责丙。"),
        requirements=(),
        locations=(),
    )
    page = signed_in(new_page, live_server.url, admin_user)
    violations = csp_violations(page)
    page.goto(f"{live_server.url}/admin/postings/posting/{posting.pk}/change/")
    duties = page.locator("#duties-group")
    rows = duties.locator("tbody tr.form-row:not(.empty-form)")

    def texts():
        return [row.locator("textarea").input_value() for row in rows.all()]

    def numbers():
        return [
            row.locator(".field-position input").input_value() for row in rows.all()
        ]

    rows.nth(0).get_by_role("button", name="下移").click()
    assert texts() == ["负责乙。", "负责甲。", "负责丙。"]
    assert numbers() == ["1", "2", "3"]
    rows.nth(2).get_by_role("button", name="拖动调整顺序").drag_to(
        rows.nth(0), target_position={"x": 20, "y": 5}
    )
    assert texts() == ["负责丙。", "负责乙。", "负责甲。"]
    assert numbers() == ["1", "2", "3"]

    duties.get_by_role("button", name=re.compile("添加另一个")).click()
    rows.nth(3).locator("textarea").fill("完成领导交办的其他工作。")
    assert rows.nth(3).locator(".field-position input").input_value() == ""
    expect(rows.nth(3).get_by_role("button", name="上移")).to_be_visible()
    shoot(page, "admin-duties-reordered")
    page.get_by_role("button", name="保存并继续编辑").click()
    expect(page.locator(".messagelist")).to_contain_text("成功")
    assert list(posting.duties.values_list("position", "text")) == [
        (1, "负责丙。"),
        (2, "负责乙。"),
        (3, "负责甲。"),
        (4, "完成领导交办的其他工作。"),
    ]
    assert violations == []


def test_candidate_switches_to_english_filters_and_subscribes(new_page, site, settings):
    """The same board in English: chrome, filters, chips, a posting and the
    subscribe flow, while the postings keep their own (Chinese) words."""
    from postings.models import AlertSubscription

    from .smtp import link_to, smtp_server, use_smtp

    with smtp_server() as (inbox, port):
        use_smtp(settings, port, site_url=site)
        page = new_page()
        violations = csp_violations(page)
        page.goto(site)
        page.get_by_role("link", name="English").click()
        page.wait_for_url(f"{site}/en/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert total(page) == 77

        education = page.get_by_label("Highest education")
        expect(education.locator('option[value="本科"]')).to_contain_text(
            "Bachelor's degree"
        )
        education.select_option("本科")
        page.wait_for_url(re.compile(r"/en/\?.*education="))
        # The link carries the level's Chinese name, as on the Chinese page.
        assert dict(parse_qsl(urlsplit(page.url).query))["education"] == "本科"
        page.get_by_role("group", name="Province").get_by_role(
            "checkbox", name=re.compile("新疆")
        ).check()
        page.wait_for_url(re.compile("province="))
        assert total(page) > 0
        expect(
            page.get_by_role("link", name="Remove filter Province: 新疆")
        ).to_be_visible()
        shoot(page, "listing-english-desktop")

        # A posting in English, then the same posting in Chinese.
        first = titles(page)[0]
        page.get_by_role("link", name=first).first.click()
        expect(page.get_by_role("heading", level=2, name="Duties")).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_have_text(first)
        english_path = urlsplit(page.url).path
        page.get_by_role("link", name="简体中文").click()
        page.wait_for_url(re.compile(r"/postings/\d+/$"))
        assert f"/en{urlsplit(page.url).path}" == english_path
        expect(page.get_by_role("heading", level=2, name="岗位职责")).to_be_visible()
        page.go_back()
        page.go_back()

        page.get_by_role("link", name="Subscribe to this search").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Subscribe to this search"
        )
        page.get_by_label("Email").fill("li@example.com")
        page.get_by_label("Weekly").check()
        page.get_by_role("button", name="Subscribe", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
        [message] = inbox.messages
        assert "Please confirm" in str(message["Subject"])
        page.goto(link_to(message, "/en/alerts/confirm/"))
        page.get_by_role("button", name="Confirm subscription").click()
        subscription = AlertSubscription.objects.get()
        assert subscription.is_confirmed and subscription.language == "en"
        assert subscription.frequency == "weekly"
        assert violations == []
