"""Job alerts: subscribing from a listing, double opt-in, the digests that
send_alerts mails, unsubscribing, managing, limits, and crashes mid-run.

Every mail goes through a real SMTP server on loopback (tests/smtp.py) and
is read back from what it received.
"""

import datetime
import smtplib
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group, User
from django.core import signing
from django.core.management import CommandError, call_command
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from postings.access import EDITOR, ROLE_GROUPS
from postings.alerts import mail, searches
from postings.models import (
    AlertDelivery,
    AlertMail,
    AlertSubscription,
    InstitutionAccess,
    Posting,
)

from .smtp import html_part, link_to, links, path_of, smtp_server, text_part, use_smtp

pytestmark = pytest.mark.django_db

SUBSCRIBE = "postings:alert_subscribe"


@pytest.fixture
def inbox(settings):
    with smtp_server() as (inbox, port):
        use_smtp(settings, port)
        yield inbox


def subscribe(client, query, email="zhang@example.com", frequency="daily", **extra):
    """Submit the subscribe form for a listing query, as its page does."""
    normal = searches.parse(QueryDict(query)).query
    data = {"email": email, "frequency": frequency, "query": normal}
    return client.post(reverse(SUBSCRIBE), data, **extra)


def confirmed(email="zhang@example.com", query="category=信息科技类", **fields):
    search = searches.parse(QueryDict(query))
    fields.setdefault("confirmed_at", timezone.now())
    return AlertSubscription.objects.create(
        email=email, query=search.query, description=search.description, **fields
    )


def header(message, name):
    # Python's mail package folds a long header after its colon (legal, RFC
    # 5322); the parser reads the fold's space back, mail programs trim it.
    return str(message[name]).strip()


def subject(message):
    return header(message, "Subject")


def send_alerts(*args):
    out = StringIO()
    call_command("send_alerts", *args, stdout=out, stderr=out)
    return out.getvalue()


def next_day(*subscriptions):
    """As if the last run had been yesterday (or a week ago for weekly ones)."""
    for subscription in subscriptions:
        days = 7 if subscription.frequency == "weekly" else 1
        AlertSubscription.objects.filter(pk=subscription.pk).update(
            checked_on=timezone.localdate() - datetime.timedelta(days=days)
        )


# --- A search in normal form ----------------------------------------------------


def test_normal_form_keeps_only_what_the_filter_reads_in_one_order():
    a = searches.parse(
        QueryDict(
            "province=北京&category=信息科技类&page=3&per_page=50&sort=deadline"
            "&utm_source=x&province=上海&province=北京&q=  Java   开发 &grade="
        )
    )
    b = searches.parse(
        QueryDict("q=Java 开发&province=上海&category=信息科技类&province=北京")
    )
    assert a.query == b.query
    assert dict(QueryDict(a.query).lists()) == {
        "q": ["Java 开发"],
        "province": ["上海", "北京"],
        "category": ["信息科技类"],
    }
    assert "page" not in a.query and "sort" not in a.query and "utm" not in a.query


def test_description_reads_like_the_filter():
    def describe(query):
        return searches.parse(QueryDict(query)).description

    assert describe("province=北京&category=信息科技类") == "信息科技类 · 北京"
    assert (
        describe("q=客户经理&province=新疆&province=四川") == "“客户经理” · 四川、新疆"
    )
    assert describe("education=本科&age=30&certificate=CFA") == (
        "CFA证书 · 本科学历可报 · 30 岁可报"
    )
    assert describe("page=2&sort=title") == "全部岗位"


def test_a_search_the_listing_refuses_is_refused_with_its_message(client):
    response = client.get(reverse(SUBSCRIBE), {"age": "abc", "province": "新疆"})
    assert response.status_code == 400
    assert "我的年龄：年龄须为整数，收到“abc”。" in response.content.decode()
    assert AlertSubscription.objects.count() == 0


def test_the_subscribe_page_has_one_url_per_search(client):
    response = client.get(
        reverse(SUBSCRIBE) + "?province=北京&page=2&category=信息科技类&sort=title"
    )
    assert response.status_code == 302
    target = client.get(response.url)
    assert target.status_code == 200
    assert target.context["search"].description == "信息科技类 · 北京"


