"""What a candidate sees: Debian's Chromium, driven by Playwright, against a
live server with the seed data. Screenshots land in test-artifacts/."""

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
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
def site(live_server):
    call_command("import_seeds", stdout=StringIO())
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
