"""The English job alerts and admin: a subscription made on an English page
gets its mails, links and pages in English; Chinese stays the default."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from postings.alerts import searches
from postings.models import AlertSubscription

from .smtp import html_part, link_to, path_of, smtp_server, text_part, use_smtp

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(settings):
    with smtp_server() as (inbox, port):
        use_smtp(settings, port)
        yield inbox


def subscribe(client, url, query, email="li@example.com"):
    normal = searches.parse(QueryDict(query)).query
    data = {"email": email, "frequency": "daily", "query": normal}
    return client.post(url, data)


def test_an_english_subscription_gets_an_english_confirmation(client, inbox):
    with translation.override("en"):
        url = reverse("postings:alert_subscribe")
    assert url.startswith("/en/")
    response = subscribe(client, url, "category=信息科技类&education=本科")
    assert response.status_code == 302 and response.url.startswith("/en/")
    sent = client.get(response.url).content.decode()
    assert "An email has been sent to li@example.com." in sent

    subscription = AlertSubscription.objects.get()
    assert subscription.language == "en"
    assert subscription.description == "信息科技类 · open to 本科 education"
    [message] = inbox.messages
    assert str(message["Subject"]).strip() == (
        "[Bank Jobs] Please confirm your subscription: "
        "信息科技类 · open to 本科 education"
    )
    text = text_part(message)
    assert "Someone (we hope it was you) subscribed this address" in text
    assert "valid for 7 days" in text
    confirm = link_to(message, "/alerts/confirm/")
    unsubscribe = link_to(message, "/unsubscribe/")
    assert path_of(confirm).startswith("/en/alerts/confirm/")
    assert path_of(unsubscribe).startswith("/en/")
    assert str(message["List-Unsubscribe"]).strip() == f"<{unsubscribe}>"
    html = html_part(message)
    assert '<html lang="en">' in html
    assert "Confirm subscription</a>" in html

    page = client.get(path_of(confirm)).content.decode()
    assert "<h1>Confirm subscription</h1>" in page
    response = client.post(path_of(confirm))
    assert response.url.startswith("/en/alerts/manage/")
    manage = client.get(response.url).content.decode()
    assert "Subscription confirmed: we will email you when new" in manage
    assert "Manage subscriptions" in manage


def test_an_english_subscription_gets_an_english_digest(inbox, make_posting):
    search = searches.parse(QueryDict("category=信息科技类"))
    subscription = AlertSubscription.objects.create(
        email="li@example.com",
        query=search.query,
        description=search.description,
        confirmed_at=timezone.now(),
        language="en",
    )
    make_posting(
        title="软件开发岗",
        category="信息科技类",
        published_on=timezone.localdate(),
        headcount=3,
    )
    call_command("send_alerts", stdout=io.StringIO())
    [message] = inbox.messages
    assert str(message["Subject"]).strip() == ("[Bank Jobs] 信息科技类: 1 new position")
    text = text_part(message)
    assert "Your subscription “信息科技类” has 1 new position:" in text
    assert "软件开发岗" in text
    assert "3 openings · posted " in text
    unsubscribe = link_to(message, "/unsubscribe/")
    assert path_of(unsubscribe).startswith("/en/alerts/unsubscribe/")
    assert str(message["List-Unsubscribe"]).strip() == f"<{unsubscribe}>"
    assert path_of(link_to(message, "/alerts/manage/")).startswith("/en/")
    assert path_of(link_to(message, "/postings/")).startswith("/en/postings/")
    assert "Unsubscribe from this search" in html_part(message)

    # The unsubscribe page, and the one-click POST, answer in English.
    client = Client()
    page = client.get(path_of(unsubscribe)).content.decode()
    assert "Once you unsubscribe, we will no longer send emails" in page
    answer = client.post(
        path_of(unsubscribe), {"List-Unsubscribe": "One-Click"}
    ).content.decode()
    assert answer == "Unsubscribed from “信息科技类”."
    subscription.refresh_from_db()
    assert subscription.is_unsubscribed


def test_chinese_stays_the_default_for_alerts(client, inbox):
    response = subscribe(
        client, reverse("postings:alert_subscribe"), "category=信息科技类"
    )
    assert response.url == "/alerts/sent/" or not response.url.startswith("/en/")
    subscription = AlertSubscription.objects.get()
    assert subscription.language == "zh-hans"
    [message] = inbox.messages
    assert str(message["Subject"]).strip() == "【银行招聘岗位】请确认订阅：信息科技类"
    assert not path_of(link_to(message, "/alerts/confirm/")).startswith("/en/")
    assert '<html lang="zh-Hans">' in html_part(message)


def test_an_english_management_link_request_is_answered_in_english(client, inbox):
    AlertSubscription.objects.create(
        email="li@example.com", query="", description="全部岗位"
    )
    with translation.override("en"):
        url = reverse("postings:alert_manage_link")
    page = client.post(url, {"email": "li@example.com"}).content.decode()
    assert "If li@example.com has job alerts" in page
    [message] = inbox.messages
    assert str(message["Subject"]).strip() == "[Bank Jobs] Manage your job alerts"
    assert path_of(link_to(message, "/alerts/manage/")).startswith("/en/")


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("root", "root@example.com", "pw")


def test_the_english_admin_shows_our_columns_and_actions_in_english(
    admin_user, make_posting
):
    make_posting(title="软件开发岗")
    client = Client()
    client.force_login(admin_user)
    page = client.get("/en/admin/postings/posting/").content.decode()
    for text in (
        "Hiring institution / department",
        "Grade / category",
        "Publish selected positions",
        "Export selected positions (CSV)",
        "Import a recruitment table",
        "Bank Jobs administration",
    ):
        assert text in page, text
    chinese = client.get("/admin/postings/posting/").content.decode()
    assert "招聘机构 / 部门" in chinese and "发布所选岗位" in chinese


def test_the_english_admin_import_and_history_pages(admin_user, make_posting):
    posting = make_posting(title="软件开发岗")
    client = Client()
    client.force_login(admin_user)
    imports = client.get("/en/admin/postings/posting/import/").content.decode()
    assert "Upload and preview" in imports and "Files you can import" in imports
    history = client.get(
        f"/en/admin/postings/posting/{posting.pk}/history/"
    ).content.decode()
    assert "Changes to duties, requirements, locations and certificates" in history
    copy = client.get(f"/en/admin/postings/posting/{posting.pk}/copy/").content
    assert "Copy as new position" in copy.decode()
    response = client.post(
        "/en/admin/postings/posting/",
        {"action": "close_selected", "_selected_action": [posting.pk]},
        follow=True,
    )
    assert "Closed 1 position." in response.content.decode()