# --- Subscribing and the double opt-in ------------------------------------------


def test_a_filtered_listing_offers_to_subscribe_to_its_search(client, make_posting):
    make_posting(category="信息科技类")
    response = client.get(reverse("postings:posting_list"), {"category": "信息科技类"})
    page = response.content.decode()
    link = (
        reverse(SUBSCRIBE) + "?category=%E4%BF%A1%E6%81%AF%E7%A7%91%E6%8A%80%E7%B1%BB"
    )
    assert f'href="{link}"' in page and "订阅此搜索" in page
    form = client.get(link)
    assert "订阅内容：<strong>信息科技类</strong>" in form.content.decode()


def test_subscribing_mails_a_confirmation_and_nothing_more_until_confirmed(
    client, inbox, make_posting
):
    response = subscribe(client, "province=北京&category=信息科技类")
    assert response.status_code == 302
    sent_page = client.get(response.url).content.decode()
    assert "邮件已发送到 zhang@example.com" in sent_page

    subscription = AlertSubscription.objects.get()
    assert subscription.is_pending
    assert subscription.description == "信息科技类 · 北京"
    assert subscription.created_ip == "127.0.0.1"
    [message] = inbox.messages
    assert subject(message) == "【银行招聘岗位】请确认订阅：信息科技类 · 北京"
    assert message["To"] == "zhang@example.com"
    assert message["From"] == "银行招聘岗位 <alerts@jobs.example>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        header(message, "List-Unsubscribe") == f"<{link_to(message, '/unsubscribe/')}>"
    )
    text = text_part(message)
    assert "信息科技类 · 北京（每天）" in text
    assert "如果不是你本人操作，忽略这封邮件即可" in text
    assert link_to(message, "/alerts/confirm/") in html_part(message)

    # Until it is confirmed, send_alerts mails it nothing.
    make_posting(category="信息科技类", published_on=timezone.localdate())
    send_alerts()
    assert len(inbox.messages) == 1
    assert AlertMail.objects.filter(kind=AlertMail.Kind.DIGEST).count() == 0


def test_the_confirmation_link_confirms_on_the_button_not_on_opening(client, inbox):
    subscribe(client, "category=信息科技类", frequency="weekly")
    url = link_to(inbox.messages[0], "/alerts/confirm/")

    page = client.get(path_of(url))  # what a mail scanner's visit does
    assert page.status_code == 200
    assert "确认订阅" in page.content.decode()
    assert AlertSubscription.objects.get().is_pending

    response = client.post(path_of(url))
    subscription = AlertSubscription.objects.get()
    assert subscription.is_confirmed and subscription.frequency == "weekly"
    manage = client.get(response.url).content.decode()
    assert "订阅已确认：有新的“信息科技类”岗位时，我们会发邮件给你。" in manage
    assert "zhang@example.com" in manage


def test_an_expired_confirmation_link_says_so_and_offers_to_subscribe_again(
    client, inbox, settings
):
    subscribe(client, "category=信息科技类")
    url = link_to(inbox.messages[0], "/alerts/confirm/")
    settings.ALERTS_CONFIRM_MAX_AGE = -1  # every link is now too old
    response = client.post(path_of(url))
    assert response.status_code == 400
    page = response.content.decode()
    assert "这个链接已过期。" in page
    assert reverse(SUBSCRIBE) + "?category=" in page
    assert AlertSubscription.objects.get().is_pending


def test_a_tampered_link_is_refused_clearly(client, inbox):
    subscribe(client, "category=信息科技类")
    url = link_to(inbox.messages[0], "/alerts/confirm/")
    response = client.post(path_of(url).replace("/confirm/", "/confirm/x"))
    assert response.status_code == 400
    assert "这个链接无效" in response.content.decode()
    token = mail.unsubscribe_token(AlertSubscription.objects.get())
    # A valid unsubscribe token does not confirm: each link has its own salt.
    assert (
        client.post(reverse("postings:alert_confirm", args=[token])).status_code == 400
    )
    assert AlertSubscription.objects.get().is_pending


