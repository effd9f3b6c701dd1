from django.urls import path, re_path

from . import views

app_name = "api"

urlpatterns = [
    path("", views.RootView.as_view(), name="root"),
    path("postings/", views.PostingListView.as_view(), name="posting_list"),
    path(
        "postings/<int:pk>/",
        views.PostingDetailView.as_view(),
        name="posting_detail",
    ),
    path("facets/", views.FacetsView.as_view(), name="posting_facets"),
    path("institutions/", views.InstitutionListView.as_view(), name="institution_list"),
    path(
        "institutions/<int:pk>/",
        views.InstitutionDetailView.as_view(),
        name="institution_detail",
    ),
    path("departments/", views.DepartmentListView.as_view(), name="department_list"),
    path(
        "departments/<int:pk>/",
        views.DepartmentDetailView.as_view(),
        name="department_detail",
    ),
    path("openapi.json", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(), name="docs"),
    # Last: everything else under /api/v1/ is a JSON 404.
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not_found"),
]
