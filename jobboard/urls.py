from django.contrib import admin
from django.urls import include, path

from postings import sitemaps
from postings.caching import cache_public_page, sitemap_page
from postings.views import healthz, robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        cache_public_page(sitemaps.index, sitemap_page),
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        cache_public_page(sitemaps.section_page, sitemap_page),
        name="sitemap_section",
    ),
    path("api/v1/", include("postings.api.urls")),
    path("", include("postings.urls")),
]