def test_bad_input_keeps_what_was_typed_and_says_what_is_wrong(client, inbox):
    response = subscribe(client, "category=信息科技类", email="zhang@")
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写有效的邮箱地址，例如 name@example.com。" in page
    assert 'value="zhang@"' in page
    response = subscribe(client, "category=信息科技类", frequency="hourly")
    page = response.content.decode()
    assert response.status_code == 400 and "请选择“每天”或“每周”。" in page
    assert 'value="zhang@example.com"' in page
    response = client.post(
        reverse(SUBSCRIBE),
        {"email": "a@example.com", "frequency": "daily", "query": "age=abc"},
    )
    assert response.status_code == 400
    assert "我的年龄：年龄须为整数，收到“abc”。" in response.content.decode()
    assert AlertSubscription.objects.count() == 0 and inbox.messages == []


def test_a_failing_mail_server_loses_nothing_the_visitor_typed(client, inbox):
    inbox.refuse_from = 1
    response = subscribe(client, "category=信息科技类")
    assert response.status_code == 503
    page = response.content.decode()
    assert "邮件暂时无法发送，请稍后再试；你填写的内容已保留。" in page
    assert 'value="zhang@example.com"' in page
    assert AlertSubscription.objects.count() == 0
    inbox.recover()
    assert subscribe(client, "category=信息科技类").status_code == 302
    assert len(inbox.messages) == 1


def test_subscribing_again_to_a_confirmed_search_mails_the_management_link(
    client, inbox
):
    confirmed()
    response = subscribe(client, "category=信息科技类")
    assert response.status_code == 302
    assert AlertSubscription.objects.count() == 1
    [message] = inbox.messages
    assert subject(message) == "【银行招聘岗位】管理你的岗位订阅"
    assert "这个邮箱已经订阅了“信息科技类”，无需再次订阅。" in text_part(message)
    page = client.get(path_of(link_to(message, "/alerts/manage/")))
    assert "信息科技类" in page.content.decode()


# --- Limits against abuse -------------------------------------------------------


def test_subscriptions_per_address_are_limited(client, inbox, settings):
    settings.ALERTS_MAX_SUBSCRIPTIONS_PER_EMAIL = 2
    confirmed(query="province=北京")
    confirmed(query="province=上海")
    response = subscribe(client, "province=四川", email="ZHANG@example.com")
    assert response.status_code == 400
    assert (
        "这个邮箱已有 2 个订阅，达到上限：请先在“管理订阅”中退订不需要的订阅。"
        in response.content.decode()
    )
    assert AlertSubscription.objects.count() == 2 and inbox.messages == []


