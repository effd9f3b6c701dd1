"""我的情况: read from the query string and a cookie, set and cleared by POST,
and the detail page's checks that follow it."""

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.test import Client, RequestFactory
from django.urls import reverse

from postings import situation
from postings.models import Education
from postings.situation import COOKIE_NAME, Situation

pytestmark = pytest.mark.django_db

SITUATION_URL = reverse("postings:situation")


def request_with(query="", cookie=None):
    request = RequestFactory().get(f"/?{query}")
    if cookie is not None:
        request.COOKIES[COOKIE_NAME] = cookie
    return request


def test_the_query_string_states_a_situation_with_the_listing_parameter_names():
    found = situation.current(request_with("education=本科&experience=3&age=36"))
    assert found == Situation(education=Education.BENKE, experience=3, age=36)
    assert found.describe() == "本科 · 3 年工作经验 · 36 岁"
    assert not found.remembered


def test_bad_values_get_chinese_messages_and_the_rest_still_counts():
    found = situation.current(request_with("education=本科&age=abc&experience=99"))
    assert found == Situation(education=Education.BENKE)
    assert set(found.errors) == {
        "年龄（岁）：年龄须为整数。",
        "工作年限（年）：工作年限须在 0 到 60 之间。",
    }
    unknown = situation.current(request_with("education=小学"))
    assert unknown.errors == ("最高学历：学历须为 专科、本科、硕士、博士 之一。",)


def test_repeated_values_read_as_the_listing_filters_read_them():
    found = situation.from_query(
        QueryDict(
            "education=专科&education=硕士&experience=1&experience=4&age=40&age=30"
        )
    )
    assert found == Situation(education=Education.MASTER, experience=4, age=30)


def test_query_string_wins_over_the_cookie_field_by_field():
    cookie = situation.cookie_value(
        Situation(education=Education.BENKE, experience=3, age=36)
    )
    assert cookie == "e2.y3.a36"
    found = situation.current(request_with("age=30", cookie))
    assert found == Situation(education=Education.BENKE, experience=3, age=30)
    assert found.remembered
    # An empty parameter (a form left blank) does not hide the cookie's value.
    assert situation.current(request_with("age=", cookie)).age == 36


@pytest.mark.parametrize("cookie", ["e9.a30", "x1", "a12", "e2.e3", "a30.yabc", "."])
def test_a_cookie_that_does_not_parse_is_ignored(cookie):
    found = situation.current(request_with("", cookie))
    assert not found and not found.remembered and not found.errors


def test_replace_in_url_keeps_other_filters_and_drops_the_page():
    chosen = Situation(education=Education.BENKE, age=30)
    assert (
        situation.replace_in_url("/?education=专科&province=新疆&page=3", chosen)
        == "/?education=%E6%9C%AC%E7%A7%91&province=%E6%96%B0%E7%96%86"
    )
    # A parameter the new situation leaves empty goes; none is added.
    assert situation.replace_in_url("/?experience=5&q=Java", chosen) == "/?q=Java"
    assert situation.replace_in_url("/postings/7/", chosen) == "/postings/7/"


@pytest.fixture
def csrf_client():
    client = Client(enforce_csrf_checks=True)
    client.get(SITUATION_URL)
    return client


def post(client, data):
    token = client.cookies["csrftoken"].value
    return client.post(SITUATION_URL, {**data, "csrfmiddlewaretoken": token})


def test_saving_sets_the_cookie_and_goes_back(csrf_client, open_posting):
    back = open_posting.get_absolute_url()
    response = post(
        csrf_client, {"education": "本科", "experience": "3", "age": "36", "next": back}
    )
    assert response.status_code == 302
    assert response["Location"] == back
    morsel = response.cookies[COOKIE_NAME]
    assert morsel.value == "e2.y3.a36"
    assert morsel["httponly"] and morsel["samesite"] == "Lax"
    assert int(morsel["max-age"]) == situation.COOKIE_MAX_AGE

    page = csrf_client.get(back)
    assert page.context["situation"] == Situation(
        education=Education.BENKE, experience=3, age=36
    )
    assert "我能报考吗" in page.content.decode()
    assert "按我的情况（本科 · 3 年工作经验 · 36 岁）" in page.content.decode()


def test_clearing_deletes_the_cookie(csrf_client, open_posting):
    post(csrf_client, {"age": "30", "next": "/"})
    assert csrf_client.cookies[COOKIE_NAME].value == "a30"
    response = post(csrf_client, {"clear": "1", "next": "/?age=30&province=北京"})
    assert response.status_code == 302
    assert response["Location"] == "/?province=%E5%8C%97%E4%BA%AC"
    assert response.cookies[COOKIE_NAME].value == ""
    assert response.cookies[COOKIE_NAME]["max-age"] == 0
    page = csrf_client.get(open_posting.get_absolute_url())
    assert page.context["eligibility"] is None
    assert "核对条件" in page.content.decode()


def test_posting_without_the_csrf_token_is_refused():
    response = Client(enforce_csrf_checks=True).post(SITUATION_URL, {"age": "30"})
    assert response.status_code == 403
    assert COOKIE_NAME not in response.cookies


def test_bad_input_is_explained_and_nothing_is_saved(csrf_client):
    response = post(csrf_client, {"age": "八十", "education": "本科", "next": "/"})
    assert response.status_code == 400
    assert "年龄须为整数。" in response.content.decode()
    assert COOKIE_NAME not in response.cookies
    # What was typed stays in the form.
    assert response.context["form"]["education"].value() == "本科"


def test_next_must_be_on_this_site(csrf_client):
    response = post(csrf_client, {"age": "30", "next": "https://example.com/"})
    assert response["Location"] == reverse("postings:posting_list")


def test_the_page_shows_what_is_remembered_and_get_changes_nothing(client):
    client.cookies[COOKIE_NAME] = "e3.a29"
    response = client.get(SITUATION_URL, {"next": "/"})
    assert response.status_code == 200
    assert COOKIE_NAME not in response.cookies
    html = response.content.decode()
    assert "已保存：<strong>硕士 · 29 岁</strong>" in html
    assert "清除我的情况" in html
    assert response.context["form"]["education"].value() == "硕士"


def test_detail_page_asks_for_the_situation_when_it_has_none(client, open_posting):
    response = client.get(open_posting.get_absolute_url())
    assert response.context["eligibility"] is None
    html = response.content.decode()
    assert 'name="age"' in html and "核对条件" in html


def test_detail_page_reports_a_bad_query_value(client, make_posting):
    posting = make_posting(max_age=35, max_age_evidence="35岁以下")
    response = client.get(
        posting.get_absolute_url(), {"age": "abc", "education": "本科"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "年龄（岁）：年龄须为整数。" in html
    assert "年龄 未填写，要求35岁以下" in html


def test_detail_page_with_a_cookie_is_never_served_from_the_page_cache(
    client, make_posting, settings
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    }
    cache.clear()
    posting = make_posting(max_age=35, max_age_evidence="35岁以下")
    url = posting.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"
    client.cookies[COOKIE_NAME] = "a36"
    mine = client.get(url)
    assert "X-Page-Cache" not in mine
    assert "年龄 36 &gt; 35岁以下" in mine.content.decode()
    assert "Cookie" in mine["Vary"]
    # And a candidate's page is not stored for the next anonymous visitor.
    del client.cookies[COOKIE_NAME]
    assert "我能报考吗" in client.get(url).content.decode()
    assert "年龄 36" not in client.get(url).content.decode()
    cache.clear()
