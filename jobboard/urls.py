from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.staticfiles.storage import staticfiles_storage
from django.urls import include, path
from django.views.generic import RedirectView

from postings import sitemaps
from postings.caching import cache_public_page, sitemap_page
from postings.views import healthz, robots_txt


class FaviconRedirect(RedirectView):
    """/favicon.ico, which browsers and feed readers ask for whatever a page's
    <link rel="icon"> says: the site's icon, at its static (hashed) URL."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return staticfiles_storage.url("postings/favicon.svg")


# Outside the language prefix: machine-read, one language.
urlpatterns = [
    path("favicon.ico", FaviconRedirect.as_view(), name="favicon"),
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
]

# People's pages: Chinese at /, English under /en/. The language is in the
# path, not in a cookie or Accept-Language, so every URL is one page in one
# language: links can be shared, and the page cache (keyed by path) serves
# each language its own copy.
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("postings.urls")),
    prefix_default_language=False,
)
