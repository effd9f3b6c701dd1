from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from postings.sitemaps import SITEMAPS
from postings.views import healthz, robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("api/v1/", include("postings.api.urls")),
    path("", include("postings.urls")),
]
