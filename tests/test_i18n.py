"""The English interface: a complete catalogue, English pages with no Chinese
but the postings' own content, a language switch and hreflang on every page.

Chinese is the default at /; English is the same site under /en/.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import translation
from html5lib import parse as parse_html

from postings.models import (
    Department,
    DepartmentDescription,
    Institution,
    Posting,
    RoleDescription,
)

ROOT = Path(settings.BASE_DIR)
ENGLISH_PO = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"

# Han characters, CJK punctuation and full-width forms ("，", "：", "（").
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def read_catalogue(path):
    with path.open("rb") as po_file:
        return read_po(po_file)


# --- The catalogue ----------------------------------------------------------------


def test_every_english_entry_is_translated_and_none_is_fuzzy():
    catalogue = read_catalogue(ENGLISH_PO)
    assert len(catalogue) > 0
    untranslated = [
        message.id
        for message in catalogue
        if message.id
        and (
            not all(message.string)
            if isinstance(message.string, tuple)
            else not message.string
        )
    ]
    fuzzy = [message.id for message in catalogue if message.id and message.fuzzy]
    assert not untranslated, f"untranslated: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:20]}"


def test_english_translations_have_no_chinese_and_keep_their_placeholders():
    placeholder = re.compile(r"%(?:\([a-z_]+\))?[sd]|\{[a-z_]*\}")
    for message in read_catalogue(ENGLISH_PO):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = (
            message.string if isinstance(message.string, tuple) else (message.string,)
        )
        for string in strings:
            assert not CJK.search(string), (message.id, string)
            assert sorted(placeholder.findall(string)) == sorted(
                placeholder.findall(ids[0])
            ), (message.id, string)


def test_the_committed_catalogue_holds_every_marked_string(tmp_path):
    """`make messages` on a copy of the code finds nothing the .po lacks."""
    assert shutil.which("xgettext"), "needs gettext (make test-prerequisites)"
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.mo")
    for name in ("jobboard", "postings", "templates", "locale"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "en",
            "--no-obsolete",
            "--add-location",
            "file",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    extracted = {m.id for m in read_catalogue(copy / ENGLISH_PO.relative_to(ROOT))}
    committed = {m.id for m in read_catalogue(ENGLISH_PO)}
    assert not extracted - committed, (
        f"not in the .po (run make messages): {sorted(extracted - committed)[:20]}"
    )
    assert not committed - extracted, (
        f"in the .po but no longer used: {sorted(committed - extracted)[:20]}"
    )


# --- English pages ----------------------------------------------------------------


def content_strings():
    """Every text the database holds: postings, institutions, locations,
    reference descriptions... what the sources wrote, which stays Chinese
    on English pages. Longest first, so a name is removed before its parts."""
    found = set()
    for model in apps.get_app_config("postings").get_models():
        fields = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, (models.CharField, models.TextField, models.JSONField))
        ]
        for row in model.objects.values_list(*fields) if fields else ():
            for value in row:
                values = value if isinstance(value, list) else [value]
                found.update(v for v in values if isinstance(v, str) and v.strip())
    pieces = set()
    for text in found:
        pieces.add(text)
        # Long texts are shown clause by clause (requirements with their
        # preferences marked) and lists are shown item by item.
        pieces.update(p for p in re.split(r"[\n；;]", text) if p.strip())
    return sorted(pieces, key=len, reverse=True)


class Interface:
    """A page's interface text: its text and human-read attributes, without
    what is marked as Chinese (lang="zh-…", the postings' own words) and
    without the JSON-LD (data for crawlers)."""

    ATTRIBUTES = ("title", "alt", "aria-label", "placeholder", "content", "value")

    def __init__(self, html):
        self.texts = []
        document = parse_html(html, namespaceHTMLElements=False)
        self._walk(document)

    def _walk(self, element):
        if element.get("lang", "").lower().startswith("zh"):
            return
        if element.tag == "script" or element.tag == "style":
            return
        for name in self.ATTRIBUTES:
            if element.get(name):
                if name == "value" and element.get("type") not in (
                    "submit",
                    "button",
                    "reset",
                ):
                    continue
                self.texts.append(element.get(name))
        if element.text:
            self.texts.append(element.text)
        for child in element:
            self._walk(child)
            if child.tail:
                self.texts.append(child.tail)


def chinese_left(text, content):
    for piece in content:
        if piece in text:
            text = text.replace(piece, " ")
    return CJK.search(text) and text.strip()


def assert_english(html, content, where):
    leftover = []
    for text in Interface(html).texts:
        left = chinese_left(text, content)
        if left:
            leftover.append(left[:80])
    assert not leftover, f"{where}: Chinese outside posting content: {leftover[:15]}"


@pytest.fixture
def english_pages(seeded):
    with translation.override("en"):
        posting_pages = [
            posting.get_absolute_url()
            for posting in (
                Posting.objects.filter(institution__name__contains=name).first()
                for name in ("中国银行", "重庆银行", "消费金融")
            )
            if posting is not None
        ]
        institution = Institution.objects.filter(parent=None).first()
        department = Department.objects.first()
        pages = [
            reverse("postings:posting_list"),
            reverse("postings:posting_list")
            + "?province=北京&education=本科&experience=3&age=30",
            reverse("postings:posting_list") + "?q=经理&sort=newest",
            *posting_pages,
            reverse("postings:posting_insights"),
            reverse("postings:posting_insights") + "?province=北京",
            reverse("postings:situation"),
            reverse("postings:reference_index"),
            institution.get_absolute_url(),
            department.get_absolute_url(),
            reverse("postings:alert_manage_link"),
            reverse("postings:alert_subscribe") + "?province=北京",
        ]
        pages += [d.get_absolute_url() for d in DepartmentDescription.objects.all()[:1]]
        pages += [r.get_absolute_url() for r in RoleDescription.objects.all()[:1]]
    return pages


@pytest.mark.django_db
def test_english_pages_show_no_chinese_but_the_postings_own(client, english_pages):
    content = content_strings()
    for path in english_pages:
        assert path.startswith("/en/"), path
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Language"] == "en", path
        html = response.content.decode()
        assert '<html lang="en">' in html, path
        assert_english(html, content, path)


@pytest.mark.django_db
def test_english_error_pages_explain_in_english(client, seeded):
    content = content_strings()
    for path, status in (
        ("/en/postings/999999/", 404),
        ("/en/no-such-page/", 404),
        ("/en/?page=999", 404),
        ("/en/?age=abc", 400),
        ("/en/?education=研究生院", 400),
    ):
        response = client.get(path)
        assert response.status_code == status, path
        # A message may quote the value it refuses, as the visitor typed it.
        typed = [value for _, value in parse_qsl(urlsplit(path).query)]
        assert_english(response.content.decode(), [*typed, *content], path)


@pytest.mark.django_db
def test_every_page_links_to_itself_in_the_other_language(client, seeded):
    posting = Posting.objects.first()
    with translation.override("en"):
        english_url = posting.get_absolute_url()
    chinese_url = posting.get_absolute_url()
    assert english_url == f"/en{chinese_url}"
    for url, other in ((chinese_url, english_url), (english_url, chinese_url)):
        html = client.get(url + "?from=feed").content.decode()
        document = parse_html(html, namespaceHTMLElements=False)
        alternates = {
            link.get("hreflang"): link.get("href")
            for link in document.iter("link")
            if link.get("rel") == "alternate" and link.get("hreflang")
        }
        assert alternates == {
            "zh-Hans": f"http://testserver{chinese_url}?from=feed",
            "en": f"http://testserver{english_url}?from=feed",
            "x-default": f"http://testserver{chinese_url}?from=feed",
        }
        switch = [
            a.get("href")
            for a in document.iter("a")
            if a.get("rel") == "alternate" and a.get("hreflang")
        ]
        assert switch == [f"{other}?from=feed"]


@pytest.mark.django_db
def test_chinese_stays_the_default_whatever_the_browser_asks(client, seeded):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-Hans">' in response.content.decode()
