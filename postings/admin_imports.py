"""The postings admin's bulk entry: upload a table, preview, confirm.

An upload is stored (PostingImport) and previewed at once; the preview's
address carries a signed token naming the stored upload, its SHA-256 and
the digest of the plan shown. Confirming applies that stored file, and only
while the token is younger than PREVIEW_MAX_AGE and the plan is still the
one shown (see postings.importers.plans). Also here: starting a posting
from a reference role description, and copying a posting as a draft.
"""

import datetime
import hashlib

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import exports, search
from .importers import plans, tables
from .models import (
    Duty,
    Posting,
    PostingCertificate,
    PostingImport,
    PostingImportRow,
    PostingLocation,
    Requirement,
    RoleDescription,
)

PREVIEW_MAX_AGE = datetime.timedelta(minutes=30)
ROWS_PER_PAGE = 50
_SALT = "postings.import-preview"


def preview_token(upload):
    return signing.dumps(
        {"upload": upload.pk, "sha256": upload.sha256, "digest": upload.digest},
        salt=_SALT,
    )


_PIECE = 256 * 1024


def store_upload(user, file_name, content):
    """A PostingImport holding ``content``.

    On PostgreSQL the bytes go in pieces, as binary parameters: one 10 MB
    parameter (hex-escaped, as Django binds them) costs several times the
    file's size in the worker's memory.
    """
    postgres = connection.vendor == "postgresql"
    upload = PostingImport.objects.create(
        user=user,
        file_name=file_name[-100:],
        content=b"" if postgres else content,
        sha256=hashlib.sha256(content).hexdigest(),
    )
    if postgres:
        table = PostingImport._meta.db_table
        with _server_cursor() as cursor:
            for start in range(0, len(content), _PIECE):
                cursor.execute(
                    f'UPDATE "{table}" SET content = content || %b WHERE id = %s',
                    [content[start : start + _PIECE], upload.pk],
                )
    return upload


def _server_cursor():
    """A psycopg cursor binding parameters on the server (Django's binds
    them into the query text), on Django's connection and transaction."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def upload_content(upload):
    """The stored file's bytes (read in pieces on PostgreSQL, see above)."""
    if connection.vendor != "postgresql":
        return bytes(
            PostingImport.objects.values_list("content", flat=True).get(pk=upload.pk)
        )
    table = PostingImport._meta.db_table
    pieces = []
    with _server_cursor() as cursor:
        cursor.execute(
            f'SELECT length(content) FROM "{table}" WHERE id = %s', [upload.pk]
        )
        (size,) = cursor.fetchone()
        for start in range(0, size, _PIECE):
            cursor.execute(
                f'SELECT substring(content FROM %s FOR %s) FROM "{table}" '
                "WHERE id = %s",
                [start + 1, _PIECE, upload.pk],
                binary=True,
            )
            pieces.append(cursor.fetchone()[0])
    return b"".join(pieces)


def preview(upload, user):
    """Read and plan the stored upload; store what each row would do."""
    upload.rows.all().delete()
    upload.file_error, upload.notes, upload.counts = "", [], {}
    try:
        table = tables.read(
            upload.file_name,
            upload_content(upload),
            header_names=plans.UPLOAD_HEADERS,
        )
        importer = plans.Importer(table, user=user)
        if importer.missing:
            raise tables.TableError(plans.missing_message(importer.missing))
        upload.kind = table.kind
        batch = []
        for plan in importer.plan():
            batch.append(
                PostingImportRow(
                    upload=upload,
                    number=plan.number,
                    outcome=plan.outcome,
                    posting_id=plan.posting_id,
                    title=plan.title[:200],
                    changes=plan.changes,
                    errors=plan.errors,
                )
            )
            if len(batch) == 1000:
                PostingImportRow.objects.bulk_create(batch)
                batch = []
        PostingImportRow.objects.bulk_create(batch)
        upload.notes = table.notes + [
            _("未识别的列“%(header)s”已忽略。") % {"header": header}
            for header in importer.ignored
        ]
        upload.counts = dict(importer.counts)
        upload.digest = importer.digest
    except tables.TableError as error:
        upload.rows.all().delete()
        upload.file_error = error.message
        upload.digest = ""
    upload.previewed_at = timezone.now()
    # Not the content: sending megabytes of it again would cost as much.
    upload.save(
        update_fields=[
            "kind",
            "notes",
            "counts",
            "file_error",
            "digest",
            "previewed_at",
        ]
    )
    return upload


