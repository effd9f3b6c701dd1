import datetime
import itertools
import os
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation

from postings import board, caching, filters
from postings.models import (
    Department,
    Duty,
    Institution,
    Location,
    Posting,
    PostingLocation,
    Requirement,
)

from .snapshots import RowSnapshot

# Playwright's sync API runs an event loop in the test thread; Django would
# otherwise refuse ORM calls made from that thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_and_plain_settings(settings):
    # Test-only speed-ups: a cheap hasher and static URLs without a manifest
    # (collectstatic is a deployment step, not a test prerequisite).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client and live server speak plain HTTP; production's HTTPS
    # redirect is checked on its own (test_security.py).
    settings.SECURE_SSL_REDIRECT = False
    # Views are tested as they render; page caching has its own tests, which
    # switch a real cache on (test_caching.py).
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    }
    settings.PAGE_MEMO_ENTRIES = 0
    # Every request reads the change log, so a test's write shows on its
    # next request; the production bound has its own tests (test_caching.py).
    settings.BOARD_FRESHNESS = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def _default_language():
    """A request to an English page leaves English active in the thread, as
    Django's LocaleMiddleware does; each test starts in the default language,
    as each request does."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_board():
    """Each test's writes are rolled back, which no process ever sees in
    production (the change log rolls back with them): start each test
    with a board loaded from what the test's database holds, and none of
    the process's kept pages or validated filters."""

    def forget():
        board.reset()
        caching.process_pages.clear()
        caching._listing_dependency.cache_clear()
        filters.validated.cache_clear()

    forget()
    yield
    forget()


def import_seeds():
    call_command("import_seeds", stdout=StringIO())


@pytest.fixture(scope="session")
def seed_rows(django_db_setup, django_db_blocker):
    """What `manage.py import_seeds` writes, imported once per session."""
    with django_db_blocker.unblock():
        return RowSnapshot.taken_after(import_seeds)


@pytest.fixture
def seeded(db, seed_rows):
    """The seed documents imported, as `manage.py import_seeds` leaves a
    fresh database, for this test alone (its changes roll back with it; a
    transactional test's are flushed)."""
    seed_rows.restore()


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory):
    """``convert(source, to, outdir)``: Debian's LibreOffice, headless,
    converts ``source`` to the format ``to`` (``"xlsx"``, ``"csv:…"``) and
    returns the new file. One profile serves the session: building it is
    most of LibreOffice's first start."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (Debian's libreoffice-calc-nogui) is needed"
    profile = tmp_path_factory.mktemp("libreoffice-profile")

    def convert(source, to, outdir):
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                to,
                "--outdir",
                str(outdir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return Path(outdir) / f"{Path(source).stem}.{to.split(':')[0]}"

    return convert


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def make_institution(db):
    def make(name=None, parent=None, **fields):
        return Institution.objects.create(
            name=name or f"机构{next(_counter)}", parent=parent, **fields
        )

    return make


@pytest.fixture
def make_location(db):
    def make(name="北京市", province="北京"):
        location, _ = Location.objects.get_or_create(name=name, province=province)
        return location

    return make


@pytest.fixture
def make_posting(db, make_institution, make_location):
    """Build a published, open posting; any field can be overridden."""

    def make(
        *,
        locations=("北京市",),
        duties=("负责日常工作。",),
        requirements=("大学本科及以上学历。",),
        department=None,
        **overrides,
    ):
        if "institution" not in overrides:
            overrides["institution"] = make_institution()
        fields = {
            "title": f"岗位{next(_counter)}",
            "status": Posting.Status.PUBLISHED,
            "published_on": timezone.localdate() - datetime.timedelta(days=1),
            "headcount": 1,
        }
        fields.update(overrides)
        if isinstance(department, str):
            department, _ = Department.objects.get_or_create(
                institution=fields["institution"], name=department
            )
        posting = Posting.objects.create(department=department, **fields)
        for position, name in enumerate(locations, start=1):
            location = (
                name
                if isinstance(name, Location)
                else make_location(name, _province_of(name))
            )
            PostingLocation.objects.create(
                posting=posting, location=location, position=position
            )
        for position, text in enumerate(duties, start=1):
            Duty.objects.create(posting=posting, position=position, text=text)
        for position, text in enumerate(requirements, start=1):
            Requirement.objects.create(
                posting=posting,
                position=position,
                text=text,
                is_preferred=text.endswith("优先。"),
            )
        return posting

    return make


_PROVINCES = {
    "北京市": "北京",
    "上海市": "上海",
    "喀什市": "新疆",
    "和田市": "新疆",
    "成都市": "四川",
}


def _province_of(name):
    return _PROVINCES.get(name, "北京")


@pytest.fixture
def open_posting(make_posting):
    return make_posting(title="开放岗位")


@pytest.fixture
def closed_posting(make_posting):
    return make_posting(title="已关闭岗位", status=Posting.Status.CLOSED)


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="PostgreSQL only")
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(skip)
