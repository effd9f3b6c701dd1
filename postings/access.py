"""Who may work with which institution's data.

Django's permissions say what a staff user may do with a *model* (view,
change …); this module adds *where*: an HR editor or recruiter is bound to
one or more institutions (InstitutionAccess) and sees and changes only the
data of those institutions and the institutions below them. Superusers see
everything. The roles are groups created by a migration.
"""

from .models import Institution

EDITOR = "editor"
RECRUITER = "recruiter"
ROLE_GROUPS = {
    EDITOR: "HR 编辑",
    RECRUITER: "招聘专员",
}

# Models whose rows belong to an institution, with the lookup from the model
# to that institution (an empty path: the row is an institution).
INSTITUTION_PATHS = {
    "institution": "",
    "department": "institution",
    "posting": "institution",
    "duty": "posting__institution",
    "requirement": "posting__institution",
    "postinglocation": "posting__institution",
    "postingcertificate": "posting__institution",
}

_CACHE_ATTRIBUTE = "_institution_scope_ids"


def institution_ids(user):
    """Ids of the institutions ``user`` may work with, or None for all of them."""
    if user.is_superuser:
        return None
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        granted = user.institution_access.values_list("institution_id", flat=True)
        cached = frozenset(
            Institution.objects.with_descendants(list(granted)).values_list(
                "pk", flat=True
            )
        )
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def scoped(queryset, user, path):
    """``queryset`` narrowed to rows of the user's institutions."""
    allowed = institution_ids(user)
    if allowed is None:
        return queryset
    field = f"{path}__in" if path else "pk__in"
    return queryset.filter(**{field: allowed})


def institution_of(obj, path):
    """The institution id a row belongs to, following ``path``.

    The last step reads the foreign key's id, not the institution: a
    historical record may name an institution that has since been deleted.
    """
    if not path:
        return obj.pk
    *through, last = path.split("__")
    current = obj
    for part in through:
        current = getattr(current, part)
        if current is None:
            return None
    return getattr(current, f"{last}_id")


def may_access(user, obj, path):
    allowed = institution_ids(user)
    return allowed is None or institution_of(obj, path) in allowed
