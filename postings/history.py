"""Restoring a posting, with its items, to an earlier version.

Every change to a posting and to its duties, requirements, locations and
certificates is recorded by django-simple-history (one history table per
model). A version of a posting is therefore "the posting row and its item
rows as they were at a point in time"; restoring writes that state back, as
a new change, so the restore itself is recorded and can be undone the same
way. A deleted posting is restored from the state it had when deleted.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import search
from .models import Duty, Posting, PostingCertificate, PostingLocation, Requirement

ITEM_MODELS = [
    (Duty, gettext_lazy("岗位职责")),
    (Requirement, gettext_lazy("任职要求")),
    (PostingLocation, gettext_lazy("工作地点")),
    (PostingCertificate, gettext_lazy("资格证书")),
]

# Deleting a posting deletes its items first, in the same request: item
# deletions this close before the posting's are part of that deletion.
CASCADE_WINDOW = datetime.timedelta(seconds=10)


@dataclass(frozen=True)
class ItemChange:
    """One change to one of a posting's items, for the history page."""

    when: datetime.datetime
    user: object
    kind: str
    model_label: str
    history_type: str
    text: str


def item_changes(posting_id):
    """Every recorded change to the posting's items, newest first."""
    changes = []
    for model, label in ITEM_MODELS:
        records = model.history.filter(posting_id=posting_id).select_related(
            "history_user"
        )
        for record in records:
            changes.append(
                ItemChange(
                    when=record.history_date,
                    user=record.history_user,
                    kind=label,
                    model_label=model._meta.model_name,
                    history_type=record.get_history_type_display(),
                    text=_describe(record),
                )
            )
    return sorted(changes, key=lambda change: change.when, reverse=True)


def _describe(record):
    if hasattr(record, "text"):
        return f"{record.position}. {record.text}"
    if hasattr(record, "location_id"):
        return (
            str(record.location)
            if record.location
            else _("地点 #%(id)s") % {"id": record.location_id}
        )
    return (
        str(record.certificate)
        if record.certificate
        else _("证书 #%(id)s") % {"id": record.certificate_id}
    )


def deleted_postings():
    """The last record of every posting that is deleted now, newest first."""
    existing = Posting.objects.values("pk")
    return (
        Posting.history.filter(history_type="-")
        .exclude(id__in=existing)
        .select_related("institution", "history_user")
        .order_by("-history_date")
    )


def _items_as_of(model, posting_id, moment, cascade_from=None):
    """The item rows of a posting as they were at ``moment``.

    With ``cascade_from`` (a deletion of the posting), items deleted by that
    same deletion count as present, in the state they were deleted in.
    """
    latest = {}
    records = model.history.filter(
        posting_id=posting_id, history_date__lte=moment
    ).order_by("history_date", "history_id")
    for record in records:
        latest[record.id] = record
    kept = []
    for record in latest.values():
        deleted = record.history_type == "-"
        in_cascade = (
            cascade_from is not None
            and cascade_from - CASCADE_WINDOW <= record.history_date <= cascade_from
        )
        if not deleted or in_cascade:
            kept.append(record.instance)
    return kept


@transaction.atomic
def restore(version, *, reason):
    """Write the posting and its items back as they were in ``version``.

    ``version`` is a historical record of a posting; a deletion record
    restores the posting as it was when deleted. Returns the posting.
    """
    posting = version.instance
    posting._state.adding = not Posting.objects.filter(pk=posting.pk).exists()
    for field, model_name in (
        ("institution_id", gettext_lazy("招聘机构")),
        ("department_id", gettext_lazy("招聘部门")),
    ):
        related = getattr(posting, field)
        if related is not None and not _exists(field, related):
            raise ValidationError(
                _("无法恢复：该版本的%(what)s已被删除，请先恢复或重新创建它。")
                % {"what": model_name},
                code="related_gone",
            )
    moment, cascade_from = _items_moment(version)
    posting._change_reason = reason
    posting.full_clean(validate_unique=False, validate_constraints=False)
    posting.save()

    for model, _label in ITEM_MODELS:
        wanted = _items_as_of(model, posting.pk, moment, cascade_from)
        current = list(model.objects.filter(posting_id=posting.pk))
        for item in current:
            item._change_reason = reason
            item.delete()
        for item in sorted(wanted, key=lambda i: (getattr(i, "position", 0), i.pk)):
            item._state.adding = True
            item._change_reason = reason
            item.save(force_insert=True)
    posting.refresh_from_db()
    search.index_posting(posting)
    return posting


def _items_moment(version):
    """When to read the items of ``version``, and a deletion to see through.

    The admin saves a posting first and its items a moment later, so the
    items of a version are those in place until the posting's next version
    (or now). A deletion deletes the items just before the posting.
    """
    if version.history_type == "-":
        return version.history_date, version.history_date
    following = (
        Posting.history.filter(id=version.id, history_date__gt=version.history_date)
        .order_by("history_date", "history_id")
        .first()
    )
    if following is None:
        return timezone.now(), None
    cascade_from = following.history_date if following.history_type == "-" else None
    return following.history_date - datetime.timedelta(microseconds=1), cascade_from


def _exists(field, pk):
    from .models import Department, Institution

    model = Institution if field == "institution_id" else Department
    return model.objects.filter(pk=pk).exists()


def restore_reason(version):
    stamp = timezone.localtime(version.history_date).strftime("%Y-%m-%d %H:%M:%S")
    if version.history_type == "-":
        return _("恢复已删除的岗位（删除于 %(time)s）") % {"time": stamp}
    return _("恢复到 %(time)s 的版本") % {"time": stamp}
