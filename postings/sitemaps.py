from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import DepartmentDescription, Institution, Posting, RoleDescription


class PostingSitemap(Sitemap):
    """Open postings only: a closed posting keeps its page but is noindex."""

    changefreq = "daily"
    priority = 0.8
    limit = 10000

    def items(self):
        return Posting.objects.open_now().only("pk", "updated_at").order_by("pk")

    def lastmod(self, posting):
        return posting.updated_at


class InstitutionSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return Institution.objects.order_by("pk")


class ReferenceSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.3

    def items(self):
        return [
            *RoleDescription.objects.order_by("pk"),
            *DepartmentDescription.objects.order_by("pk"),
        ]


class StaticSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self):
        return ["postings:posting_list", "postings:reference_index"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "static": StaticSitemap,
    "postings": PostingSitemap,
    "institutions": InstitutionSitemap,
    "reference": ReferenceSitemap,
}
