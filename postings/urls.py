from django.urls import path

from . import views

app_name = "postings"

urlpatterns = [
    path("", views.PostingListView.as_view(), name="posting_list"),
    path(
        "postings/<int:pk>/", views.PostingDetailView.as_view(), name="posting_detail"
    ),
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
    path("roles/<int:pk>/", views.RoleDetailView.as_view(), name="role_detail"),
    path(
        "department-descriptions/<int:pk>/",
        views.DepartmentDescriptionDetailView.as_view(),
        name="department_description_detail",
    ),
]
