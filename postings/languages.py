"""The page in each interface language: for the language switch and the
hreflang alternates every page carries.

The language is the URL's prefix (none for Chinese, /en/ for English), so
the same page in another language is the same view reversed under that
language, with the same query string.
"""

from dataclasses import dataclass

from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import pgettext

# What a page's <html lang> and hreflang say: BCP 47 tags, not Django's codes.
HTML_LANG = {"zh-hans": "zh-Hans", "en": "en"}
# The language the postings' own content (titles, duties, names) is in.
CONTENT_LANG = "zh-Hans"


@dataclass(frozen=True)
class Alternate:
    code: str  # Django's language code
    name: str  # the language's name in itself: a switch reads 简体中文 / English
    hreflang: str
    url: str  # path and query
    is_current: bool


def path_in(language, request):
    """``request``'s page in ``language``: its path and query string.

    A path no view answers (a 404 page) maps to that language's home page.
    """
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    with translation.override(language):
        if match is None or match.url_name is None:
            return reverse("postings:posting_list")
        path = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
    query = request.META.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


def alternates(request):
    current = translation.get_language()
    return [
        Alternate(
            code=code,
            name=name,
            hreflang=HTML_LANG.get(code, code),
            url=path_in(code, request),
            is_current=code == current,
        )
        for code, name in settings.LANGUAGES
    ]


def html_lang():
    return HTML_LANG.get(translation.get_language(), translation.get_language())


def join_list(items):
    """A list in a sentence: "喀什市、疏勒县" in Chinese, "Kashgar, Shule" in
    English."""
    return pgettext("list separator", "、").join(str(item) for item in items)