def test_subscriptions_per_network_address_are_limited(client, inbox, settings):
    settings.ALERTS_MAX_SUBSCRIPTIONS_PER_IP_PER_DAY = 2
    for number in range(2):
        assert (
            subscribe(client, "q=Java", email=f"u{number}@example.com").status_code
            == 302
        )
    response = subscribe(client, "q=Java", email="u9@example.com")
    assert response.status_code == 400
    assert "同一网络地址 24 小时内最多新建 2 个订阅，请明天再试。" in (
        response.content.decode()
    )
    other = subscribe(client, "q=Java", email="u9@example.com", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302
    assert len(inbox.messages) == 3


def test_confirmation_mails_per_address_are_limited(client, inbox, settings):
    settings.ALERTS_MAX_MAILS_PER_EMAIL_PER_DAY = 2
    for _ in range(2):
        assert subscribe(client, "q=Java").status_code == 302
    response = subscribe(client, "q=Java")
    assert response.status_code == 400
    assert "这个邮箱 24 小时内已收到 2 封订阅邮件" in response.content.decode()
    assert len(inbox.messages) == 2
    # A renewed subscription is still one subscription.
    assert AlertSubscription.objects.count() == 1


# --- send_alerts ----------------------------------------------------------------


def test_send_alerts_mails_new_matching_postings_once(client, inbox, make_posting):
    today = timezone.localdate()
    subscription = confirmed(query="province=北京&category=信息科技类")
    new = make_posting(
        title="软件开发岗", category="信息科技类", published_on=today, headcount=3
    )
    make_posting(title="柜员", category="综合类", published_on=today)
    make_posting(title="上海开发岗", category="信息科技类", locations=("上海市",))
    make_posting(  # published before the subscription: the listing showed it
        title="旧岗位",
        category="信息科技类",
        published_on=today - datetime.timedelta(days=3),
    )
    make_posting(
        title="已关闭",
        category="信息科技类",
        published_on=today,
        status=Posting.Status.CLOSED,
    )

    assert "sent 1," in send_alerts()
    [message] = inbox.messages
    assert subject(message) == "【银行招聘岗位】信息科技类 · 北京：1 个新岗位"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = text_part(message), html_part(message)
    assert "你订阅的“信息科技类 · 北京”有 1 个新岗位：" in text
    assert "1. 软件开发岗" in text and "招聘 3 人" in text
    for other in ("柜员", "上海开发岗", "旧岗位", "已关闭"):
        assert other not in text and other not in html
    posting_url = link_to(message, f"/postings/{new.pk}/")
    assert posting_url in html
    assert client.get(path_of(posting_url)).status_code == 200
    search = client.get(path_of(link_to(message, "category=")))
    # The listing it links to: every open match, not only the new ones.
    assert {p.title for p in search.context["posting_list"]} == {"软件开发岗", "旧岗位"}

    # Again today: not due. Tomorrow: nothing new, nothing sent.
    send_alerts()
    next_day(subscription)
    send_alerts()
    assert len(inbox.messages) == 1

    later = make_posting(title="数据分析岗", category="信息科技类", published_on=today)
    next_day(subscription)
    send_alerts()
    assert len(inbox.messages) == 2
    second = text_part(inbox.messages[1])
    assert "数据分析岗" in second and "软件开发岗" not in second
    assert list(
        AlertDelivery.objects.order_by("posting_id").values_list("posting", flat=True)
    ) == [new.pk, later.pk]
    subscription.refresh_from_db()
    assert subscription.last_mailed_at is not None


def test_weekly_subscriptions_are_mailed_once_a_week(inbox, make_posting):
    today = timezone.localdate()
    weekly = confirmed(frequency="weekly")
    AlertSubscription.objects.filter(pk=weekly.pk).update(
        checked_on=today - datetime.timedelta(days=6)
    )
    make_posting(category="信息科技类", published_on=today)
    send_alerts()
    assert inbox.messages == []
    next_day(weekly)
    send_alerts()
    assert len(inbox.messages) == 1


def test_frequency_option_prepares_only_that_frequency(inbox, make_posting):
    daily = confirmed(email="d@example.com")
    weekly = confirmed(email="w@example.com", frequency="weekly")
    make_posting(category="信息科技类", published_on=timezone.localdate())
    send_alerts("--frequency", "weekly")
    assert [m["To"] for m in inbox.messages] == ["w@example.com"]
    send_alerts("--frequency", "daily")
    assert sorted(m["To"] for m in inbox.messages) == ["d@example.com", "w@example.com"]
    assert {daily.pk, weekly.pk} == set(
        AlertMail.objects.values_list("subscription", flat=True)
    )


def test_a_digest_lists_the_newest_and_links_to_the_rest(inbox, settings, make_posting):
    settings.ALERTS_POSTINGS_PER_MAIL = 2
    subscription = confirmed()
    today = timezone.localdate()
    for title in ("甲岗", "乙岗", "丙岗"):
        make_posting(title=title, category="信息科技类", published_on=today)
    send_alerts()
    [message] = inbox.messages
    text = text_part(message)
    assert subject(message).endswith("：3 个新岗位")
    assert "丙岗" in text and "乙岗" in text and "甲岗" not in text
    assert "另有 1 个新岗位，请在网站上查看：http://testserver/?category=" in text
    # The third was announced too (by count and link): never again.
    next_day(subscription)
    send_alerts()
    assert len(inbox.messages) == 1


def test_only_confirmed_subscriptions_get_a_digest(inbox, make_posting):
    gone = confirmed(email="gone@example.com")
    gone.unsubscribe()
    confirmed(email="pending@example.com", confirmed_at=None)
    confirmed(email="live@example.com")
    make_posting(category="信息科技类", published_on=timezone.localdate())
    send_alerts()
    assert [message["To"] for message in inbox.messages] == ["live@example.com"]


def test_a_digest_recorded_before_unsubscribing_is_dropped(inbox, make_posting):
    subscription = confirmed()
    make_posting(category="信息科技类", published_on=timezone.localdate())
    assert mail.prepare_digest(subscription.pk, timezone.localdate())
    subscription.unsubscribe()
    assert "dropped 1." in send_alerts()
    assert inbox.messages == []


def test_expired_unconfirmed_subscriptions_are_purged(inbox, settings):
    stale = confirmed(email="stale@example.com", confirmed_at=None)
    fresh = confirmed(email="fresh@example.com", confirmed_at=None)
    AlertSubscription.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )
    assert "Purged 1 expired" in send_alerts()
    assert list(AlertSubscription.objects.all()) == [fresh]


