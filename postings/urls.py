from django.urls import path

from . import views
from .caching import cache_public_page
from .feeds import LatestPostingsFeed
from .situation import cache_unless_remembered

app_name = "postings"

urlpatterns = [
    path("", cache_public_page(views.posting_list), name="posting_list"),
    path(
        "postings/<int:pk>/",
        cache_unless_remembered(views.PostingDetailView.as_view()),
        name="posting_detail",
    ),
    path(
        "insights/", cache_public_page(views.posting_insights), name="posting_insights"
    ),
    path("situation/", views.situation_view, name="situation"),
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
]
