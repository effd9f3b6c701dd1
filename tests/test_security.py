"""Security hardening: login throttling, CSRF, CSP, production settings, and
who may read or change what through the admin's history pages."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse, reverse_lazy

from postings import situation, throttling, views
from postings.access import EDITOR, RECRUITER, ROLE_GROUPS
from postings.alerts.searches import PRESENTATION_PARAMETERS
from postings.filters import CONTROL_CHARACTERS_MESSAGE, PostingFilter
from postings.models import InstitutionAccess, Posting

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
User = get_user_model()


def production_env(**overrides):
    """The environment of a production process: DEBUG off, a real key, HTTPS."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "jobboard.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "jobs.example.com",
            "DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite:///:memory:"),
        }
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def run(args, env, **kwargs):
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, **kwargs
    )


# --- Login throttling --------------------------------------------------------------------


def test_admin_login_locks_out_after_repeated_failures(client, admin_user, settings):
    url = reverse("admin:login")
    wrong = {"username": admin_user.username, "password": "wrong"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert (
            client.post(url, wrong).status_code == 200
        )  # the form again, with an error
    locked = client.post(url, wrong)
    assert locked.status_code == 429
    assert "登录已被暂时锁定" in locked.content.decode()
    right = client.post(url, {"username": admin_user.username, "password": "password"})
    assert right.status_code == 429
    # Locked even with the right password: the admin stays out of reach.
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_successful_login_is_not_locked(client, admin_user):
    url = reverse("admin:login")
    client.post(url, {"username": admin_user.username, "password": "wrong"})
    response = client.post(
        url, {"username": admin_user.username, "password": "password"}
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


# --- CSRF, clickjacking, CSP -------------------------------------------------------------


def test_csrf_token_is_required_for_the_admin_login(admin_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("admin:login"),
        {"username": admin_user.username, "password": "password"},
    )
    assert response.status_code == 403


def test_csrf_token_is_required_for_admin_changes(admin_user, make_posting):
    posting = make_posting()
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:postings_posting_changelist"),
        {"action": "close_selected", "_selected_action": [posting.pk]},
    )
    assert response.status_code == 403
    posting.refresh_from_db()
    assert posting.status == posting.Status.PUBLISHED


@pytest.mark.parametrize("url_name", ["postings:posting_list", "admin:login"])
def test_pages_carry_a_strict_content_security_policy(client, url_name):
    response = client.get(reverse(url_name))
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip()
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "url",
    [
        reverse_lazy("postings:posting_list"),
        reverse_lazy("admin:login"),
        reverse_lazy("postings:posting_export", args=["csv"]),
        reverse_lazy("healthz"),
    ],
)
def test_responses_turn_off_powerful_browser_features(client, url):
    response = client.get(url)
    policy = dict(
        directive.strip().split("=", 1)
        for directive in response["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert policy[feature] == "()"
    if response.streaming:
        b"".join(response.streaming_content)


# --- Production settings -----------------------------------------------------------------


def test_check_deploy_is_clean_with_production_settings():
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run(
        [sys.executable, "-c", "import django; django.setup()"],
        production_env(DJANGO_SECRET_KEY=None),
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_DEBUG": "1"}, "Refusing to serve with DJANGO_DEBUG on"),
        ({"DJANGO_SECRET_KEY": None, "DJANGO_DEBUG": None}, "DJANGO_SECRET_KEY"),
    ],
)
def test_gunicorn_refuses_to_serve_a_misconfigured_production(overrides, message):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = run(
        [
            str(gunicorn),
            "-c",
            "gunicorn.conf.py",
            "--bind",
            "127.0.0.1:0",
            "jobboard.wsgi",
        ],
        production_env(**overrides),
    )
    assert result.returncode != 0
    assert message in result.stdout + result.stderr


def test_production_redirects_to_https_and_sets_secure_cookies_and_hsts(tmp_path):
    env = production_env(DJANGO_STATIC_ROOT=str(tmp_path / "static"))
    collected = run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env
    )
    assert collected.returncode == 0, collected.stderr
    code = """
import django; django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client(HTTP_HOST="jobs.example.com")
plain = client.get("/robots.txt")
print("redirect", plain.status_code, plain["Location"])
secure = client.get("/admin/login/", secure=True)
print("hsts", secure["Strict-Transport-Security"])
cookie = secure.cookies["csrftoken"]
print("cookie", bool(cookie["secure"]))
print("health", client.get("/healthz").status_code != 301)
"""
    result = run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert lines["redirect"] == "301 https://jobs.example.com/robots.txt"
    assert lines["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert lines["cookie"] == "True"
    assert lines["health"] == "True"  # load balancers probe over plain HTTP


# --- History: reading versions never changes data -------------------------------------
# django-simple-history's version page (…/history/<version>/) is also a form
# that saves what is posted to it. Every history URL, for every role:

EDITOR_IN_SCOPE, EDITOR_OUT_OF_SCOPE, RECRUITER_IN_SCOPE, ANONYMOUS = (
    "editor in scope",
    "editor of another institution",
    "recruiter",
    "anonymous",
)
ROLES = (EDITOR_IN_SCOPE, EDITOR_OUT_OF_SCOPE, RECRUITER_IN_SCOPE, ANONYMOUS)


@pytest.fixture
def history_world(make_institution, make_posting):
    """重庆银行's posting, department and the bank itself, each with an older
    version (its name or title before an edit), and another bank."""
    mine = make_institution("重庆银行")
    other = make_institution("中国银行")
    posting = make_posting(
        title="客户经理", institution=mine, department="互联网金融部"
    )
    rows = {"posting": posting, "department": posting.department, "institution": mine}
    for obj, field in (
        (posting, "title"),
        (posting.department, "name"),
        (mine, "note"),
    ):
        setattr(obj, field, f"{getattr(obj, field)}（改）")
        obj.save()
    return {"rows": rows, "mine": mine, "other": other}


@pytest.fixture
def client_for(history_world, django_user_model):
    def make(role):
        client = Client()
        if role == ANONYMOUS:
            return client
        group = ROLE_GROUPS[RECRUITER if role == RECRUITER_IN_SCOPE else EDITOR]
        user = django_user_model.objects.create_user(
            role.replace(" ", "-"), is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
        scope = history_world["other" if role == EDITOR_OUT_OF_SCOPE else "mine"]
        InstitutionAccess.objects.create(user=user, institution=scope)
        client.force_login(user)
        return client

    return make


def version_form_data(obj, **changes):
    """What a browser would post back from the version form, with changes."""
    model_admin = admin.site._registry[type(obj)]
    request = RequestFactory().get("/")
    request.user = User(is_superuser=True)  # every field, every choice
    form = model_admin.get_form(request, obj)(instance=obj)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    data.update(changes)
    return data


def snapshot(obj):
    """Everything a change could touch: the row's fields and its history."""
    fresh = type(obj).objects.get(pk=obj.pk)
    fields = {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}
    return fields, fresh.history.count()


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# What each role gets: GET and POST of each page.
VERSION_PAGE = {
    EDITOR_IN_SCOPE: (200, 403),
    EDITOR_OUT_OF_SCOPE: (404, 404),
    RECRUITER_IN_SCOPE: (200, 403),
}
HISTORY_LIST = {
    EDITOR_IN_SCOPE: (200, 200),
    EDITOR_OUT_OF_SCOPE: (404, 404),
    RECRUITER_IN_SCOPE: (200, 200),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", ["posting", "department", "institution"])
def test_the_version_page_is_read_only_for_every_role(
    history_world, client_for, role, model
):
    obj = history_world["rows"][model]
    older = obj.history.earliest()
    url = reverse(f"admin:postings_{model}_simple_history", args=[obj.pk, older.pk])
    client = client_for(role)
    before = snapshot(obj)

    shown = client.get(url)
    field = {"posting": "title", "department": "name", "institution": "note"}[model]
    posted = client.post(url, version_form_data(obj, **{field: "越权修改"}))

    assert snapshot(obj) == before
    if role == ANONYMOUS:
        assert_login_redirect(shown)
        assert_login_redirect(posted)
        return
    assert (shown.status_code, posted.status_code) == VERSION_PAGE[role]
    if shown.status_code == 200:
        content = shown.content.decode()
        assert getattr(older.instance, field) in content  # the older value
        assert f'name="{field}"' not in content  # shown, not editable
        assert 'name="_save"' not in content


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", ["posting", "department", "institution"])
def test_the_history_list_follows_the_institution_scope(
    history_world, client_for, role, model
):
    obj = history_world["rows"][model]
    url = reverse(f"admin:postings_{model}_history", args=[obj.pk])
    client = client_for(role)
    before = snapshot(obj)
    shown, posted = client.get(url), client.post(url, {"title": "越权修改"})
    assert snapshot(obj) == before
    if role == ANONYMOUS:
        assert_login_redirect(shown)
        assert_login_redirect(posted)
        return
    assert (shown.status_code, posted.status_code) == HISTORY_LIST[role]
    if shown.status_code == 404:
        assert str(obj) not in shown.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_only_an_editor_in_scope_restores_a_posting(history_world, client_for, role):
    posting = history_world["rows"]["posting"]
    older = posting.history.earliest()
    url = reverse("admin:postings_posting_restore", args=[posting.pk, older.pk])
    client = client_for(role)
    before = snapshot(posting)
    shown, posted = client.get(url), client.post(url)
    if role == ANONYMOUS:
        assert_login_redirect(shown)
        assert_login_redirect(posted)
    elif role == EDITOR_IN_SCOPE:
        assert (shown.status_code, posted.status_code) == (200, 302)
        assert Posting.objects.get(pk=posting.pk).title == "客户经理"
        return
    else:
        expected = 404 if role == EDITOR_OUT_OF_SCOPE else 403
        assert (shown.status_code, posted.status_code) == (expected, expected)
    assert snapshot(posting) == before


@pytest.mark.parametrize("role", ROLES)
def test_deleted_postings_are_listed_only_to_their_editors(
    history_world, client_for, role
):
    posting = history_world["rows"]["posting"]
    pk = posting.pk
    posting.delete()
    url = reverse("admin:postings_posting_deleted")
    client = client_for(role)
    shown, posted = client.get(url), client.post(url)
    assert not Posting.objects.filter(pk=pk).exists()
    if role == ANONYMOUS:
        assert_login_redirect(shown)
        assert_login_redirect(posted)
    elif role == RECRUITER_IN_SCOPE:
        assert (shown.status_code, posted.status_code) == (403, 403)
    else:
        assert (shown.status_code, posted.status_code) == (200, 200)
        listed = [record.id for record in shown.context["records"]]
        assert listed == ([pk] if role == EDITOR_IN_SCOPE else [])


def test_a_version_whose_institution_was_deleted_is_no_error(
    admin_client, client, make_institution, make_posting, django_user_model
):
    bank = make_institution("重庆银行")
    gone = make_institution("已撤销的支行", parent=bank)
    posting = make_posting(title="柜员", institution=gone)
    version, pk = posting.history.latest(), posting.pk
    posting.delete()
    gone.delete()
    editor = django_user_model.objects.create_user("hr", is_staff=True)
    editor.groups.add(Group.objects.get(name=ROLE_GROUPS[EDITOR]))
    InstitutionAccess.objects.create(user=editor, institution=bank)
    client.force_login(editor)
    page = reverse("admin:postings_posting_simple_history", args=[pk, version.pk])
    restore = reverse("admin:postings_posting_restore", args=[pk, version.pk])
    # The branch is no longer the bank's: not found for its editor …
    assert client.get(page).status_code == 404
    assert client.get(restore).status_code == 404
    # … and still readable for a superuser.
    response = admin_client.get(page)
    assert response.status_code == 200
    assert "柜员" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/postings/posting/abc/change/",
        "/admin/postings/posting/abc/history/",
        "/admin/postings/posting/1/history/abc/",
        "/admin/postings/institution/abc/history/1/",
        "/admin/postings/posting/abc/history/1/restore/",
    ],
)
def test_ids_that_are_not_numbers_are_not_found(admin_client, path):
    response = admin_client.get(path, follow=True)
    assert response.status_code in (200, 404)  # the admin index says it is gone
    assert response.redirect_chain in ([], [(reverse("admin:index"), 302)])


# --- Control characters in query parameters -------------------------------------------
# PostgreSQL cannot store or compare a NUL byte: every parameter the listing
# reads refuses control characters, with one message, wherever it is read.

FILTERS = list(PostingFilter.base_filters)
LISTING_PARAMETERS = [*FILTERS, "page", "per_page"]
ENDPOINTS = {
    "listing": reverse_lazy("postings:posting_list"),
    "insights": reverse_lazy("postings:posting_insights"),
    "feed": reverse_lazy("postings:posting_feed"),
    "api postings": reverse_lazy("api:posting_list"),
    "api facets": reverse_lazy("api:posting_facets"),
    "alerts": reverse_lazy("postings:alert_subscribe"),
    **{
        f"export {export_format}": reverse_lazy(
            "postings:posting_export", args=[export_format]
        )
        for export_format in ("csv", "xlsx", "json")
    },
}
# What each page reads beside the filters: the API pages by cursor, facet
# counts are not paged, and a subscription keeps what a listing holds, not
# how it is shown.
PARAMETERS = {
    **dict.fromkeys(ENDPOINTS, LISTING_PARAMETERS),
    "api postings": [*FILTERS, "per_page"],
    "api facets": FILTERS,
    "alerts": [name for name in FILTERS if name not in PRESENTATION_PARAMETERS],
}


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


# A NUL, a bell, DEL. (Tabs, line breaks and the separators U+001C–U+001F are
# whitespace: at either end of a value they are trimmed, as spaces are.)
CONTROL_VALUES = ["a\x00b", "\x00", "北\x07京", "\x7f"]


@pytest.mark.parametrize(
    ("endpoint", "parameter"),
    [
        (endpoint, parameter)
        for endpoint, parameters in PARAMETERS.items()
        for parameter in parameters
    ],
)
def test_control_characters_in_any_parameter_are_refused_with_a_message(
    client, open_posting, endpoint, parameter
):
    for value in CONTROL_VALUES:
        response = client.get(ENDPOINTS[endpoint], {parameter: ["本科", value]})
        assert response.status_code == 400, value
        assert CONTROL_CHARACTERS_MESSAGE in body(response), value


def test_a_query_too_long_to_redirect_is_answered_by_the_listing(client, open_posting):
    # Empty parameters are dropped by a redirect, which Django refuses past
    # 16,384 characters; the listing then reads the query itself.
    long_value = "长" * 2000
    ignored = client.get(f"/?q=&utm_source={long_value}")
    assert ignored.status_code == 200
    assert open_posting.title in ignored.content.decode()
    too_long = client.get(f"/?q=&q={long_value}")
    assert too_long.status_code == 400
    assert "关键词：" in too_long.content.decode()


@pytest.mark.parametrize("parameter", sorted(PRESENTATION_PARAMETERS))
def test_a_subscription_drops_how_a_listing_is_shown_even_when_malformed(
    client, parameter
):
    response = client.get(
        ENDPOINTS["alerts"], {"province": "新疆", parameter: "a\x00b"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("postings:alert_subscribe") + (
        "?province=%E6%96%B0%E7%96%86"
    )


@pytest.mark.parametrize("parameter", situation.FIELDS)
def test_control_characters_in_a_situation_are_refused_with_a_message(
    client, parameter
):
    shown = client.get(reverse("postings:situation"), {parameter: "3\x00"})
    assert shown.status_code == 400
    assert CONTROL_CHARACTERS_MESSAGE in body(shown)
    saved = client.post(reverse("postings:situation"), {parameter: "3\x00"})
    assert saved.status_code == 400
    assert CONTROL_CHARACTERS_MESSAGE in body(saved)
    assert situation.COOKIE_NAME not in saved.cookies


# --- Public exports are bounded -------------------------------------------------------


@pytest.fixture
def real_cache(settings):
    """A cache that keeps what it is given (the tests' default keeps nothing)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttling-tests",
        }
    }
    cache.clear()
    yield cache
    cache.clear()


def export(client, export_format="csv", **params):
    return client.get(reverse("postings:posting_export", args=[export_format]), params)


@pytest.mark.parametrize("export_format", ["csv", "xlsx", "json"])
def test_an_export_larger_than_the_cap_is_refused_with_its_count(
    client, make_posting, settings, export_format
):
    settings.EXPORT_MAX_ROWS = 2
    for _ in range(3):
        make_posting(category="运营类")
    response = export(client, export_format, category="运营类")
    assert response.status_code == 400
    content = response.content.decode()
    assert "筛选结果共有 3 个岗位，超过公开导出的上限（2 个）" in content
    assert "把结果缩小到 2 个以内再导出" in content
    assert reverse("admin:postings_posting_changelist") in content
    assert 'href="/?category=%E8%BF%90%E8%90%A5%E7%B1%BB"' in content


def test_an_export_within_the_cap_is_the_whole_set(client, make_posting, settings):
    settings.EXPORT_MAX_ROWS = 2
    make_posting(title="甲", category="运营类")
    make_posting(title="乙", category="运营类")
    make_posting(title="丙", category="科技类")
    response = export(client, "json", category="运营类")
    assert response.status_code == 200
    rows = json.loads(b"".join(response.streaming_content))
    assert sorted(row["title"] for row in rows) == ["乙", "甲"]


def test_exports_over_the_rate_limit_get_429_with_retry_after(
    client, open_posting, settings, real_cache
):
    settings.EXPORT_RATE_LIMIT = 2
    for _ in range(2):
        response = export(client)
        assert response.status_code == 200
        b"".join(response.streaming_content)
    refused = export(client, "xlsx")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "同一网络地址每分钟最多导出 2 个文件" in refused.content.decode()
    # Another address is served; a forged X-Forwarded-For does not make one.
    forged = export(client, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert forged.status_code == 429
    other = client.get(
        reverse("postings:posting_export", args=["csv"]), REMOTE_ADDR="198.51.100.7"
    )
    assert other.status_code == 200
    b"".join(other.streaming_content)


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(
    client, open_posting, settings, real_cache
):
    settings.EXPORT_RATE_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 1

    def via_proxy(forwarded_for):
        return client.get(
            reverse("postings:posting_export", args=["json"]),
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )

    first = via_proxy("198.51.100.7")
    assert first.status_code == 200
    b"".join(first.streaming_content)
    # The proxy appends the address it saw: what the client wrote before it
    # is ignored, so a forged entry does not escape the limit.
    assert via_proxy("203.0.113.9, 198.51.100.7").status_code == 429
    second = via_proxy("198.51.100.8")
    assert second.status_code == 200
    b"".join(second.streaming_content)


@pytest.mark.parametrize(
    ("proxies", "meta", "address"),
    [
        (0, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.2"),
        (1, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "1.2.3.4"),
        (
            1,
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "9.9.9.9, 1.2.3.4"},
            "1.2.3.4",
        ),
        (
            2,
            {
                "REMOTE_ADDR": "10.0.0.2",
                "HTTP_X_FORWARDED_FOR": "9.9.9.9, 1.2.3.4, 10.0.0.1",
            },
            "1.2.3.4",
        ),
        (
            1,
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "not-an-address"},
            "10.0.0.2",
        ),
        (1, {"REMOTE_ADDR": "10.0.0.2"}, "10.0.0.2"),
        (2, {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "10.0.0.2"),
        (0, {"REMOTE_ADDR": "2001:db8::1"}, "2001:db8::1"),
        (0, {"REMOTE_ADDR": ""}, None),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(
    settings, proxies, meta, address
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", **meta)
    assert throttling.client_address(request) == address


def test_login_lockout_behind_a_proxy_is_per_client(client, admin_user, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("admin:login")
    wrong = {"username": admin_user.username, "password": "wrong"}
    behind_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, wrong, HTTP_X_FORWARDED_FOR="198.51.100.7", **behind_proxy)
    right = {"username": admin_user.username, "password": "password"}
    locked = client.post(
        url, right, HTTP_X_FORWARDED_FOR="198.51.100.7", **behind_proxy
    )
    assert locked.status_code == 429
    # Another client behind the same proxy is not locked out by the first.
    other = Client().post(
        url, right, HTTP_X_FORWARDED_FOR="198.51.100.8", **behind_proxy
    )
    assert other.status_code == 302


@pytest.mark.parametrize("export_format", ["csv", "xlsx", "json"])
def test_exports_beyond_the_concurrency_limit_get_503_until_one_ends(
    client, open_posting, settings, export_format
):
    settings.EXPORT_CONCURRENCY = 1
    running = export(client, export_format)  # streamed: still being sent
    assert running.status_code == 200
    busy = export(client, export_format)
    assert busy.status_code == 503
    assert busy["Retry-After"] == str(views.EXPORT_BUSY_RETRY_AFTER)
    assert "正在生成的导出文件较多" in busy.content.decode()
    assert client.get(reverse("postings:posting_list")).status_code == 200
    b"".join(running.streaming_content)  # sent in full: the slot is free
    after = export(client, export_format)
    assert after.status_code == 200
    b"".join(after.streaming_content)
    assert views.EXPORT_SLOTS.held == 0


# Transactional: closing an abandoned streaming response ends its request,
# and Django then closes the database connection, which on PostgreSQL would
# be the test's own open transaction.
@pytest.mark.django_db(transaction=True)
def test_a_client_that_leaves_early_frees_its_slot(client, open_posting, settings):
    settings.EXPORT_CONCURRENCY = 1
    abandoned = export(client, "csv")
    next(iter(abandoned.streaming_content))
    abandoned.close()  # what the server does when the client goes away
    assert views.EXPORT_SLOTS.held == 0
    again = export(client, "csv")
    assert again.status_code == 200
    b"".join(again.streaming_content)


@pytest.mark.parametrize("separator", ["\x1c", "\x1d", "\x1e", "\x1f"])
@pytest.mark.parametrize("name", ["posting_list", "posting_feed"])
def test_control_characters_that_strip_removes_are_refused_too(client, name, separator):
    """str.strip() drops \\x1c–\\x1f at the ends of a value: a value ending in
    one still carries it in the raw parameter (once echoed in the feed's
    XML title, which cannot hold it)."""
    cache.clear()
    response = client.get(
        reverse(f"postings:{name}"), {"location": "喀什市" + separator}
    )
    assert response.status_code == 400
    assert CONTROL_CHARACTERS_MESSAGE in response.content.decode()
