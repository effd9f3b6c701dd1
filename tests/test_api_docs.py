"""The API's docs page in Debian's Chromium: Swagger UI, from our own static
files, draws every operation of the schema and runs a request, under the
site's strict CSP. A screenshot lands in test-artifacts/."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect, sync_playwright

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, csp_violations, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server):
    call_command("import_seeds", stdout=StringIO())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def test_docs_page_shows_every_operation_and_tries_one_under_the_csp(page, live_server):
    violations = csp_violations(page)
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.get_by_role("heading", name="银行招聘岗位 API")).to_be_visible()
    operations = page.locator(".opblock-summary-path")
    expect(operations).to_have_count(7)
    assert "/api/v1/postings/" in operations.all_inner_texts()

    # Open the postings list, fill a filter and run it from the page.
    page.locator("#operations-postings-posting_list .opblock-summary").click()
    page.get_by_role("button", name="Try it out").click()
    page.locator('tr[data-param-name="per_page"] input').fill("2")
    page.get_by_role("button", name="Execute").click()
    response = page.locator(".live-responses-table .response .response-col_status")
    expect(response.first).to_have_text("200")
    expect(page.locator(".live-responses-table .microlight").first).to_contain_text(
        '"count": 77'
    )
    shoot(page, "api-docs")
    assert violations == []
    # Every request went to this site and succeeded (nothing from a CDN).
    assert failed == []
