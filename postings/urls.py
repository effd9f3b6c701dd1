from django.urls import path

from . import views
from .alerts import views as alert_views
from .caching import cache_public_page
from .feeds import LatestPostingsFeed

app_name = "postings"

urlpatterns = [
    path("", cache_public_page(views.posting_list), name="posting_list"),
    path(
        "postings/<int:pk>/",
        cache_public_page(views.PostingDetailView.as_view()),
        name="posting_detail",
    ),
    path("export.<str:export_format>", views.posting_export, name="posting_export"),
    path("feeds/postings.atom", LatestPostingsFeed(), name="posting_feed"),
    path(
        "institutions/<int:pk>/",
        views.InstitutionDetailView.as_view(),
        name="institution_detail",
    ),
    path(
        "departments/<int:pk>/",
        views.DepartmentDetailView.as_view(),
        name="department_detail",
    ),
    path("reference/", views.ReferenceIndexView.as_view(), name="reference_index"),
    path(
        "reference/roles/<int:pk>/", views.RoleDetailView.as_view(), name="role_detail"
    ),
    path(
        "reference/departments/<int:pk>/",
        views.DepartmentDescriptionDetailView.as_view(),
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
