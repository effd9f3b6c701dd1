"""Security hardening: login throttling, CSRF, CSP, production settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


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
