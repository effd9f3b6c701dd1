from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, ListView

from .models import (
    Department,
    DepartmentDescription,
    Institution,
    Posting,
    RoleDescription,
)


@never_cache
def healthz(request):
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return JsonResponse(
            {"status": "unavailable", "database": str(error)[:200]}, status=503
        )
    return JsonResponse({"status": "ok"})


class PostingListView(ListView):
    paginate_by = 20

    def get_queryset(self):
        return Posting.objects.open_now().for_listing()


class PostingDetailView(DetailView):
    def get_queryset(self):
        return Posting.objects.public().select_related(
            "institution__parent", "department"
        )


class InstitutionDetailView(DetailView):
    model = Institution


class DepartmentDetailView(DetailView):
    model = Department


class RoleDetailView(DetailView):
    model = RoleDescription


class DepartmentDescriptionDetailView(DetailView):
    model = DepartmentDescription
