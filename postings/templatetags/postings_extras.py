from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext

from postings import languages, search
from postings.importers.facts import clauses, is_preference_clause

register = template.Library()


@register.filter
def mark_preferences(text):
    """Wrap the "…者优先" clauses of a requirement in <mark class="preferred">.

    A requirement such as "大学本科及以上学历，…证书者优先" states a condition
    and a preference; candidates should see at a glance which part is which.
    """
    preferred = {clause for clause in clauses(text) if is_preference_clause(clause)}
    if not preferred:
        return escape(text)
    pieces, position = [], 0
    for clause in clauses(text):
        start = text.find(clause, position)
        if start < 0:
            continue
        pieces.append(escape(text[position:start]))
        if clause in preferred:
            pieces.append(format_html('<mark class="preferred">{}</mark>', clause))
        else:
            pieces.append(escape(clause))
        position = start + len(clause)
    pieces.append(escape(text[position:]))
    return mark_safe("".join(str(piece) for piece in pieces))


@register.filter
def thousands(number):
    """12345 -> "12,345" (humanize's intcomma follows the locale's grouping)."""
    return f"{number:,}" if isinstance(number, int) else number


@register.filter
def first_locations(locations, limit=4):
    """ "喀什市、疏勒县、巴楚县、图木舒克市 等 22 地" for a long list."""
    names = [location.name for location in locations]
    if len(names) <= limit:
        return languages.join_list(names)
    return ngettext(
        "%(names)s 等 %(count)s 地", "%(names)s 等 %(count)s 地", len(names)
    ) % {"names": languages.join_list(names[:limit]), "count": len(names)}


@register.filter
def join_list(items):
    """Items in a sentence: "、" between them in Chinese, ", " in English."""
    return languages.join_list(items)


@register.simple_tag
def grouped_requirements(requirements):
    """Requirements grouped under their section headings, in order."""
    groups = []
    for requirement in requirements:
        if not groups or groups[-1][0] != requirement.section:
            groups.append((requirement.section, []))
        groups[-1][1].append(requirement)
    return groups


@register.filter
def highlight(text, terms):
    """Wrap the search terms found in ``text`` in <mark>, matching as the
    search does: width and case folded, so "java" marks "Ｊａｖａ"."""
    text = str(text)
    if not terms or not text:
        return escape(text)
    folded, origin = [], []
    for index, character in enumerate(text):
        normal = search.normalize(character)
        folded.append(normal)
        origin.extend([index] * len(normal))
    folded = "".join(folded)
    marked = [False] * len(text)
    for term in terms:
        start = folded.find(term)
        while start >= 0:
            for position in range(start, start + len(term)):
                marked[origin[position]] = True
            start = folded.find(term, start + 1)
    pieces, run_start = [], 0
    for index in range(1, len(text) + 1):
        if index == len(text) or marked[index] != marked[run_start]:
            run = escape(text[run_start:index])
            pieces.append(
                format_html("<mark>{}</mark>", run) if marked[run_start] else run
            )
            run_start = index
    return mark_safe("".join(str(piece) for piece in pieces))


@register.simple_tag(takes_context=True)
def highlighted(context, text):
    """``text`` with the page's search terms marked, if it has any."""
    return highlight(text, context.get("terms") or [])


@register.simple_tag(takes_context=True)
def language_alternates(context):
    """This page in every interface language (postings.languages.Alternate)."""
    return languages.alternates(context["request"])


@register.simple_tag
def html_lang():
    """The current language as <html lang> wants it: zh-Hans, en."""
    return languages.html_lang()


@register.simple_tag
def content_lang():
    """' lang="zh-Hans"' on an element holding the postings' own words, when
    the interface is in another language (so screen readers read it as
    Chinese); nothing when the page is Chinese already."""
    if languages.html_lang() == languages.CONTENT_LANG:
        return ""
    return format_html(' lang="{}"', languages.CONTENT_LANG)


@register.simple_tag
def interface_lang():
    """' lang="en"' on interface words inside an element content_lang marks."""
    if languages.html_lang() == languages.CONTENT_LANG:
        return ""
    return format_html(' lang="{}"', languages.html_lang())