# --- Crashes and failing mail servers -------------------------------------------


@pytest.fixture
def three_due(make_posting):
    today = timezone.localdate()
    subscriptions = [confirmed(email=f"u{n}@example.com") for n in range(1, 4)]
    make_posting(title="新岗位", category="信息科技类", published_on=today)
    return subscriptions


def assert_each_got_exactly_one(inbox, subscriptions):
    for subscription in subscriptions:
        [message] = inbox.to(subscription.email)
        assert "新岗位" in text_part(message)
    assert len(inbox.messages) == len(subscriptions)


def test_a_server_refusing_mid_run_loses_and_repeats_nothing(inbox, three_due):
    inbox.refuse_from = 2
    with pytest.raises(CommandError, match="2 digests could not be sent"):
        send_alerts()
    assert [m["To"] for m in inbox.messages] == ["u1@example.com"]
    unsent = AlertMail.objects.unsent()
    assert unsent.count() == 2
    assert all(m.attempts == 1 and "451" in m.last_error for m in unsent)

    inbox.recover()
    send_alerts()
    assert_each_got_exactly_one(inbox, three_due)
    assert AlertMail.objects.unsent().count() == 0
    # And a third run finds nothing to do.
    send_alerts()
    assert len(inbox.messages) == 3


def test_a_connection_dropped_mid_message_loses_and_repeats_nothing(inbox, three_due):
    inbox.drop_from = 2
    with pytest.raises(CommandError, match="2 digests could not be sent"):
        send_alerts()
    assert [m["To"] for m in inbox.messages] == ["u1@example.com"]
    attempts = dict(AlertMail.objects.values_list("recipient", "attempts"))
    # Each broken mail counts (one that always breaks is dropped in the end
    # instead of blocking the rest), and the next one reconnects.
    assert attempts == {"u1@example.com": 0, "u2@example.com": 1, "u3@example.com": 1}

    inbox.recover()
    send_alerts()
    assert_each_got_exactly_one(inbox, three_due)


def test_a_mail_server_that_is_down_loses_nothing(settings, three_due):
    with smtp_server() as (inbox, port):
        pass  # the server is stopped: its port refuses connections
    use_smtp(settings, port)
    with pytest.raises(CommandError, match="mail server failed"):
        send_alerts()
    assert AlertMail.objects.unsent().count() == 3
    with smtp_server() as (inbox, port):
        settings.EMAIL_PORT = port
        send_alerts()
        assert_each_got_exactly_one(inbox, three_due)


def test_a_server_refusing_our_sender_stops_the_run_and_blames_no_mail(
    inbox, three_due
):
    inbox.refuse_sender = True
    with pytest.raises(CommandError, match="mail server failed"):
        send_alerts()
    assert inbox.messages == []
    assert list(AlertMail.objects.values_list("attempts", flat=True)) == [0, 0, 0]
    assert AlertMail.objects.unsent().count() == 3
    inbox.recover()
    send_alerts()
    assert_each_got_exactly_one(inbox, three_due)