class PostingImportAdminMixin:
    """Views mixed into PostingAdmin; their URLs come from import_urls()."""

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        context = {"may_import": self.has_import_permission(request)}
        context.update(extra_context or {})
        return super().changelist_view(request, extra_context=context)

    def import_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="postings_posting_import"),
            path(
                "import/template.xlsx",
                wrap(self.import_template_view),
                name="postings_posting_import_template",
            ),
            path(
                "import/<str:token>/",
                wrap(self.import_preview_view),
                name="postings_posting_import_preview",
            ),
            path(
                "import/<str:token>/again/",
                wrap(self.import_again_view),
                name="postings_posting_import_again",
            ),
            path(
                "from-role/",
                wrap(self.from_role_view),
                name="postings_posting_from_role",
            ),
            path(
                "<path:object_id>/copy/",
                wrap(self.copy_view),
                name="postings_posting_copy",
            ),
        ]

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "limits": tables.LIMITS_TEXT,
            "max_age_minutes": int(PREVIEW_MAX_AGE.total_seconds() // 60),
            **extra,
        }

    # --- Upload

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        errors = []
        if request.method == "POST":
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
            upload = request.FILES.get("file") if declared <= _BODY_LIMIT else None
            if declared > _BODY_LIMIT or (upload and upload.size > tables.MAX_BYTES):
                errors.append(
                    _(
                        "文件超过了 %(megabytes)s MB 的上限，"
                        "未读取。请把表格拆成几个文件分别导入。"
                    )
                    % {"megabytes": tables.MAX_BYTES // (1024 * 1024)}
                )
            elif upload is None:
                errors.append(_("请选择要导入的文件。"))
            else:
                stored = self._store(request, upload)
                preview(stored, request.user)
                token = preview_token(stored)
                return HttpResponseRedirect(
                    reverse("admin:postings_posting_import_preview", args=[token])
                )
        context = self._context(
            request,
            title=_("导入招聘表"),
            errors=errors,
            template_columns=plans.template_columns(),
            read_only=[plans.HEADERS[key] for key in sorted(plans.READ_ONLY)],
            recent=PostingImport.objects.filter(
                user=request.user, applied_at__isnull=False
            )[:10],
        )
        status = 400 if errors else 200
        return render(
            request, "admin/postings/posting/import_form.html", context, status=status
        )

    def _store(self, request, upload):
        # Previews that can no longer be confirmed are kept no longer.
        PostingImport.objects.filter(
            applied_at__isnull=True,
            created_at__lt=timezone.now() - PREVIEW_MAX_AGE * 2,
        ).delete()
        name = (upload.name or "upload").replace("/", "_").replace("\\", "_")
        return store_upload(request.user, name, upload.read())

    def import_template_view(self, request):
        """An empty table in the upload's columns: the admin export's header."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        handle = exports.xlsx_file(iter(()), internal=True)
        response = FileResponse(handle, content_type=exports.FORMATS["xlsx"])
        response["Content-Disposition"] = exports.content_disposition(
            _("招聘表导入模板.xlsx")
        )
        return response

    # --- Preview and confirm

    def _upload_for(self, request, token, *, fresh):
        """The stored upload a token names, or an error message."""
        try:
            payload = signing.loads(
                token,
                salt=_SALT,
                max_age=PREVIEW_MAX_AGE if fresh else None,
            )
        except signing.SignatureExpired:
            return None, "expired"
        except signing.BadSignature:
            return None, "invalid"
        upload = (
            PostingImport.objects.defer("content")
            .filter(pk=payload.get("upload"), user=request.user)
            .first()
        )
        if upload is None or upload.sha256 != payload.get("sha256"):
            return None, "invalid"
        if upload.digest != payload.get("digest"):
            return None, "replaced"
        return upload, ""

    def import_preview_view(self, request, token):
        if not self.has_import_permission(request):
            raise PermissionDenied
        upload, problem = self._upload_for(request, token, fresh=False)
        if upload is None:
            return self._import_problem(request, problem)
        expired = self._upload_for(request, token, fresh=True)[1] == "expired"
        if request.method == "POST" and upload.applied_at is None:
            if expired:
                messages.warning(
                    request,
                    _("预览已超过 %(minutes)s 分钟，请重新预览后再确认。")
                    % {"minutes": self._context(request)["max_age_minutes"]},
                )
            else:
                applied = self._apply(request, upload, token)
                if applied:
                    return HttpResponseRedirect(request.path)
        rows = upload.rows.all()
        outcome = request.GET.get("outcome", "")
        if outcome in PostingImportRow.Outcome.values:
            rows = rows.filter(outcome=outcome)
        elif upload.counts.get("error"):
            outcome, rows = "error", rows.filter(outcome="error")
        else:
            rows = rows.exclude(outcome="unchanged")
        page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
        counts = upload.counts
        context = self._context(
            request,
            title=_("导入预览：%(file)s") % {"file": upload.file_name},
            upload=upload,
            token=token,
            page=page,
            outcome=outcome,
            outcomes=[
                (value, label, counts.get(value, 0))
                for value, label in PostingImportRow.Outcome.choices
            ],
            expired=expired,
            may_apply=(
                not upload.file_error
                and not counts.get("error")
                and (counts.get("new") or counts.get("changed"))
                and upload.applied_at is None
            ),
            kind_label={
                "xlsx": _("Excel 工作簿"),
                "csv": _("CSV 文件"),
                "boc": _("中国银行招聘表（文本）"),
            }.get(upload.kind, ""),
        )
        return render(request, "admin/postings/posting/import_preview.html", context)

    def _apply(self, request, upload, token):
        try:
            table = tables.read(
                upload.file_name,
                upload_content(upload),
                header_names=plans.UPLOAD_HEADERS,
            )
            with transaction.atomic():
                summary = plans.Importer(table, user=request.user).apply(
                    expected_digest=upload.digest
                )
                for number, pk in summary.created.items():
                    upload.rows.filter(number=number).update(posting_id=pk)
                upload.applied_at = timezone.now()
                upload.save(update_fields=["applied_at"])
        except (tables.TableError, plans.ImportRefused) as error:
            messages.error(request, getattr(error, "message", None) or error.args[0])
            return False
        counts = summary.counts
        messages.success(
            request,
            _(
                "已导入“%(file)s”：新建 %(new)s 个、修改 "
                "%(changed)s 个、未变 %(unchanged)s 个岗位。"
            )
            % {
                "file": upload.file_name,
                "new": counts["new"],
                "changed": counts["changed"],
                "unchanged": counts["unchanged"],
            },
        )
        return True

    def import_again_view(self, request, token):
        """Preview the same stored file again (after expiry or a refusal)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        upload, problem = self._upload_for(request, token, fresh=False)
        if upload is None or request.method != "POST":
            return self._import_problem(request, problem or "invalid")
        if upload.applied_at is not None:
            return HttpResponseRedirect(
                reverse("admin:postings_posting_import_preview", args=[token])
            )
        preview(upload, request.user)
        return HttpResponseRedirect(
            reverse(
                "admin:postings_posting_import_preview", args=[preview_token(upload)]
            )
        )

    def _import_problem(self, request, problem):
        message = {
            "expired": _("预览已过期，请重新上传。"),
            "replaced": _("这份预览已被更新的预览取代，请使用最新的预览页面。"),
        }.get(
            problem,
            _("预览链接无效（可能被修改过，或属于其他用户）。请重新上传文件。"),
        )
        context = self._context(request, title=_("无法确认导入"), message=message)
        return render(
            request,
            "admin/postings/posting/import_problem.html",
            context,
            status=400,
        )

    # --- New postings from a role description, or as a copy

    def from_role_view(self, request):
        """Pick a reference role description to start a posting from."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        roles = RoleDescription.objects.all()
        context = self._context(request, title=_("从岗位说明新建"), roles=roles)
        return render(request, "admin/postings/posting/from_role.html", context)

    def copy_view(self, request, object_id):
        """Confirm (GET) and make (POST) a draft copy, items included."""
        original = self.get_object(request, object_id)
        if original is None:
            raise PermissionDenied
        if not (
            self.has_add_permission(request)
            and self.has_view_permission(request, original)
        ):
            raise PermissionDenied
        if request.method == "POST":
            posting = copy_as_draft(original)
            messages.success(
                request,
                _("已复制为新岗位（草稿）：“%(posting)s”。请修改后发布。")
                % {"posting": posting},
            )
            return HttpResponseRedirect(
                reverse("admin:postings_posting_change", args=[posting.pk])
            )
        context = self._context(
            request,
            title=_("复制“%(posting)s”") % {"posting": original},
            original=original,
        )
        return render(request, "admin/postings/posting/copy_confirm.html", context)


# A multipart body carries a little more than the file itself.
_BODY_LIMIT = tables.MAX_BYTES + 64 * 1024


@transaction.atomic
def copy_as_draft(original):
    """A new draft with the original's fields and items; the provenance, the
    dates and the workflow state are the copy's own."""
    copy = Posting.objects.get(pk=original.pk)
    copy.pk = copy.id = None
    copy._state.adding = True
    copy.status = Posting.Status.DRAFT
    copy.published_on = copy.closes_on = None
    copy.source_document, copy.source_row, copy.source_lines = "", None, ""
    copy.source_name = ""
    copy.is_generated = False
    copy._change_reason = _("复制自岗位 %(id)s") % {"id": original.pk}
    copy.save()
    for model in (Duty, Requirement, PostingLocation, PostingCertificate):
        for item in model.objects.filter(posting=original):
            item.pk = None
            item._state.adding = True
            item.posting = copy
            item._change_reason = copy._change_reason
            item.save()
    search.index_posting(copy)
    return copy
