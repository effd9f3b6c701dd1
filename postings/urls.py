from django.urls import path

from . import caching, views
from .alerts import views as alert_views
from .caching import cache_public_page
from .feeds import LatestPostingsFeed
from .situation import cache_unless_remembered

app_name = "postings"

urlpatterns = [
    path(
        "",
        # Outside the page cache, which would answer for the URL without them.
        # A candidate's remembered situation marks the cards: their page.
        views.without_empty_parameters(
            cache_unless_remembered(
                views.PostingListView.as_view(), caching.listing_page
            )
        ),
        name="posting_list",
    ),
    path(
        "postings/<int:pk>/",
        cache_unless_remembered(
            views.PostingDetailView.as_view(), caching.posting_page
        ),
        name="posting_detail",
    ),
    path(
        "insights/",
        cache_public_page(views.posting_insights, caching.listing_page),
        name="posting_insights",
    ),
    path("situation/", views.situation_view, name="situation"),
    path("export.<str:export_format>", views.posting_export, name="posting_export"),
    path(
        "feeds/postings.atom",
        cache_public_page(LatestPostingsFeed(), caching.listing_page),
        name="posting_feed",
    ),
    path(
        "institutions/<int:pk>/",
        cache_public_page(
            views.InstitutionDetailView.as_view(), caching.institution_page
        ),
        name="institution_detail",
    ),
    path(
        "departments/<int:pk>/",
        cache_public_page(
            views.DepartmentDetailView.as_view(), caching.department_page
        ),
        name="department_detail",
    ),
    path(
        "reference/",
        cache_public_page(views.ReferenceIndexView.as_view(), caching.reference_page),
        name="reference_index",
    ),
    path(
        "reference/roles/<int:pk>/",
        cache_public_page(views.RoleDetailView.as_view(), caching.role_page),
        name="role_detail",
    ),
    path(
        "reference/departments/<int:pk>/",
        cache_public_page(
            views.DepartmentDescriptionDetailView.as_view(), caching.reference_page
        ),
        name="department_description_detail",
    ),
    path("alerts/", alert_views.manage_link, name="alert_manage_link"),
    path("alerts/subscribe/", alert_views.subscribe, name="alert_subscribe"),
    path("alerts/subscribe/sent/", alert_views.sent, name="alert_sent"),
    path("alerts/confirm/<str:token>/", alert_views.confirm, name="alert_confirm"),
    path(
        "alerts/unsubscribe/<str:token>/",
        alert_views.unsubscribe,
        name="alert_unsubscribe",
    ),
    path("alerts/manage/<str:token>/", alert_views.manage, name="alert_manage"),
]