def test_a_run_that_died_after_recording_sends_what_it_recorded(inbox, three_due):
    today = timezone.localdate()
    # What a run does before it sends; then it died (nothing was sent).
    for subscription in three_due:
        assert mail.prepare_digest(subscription.pk, today)
    assert mail.prepare_digest(three_due[0].pk, today) is None  # claimed already
    send_alerts()
    assert_each_got_exactly_one(inbox, three_due)
    assert AlertDelivery.objects.count() == 3


def test_a_permanently_refused_address_is_dropped_not_retried(inbox, three_due):
    inbox.refuse_from = 1
    inbox.refusal = "550 5.1.1 Mailbox unavailable"
    assert "dropped 3." in send_alerts()
    assert AlertMail.objects.filter(abandoned_at__isnull=False).count() == 3
    inbox.recover()
    send_alerts()
    assert inbox.messages == []


def test_a_subscription_whose_search_no_longer_validates_is_reported(inbox):
    broken = confirmed(query="category=信息科技类")
    AlertSubscription.objects.filter(pk=broken.pk).update(query="age=abc")
    output = send_alerts()
    assert f"Subscription {broken.pk}" in output and "no longer validates" in output
    assert inbox.messages == []


# --- Unsubscribing --------------------------------------------------------------


@pytest.fixture
def digest(inbox, make_posting):
    confirmed()
    make_posting(category="信息科技类", published_on=timezone.localdate())
    send_alerts()
    return inbox.messages[0]


def test_one_click_unsubscribe_works_without_a_csrf_token(digest):
    url = header(digest, "List-Unsubscribe").strip("<>")
    assert url.startswith("http://testserver/alerts/unsubscribe/")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        path_of(url),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "已退订“信息科技类”。" in response.content.decode()
    assert AlertSubscription.objects.get().is_unsubscribed


def test_the_unsubscribe_link_asks_first_and_is_csrf_protected_otherwise(digest):
    url = path_of(link_to(digest, "/alerts/unsubscribe/"))
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    assert page.status_code == 200 and "确认退订" in page.content.decode()
    assert AlertSubscription.objects.get().is_confirmed
    # A forged form post (no token, not the one-click body) is refused.
    assert client.post(url, {"anything": "1"}).status_code == 403
    assert AlertSubscription.objects.get().is_confirmed

    token = page.cookies["csrftoken"].value
    done = client.post(url, {"csrfmiddlewaretoken": token})
    assert done.status_code == 200 and "已退订" in done.content.decode()
    assert AlertSubscription.objects.get().is_unsubscribed


def test_unsubscribe_links_keep_working_in_old_mails(digest, settings):
    settings.ALERTS_CONFIRM_MAX_AGE = settings.ALERTS_MANAGE_MAX_AGE = -1
    url = path_of(link_to(digest, "/alerts/unsubscribe/"))
    assert Client().post(url).status_code == 200
    assert AlertSubscription.objects.get().is_unsubscribed


# --- Managing one's subscriptions -----------------------------------------------


