"""Sitemaps for search engines: /sitemap.xml, the index, lists the pages of
each section (open postings, institutions, reference pages, the two lists).

Cheap at a million postings. django.contrib.sitemaps builds a model instance,
a reverse() and a pass of the template engine for every URL, and its index
reads every posting for the newest date: seconds per page at 100,000
postings. Here

- a page is one query of plain values (the postings' id and the date of
  their last change), written out as XML by string formatting;
- the postings section is paged by the board's ids of open postings (as the
  listing counts them): no COUNT and no OFFSET, and a page reads one range
  of ids, so page 100 costs what page 1 does;
- pages are cached by postings.caching until a change could alter them
  (see caching.SitemapDependency).

PAGE_SIZE stays well under the protocol's 50,000 URLs a file: a page is
rebuilt in tens of milliseconds after a change, and a million postings make
100 pages, a short index.
"""

from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.db.models.functions import TruncDate
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import board
from .models import DepartmentDescription, Institution, Posting, RoleDescription

PAGE_SIZE = 10_000
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _pattern(name):
    """A URL with an id slot: "/postings/{}/" for "postings:posting_detail"."""
    return reverse(name, kwargs={"pk": 0}).replace("/0/", "/{}/")


@dataclass(frozen=True)
class Section:
    changefreq: str
    priority: str

    def page_count(self, request):
        return max(1, -(-self.size(request) // PAGE_SIZE))

    def size(self, request):
        raise NotImplementedError

    def entries(self, request, page):
        """(path, last change as a date or None) of one page's URLs."""
        raise NotImplementedError


class StaticSection(Section):
    names = ("postings:posting_list", "postings:reference_index")

    def size(self, request):
        return len(self.names)

    def entries(self, request, page):
        return [(reverse(name), None) for name in self.names]


class PostingSection(Section):
    """Open postings only: a closed posting keeps its page but is noindex."""

    def _open_ids(self, request):
        ids = getattr(request, "_open_posting_ids", None)
        if ids is None:
            current = board.for_request(request)
            ids = request._open_posting_ids = current.open_ids(timezone.localdate())
        return ids

    def size(self, request):
        return len(self._open_ids(request))

    def entries(self, request, page):
        ids = self._open_ids(request)[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        if not len(ids):
            return []
        pattern = _pattern("postings:posting_detail")
        # The local date of the last change, from the database: a date is
        # much cheaper to read than a timestamp with its time zone.
        rows = (
            Posting.objects.open_now()
            .filter(pk__range=(int(ids[0]), int(ids[-1])))
            .order_by("pk")
            .values_list("pk", TruncDate("updated_at"))
        )
        return [(pattern.format(pk), changed) for pk, changed in rows]


class InstitutionSection(Section):
    def size(self, request):
        return Institution.objects.count()

    def entries(self, request, page):
        pattern = _pattern("postings:institution_detail")
        ids = Institution.objects.order_by("pk").values_list("pk", flat=True)
        return [
            (pattern.format(pk), None)
            for pk in ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        ]


class ReferenceSection(Section):
    # Reference texts number in the dozens: one page.
    def size(self, request):
        return 1

    def entries(self, request, page):
        roles = _pattern("postings:role_detail")
        departments = _pattern("postings:department_description_detail")
        return [
            *(
                (roles.format(pk), None)
                for pk in RoleDescription.objects.order_by("pk").values_list(
                    "pk", flat=True
                )
            ),
            *(
                (departments.format(pk), None)
                for pk in DepartmentDescription.objects.order_by("pk").values_list(
                    "pk", flat=True
                )
            ),
        ]


SECTIONS = {
    "static": StaticSection(changefreq="hourly", priority="1.0"),
    "postings": PostingSection(changefreq="daily", priority="0.8"),
    "institutions": InstitutionSection(changefreq="weekly", priority="0.5"),
    "reference": ReferenceSection(changefreq="monthly", priority="0.3"),
}


def _xml(root, body):
    response = HttpResponse(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NAMESPACE}">\n'
        f"{body}</{root}>\n",
        content_type="application/xml",
    )
    # The sitemap itself is for crawlers, not for search results.
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    return response


@require_safe
def index(request):
    """Every page of every section."""
    base = request.build_absolute_uri("/").rstrip("/")
    locations = []
    for name, section in SECTIONS.items():
        url = escape(base + reverse("sitemap_section", kwargs={"section": name}))
        locations.append(url)
        pages = range(2, section.page_count(request) + 1)
        locations += [f"{url}?p={page}" for page in pages]
    body = "".join(f"<sitemap><loc>{url}</loc></sitemap>\n" for url in locations)
    return _xml("sitemapindex", body)


@require_safe
def section_page(request, section):
    """One page (``?p=``, from 1) of a section."""
    chosen = SECTIONS.get(section)
    page = request.GET.get("p", "1")
    if chosen is None or not page.isdigit() or int(page) < 1:
        raise Http404(_("没有这个站点地图。"))
    page = int(page)
    if page > chosen.page_count(request):
        raise Http404(_("站点地图没有这一页。"))
    base = escape(request.build_absolute_uri("/").rstrip("/"))
    tail = (
        f"<changefreq>{chosen.changefreq}</changefreq>"
        f"<priority>{chosen.priority}</priority></url>\n"
    )
    body = "".join(
        f"<url><loc>{base}{path}</loc>"
        + (f"<lastmod>{changed.isoformat()}</lastmod>" if changed else "")
        + tail
        for path, changed in chosen.entries(request, page)
    )
    return _xml("urlset", body)