def test_the_management_page_lists_changes_and_unsubscribes(client, digest):
    other = confirmed(query="province=新疆")
    stranger = confirmed(email="li@example.com", query="province=新疆")
    url = path_of(link_to(digest, "/alerts/manage/"))
    page = client.get(url).content.decode()
    assert "信息科技类" in page and "新疆" in page and "li@example.com" not in page

    response = client.post(
        url, {"action": "frequency", "subscription": other.pk, "frequency": "weekly"}
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.frequency == "weekly"
    assert "“新疆”的发送频率已改为每周。" in client.get(url).content.decode()

    # Another address's subscription cannot be touched from this page.
    client.post(url, {"action": "unsubscribe", "subscription": stranger.pk})
    stranger.refresh_from_db()
    assert stranger.is_confirmed
    assert "找不到这个订阅" in client.get(url).content.decode()

    client.post(url, {"action": "unsubscribe_all"})
    assert not AlertSubscription.objects.live().filter(email="zhang@example.com")
    assert "这个邮箱目前没有订阅" in client.get(url).content.decode()


def test_an_expired_management_link_offers_a_new_one(client, inbox, digest, settings):
    url = path_of(link_to(digest, "/alerts/manage/"))
    settings.ALERTS_MANAGE_MAX_AGE = -1
    response = client.get(url)
    assert response.status_code == 400
    assert "这个链接已过期。" in response.content.decode()

    settings.ALERTS_MANAGE_MAX_AGE = 3600
    sent = client.post(
        reverse("postings:alert_manage_link"), {"email": "zhang@example.com"}
    )
    assert "如果 zhang@example.com 有岗位订阅" in sent.content.decode()
    message = inbox.messages[-1]
    assert subject(message) == "【银行招聘岗位】管理你的岗位订阅"
    assert client.get(path_of(link_to(message, "/alerts/manage/"))).status_code == 200


def test_asking_a_link_for_an_unknown_address_sends_nothing_and_says_the_same(
    client, inbox
):
    response = client.post(
        reverse("postings:alert_manage_link"), {"email": "nobody@example.com"}
    )
    assert "如果 nobody@example.com 有岗位订阅" in response.content.decode()
    assert inbox.messages == []


def test_a_manage_token_is_only_for_its_address():
    token = mail.manage_token("zhang@example.com")
    assert mail.email_to_manage(token) == "zhang@example.com"
    forged = signing.dumps({"e": "li@example.com"}, salt="another.salt")
    with pytest.raises(mail.LinkError):
        mail.email_to_manage(forged)


# --- Admin ----------------------------------------------------------------------


def test_superusers_see_subscriptions_and_hr_staff_do_not(
    admin_client, client, make_posting, make_institution, inbox
):
    branch = make_institution("新疆区分行")
    posting = make_posting(
        institution=branch, category="信息科技类", published_on=timezone.localdate()
    )
    confirmed()
    send_alerts()
    changelist = reverse("admin:postings_alertsubscription_changelist")
    page = admin_client.get(changelist)
    assert page.status_code == 200 and "zhang@example.com" in page.content.decode()
    mails = admin_client.get(reverse("admin:postings_alertmail_changelist"))
    assert "zhang@example.com" in mails.content.decode()

    editor = User.objects.create_user("hr", password="unused-Pa55word!", is_staff=True)
    editor.groups.add(Group.objects.get(name=ROLE_GROUPS[EDITOR]))
    InstitutionAccess.objects.create(user=editor, institution=branch)
    client.force_login(editor)
    assert client.get(changelist).status_code == 403
    assert "岗位订阅" not in client.get(reverse("admin:index")).content.decode()
    # Deleting a mailed posting works for HR and shows no subscriber's address.
    delete = client.get(reverse("admin:postings_posting_delete", args=[posting.pk]))
    assert delete.status_code == 200
    assert "zhang@example.com" not in delete.content.decode()
    client.post(
        reverse("admin:postings_posting_delete", args=[posting.pk]), {"post": "yes"}
    )
    assert not Posting.objects.filter(pk=posting.pk).exists()


def test_links_in_mails_use_the_site_address_not_the_request_host(client, inbox):
    subscribe(client, "q=Java", HTTP_HOST="localhost")
    urls = links(text_part(inbox.messages[0]))
    assert len(urls) == 4
    assert {urlsplit(url).hostname for url in urls} == {"testserver"}


@pytest.mark.parametrize(
    ("misbehaviour", "permanent", "server_failure"),
    [
        ({"refuse_from": 1}, False, False),  # 451: this mail, later
        ({"refuse_from": 1, "refusal": "550 5.1.1 Mailbox unavailable"}, True, False),
        ({"refuse_sender": True}, True, True),  # 553 to MAIL FROM: no mail goes
    ],
)
def test_what_the_smtp_backend_raises_is_classified_as_send_alerts_needs(
    inbox, misbehaviour, permanent, server_failure
):
    # The errors send_alerts sorts are the ones Django's SMTP backend
    # raises against a real server answering so.
    from django.core.mail import send_mail

    for name, value in misbehaviour.items():
        setattr(inbox, name, value)
    with pytest.raises(smtplib.SMTPException) as excinfo:
        send_mail("s", "b", None, ["x@example.com"])
    assert mail._is_permanent(excinfo.value) is permanent
    assert mail._is_server_failure(excinfo.value) is server_failure
