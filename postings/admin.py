"""The HR admin: Chinese, scoped per institution, with history and exports.

Who may do what: superusers everything; HR editors add and change the
postings, departments and items of their institutions (and those below);
recruiters view and export them. The scope lives in the few hooks of
InstitutionScopedAdmin; see postings.access.
"""

import json
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import models
from django.db.models import Count, Max
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from . import access, exports, history, search
from .admin_imports import PostingImportAdminMixin, copy_as_draft
from .models import (
    AlertDelivery,
    AlertMail,
    AlertSubscription,
    Certificate,
    Department,
    DepartmentDescription,
    Duty,
    Institution,
    InstitutionAccess,
    Location,
    Posting,
    PostingCertificate,
    PostingLocation,
    Province,
    Requirement,
    RoleDescription,
    RoleDescriptionItem,
)

admin.site.site_header = gettext_lazy("银行招聘岗位管理")
admin.site.site_title = gettext_lazy("银行招聘岗位管理")
admin.site.index_title = gettext_lazy("招聘数据")

PROVENANCE_FIELDS = ("source_name", "source_document", "source_row", "source_lines")


class InstitutionScopedAdmin(SimpleHistoryAdmin):
    """Rows of other institutions are invisible, unchangeable and unpickable."""

    # The lookup from this admin's model to its institution ("" for Institution).
    institution_path = "institution"
    # A typed "www.boc.cn" means the https site (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return access.scoped(queryset, request.user, self.institution_path)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and self._exists(object_id):
            # It exists, but not for this user: answer as if it did not.
            raise Http404
        return obj

    def _exists(self, object_id):
        try:
            return self.model._default_manager.filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            return False  # not an id at all (/admin/postings/posting/abc/change/)

    def recorded_version(self, object_id, version_id):
        """The row's historical record ``version_id``, or 404."""
        try:
            return self.model.history.get(id=unquote(object_id), history_id=version_id)
        except (ObjectDoesNotExist, ValueError, ValidationError):
            raise Http404 from None

    def _in_scope(self, request, obj):
        return obj is None or access.may_access(
            request.user, obj, self.institution_path
        )

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(
            request, obj
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(
            request, obj
        )

    # --- History: the list of versions, and one version read only

    def history_view(self, request, object_id, extra_context=None):
        self.pk_or_404(object_id)
        self.get_object(request, object_id)  # another institution's row: 404
        return super().history_view(request, object_id, extra_context)

    def pk_or_404(self, object_id):
        try:
            return self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404 from None

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One recorded version, read only, for whoever may view the row.

        django-simple-history's version page is also a form that saves
        whatever is posted to it (SIMPLE_HISTORY_REVERT_DISABLED only hides
        its button), which would let a recruiter, or anyone bypassing the
        change form's inlines and checks, change a row. So it only shows the
        version: a POST is refused, and a posting's versions are restored by
        PostingAdmin.restore_view, with their items.
        """
        version = self.recorded_version(object_id, version_id)
        # Both the row as it is now and the version must be the user's.
        self.get_object(request, object_id)
        if not self._in_scope(request, version.instance):
            raise Http404
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        obj = version.instance
        fieldsets = self.get_fieldsets(request, obj)
        form = self.get_form(request, obj, change=True, fields=())(instance=obj)
        read_only = helpers.AdminForm(
            form,
            fieldsets,
            {},
            readonly_fields=flatten_fieldsets(fieldsets),
            model_admin=self,
        )
        context = {
            "adminform": read_only,
            "has_add_permission": False,
            "has_change_permission": False,
            "has_delete_permission": False,
            **(extra_context or {}),
        }
        return super().history_form_view(request, object_id, version_id, context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # The choices in forms are the user's institutions and their departments,
        # which also makes a tampered POST for another institution invalid.
        if db_field.related_model is Institution:
            kwargs["queryset"] = access.scoped(
                Institution.objects.all(), request.user, ""
            )
        elif db_field.related_model is Department:
            kwargs["queryset"] = access.scoped(
                Department.objects.select_related("institution"),
                request.user,
                "institution",
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Institution)
class InstitutionAdmin(InstitutionScopedAdmin):
    institution_path = ""
    list_display = ("name", "parent", "posting_count", "source_document")
    list_select_related = ("parent__parent",)
    list_filter = (("parent", admin.EmptyFieldListFilter),)
    search_fields = ("name", "parent__name")
    autocomplete_fields = ("parent", "seat")
    readonly_fields = PROVENANCE_FIELDS
    fieldsets = (
        (None, {"fields": ("name", "parent", "description", "note")}),
        (
            gettext_lazy("网站与所在地"),
            {"fields": ("website", "seat", "seat_evidence")},
        ),
        (gettext_lazy("来源"), {"fields": PROVENANCE_FIELDS, "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        # An aggregate drops the model's default ordering; keep it for paging.
        queryset = (
            super().get_queryset(request).annotate(num_postings=Count("postings"))
        )
        return queryset.order_by(*Institution._meta.ordering)

    def get_readonly_fields(self, request, obj=None):
        # Only superusers reorganise the hierarchy: an HR editor must not be
        # able to lift a branch out from under its employer.
        if request.user.is_superuser:
            return self.readonly_fields
        return (*self.readonly_fields, "parent")

    @admin.display(description=gettext_lazy("岗位数"), ordering="num_postings")
    def posting_count(self, obj):
        return obj.num_postings


@admin.register(Department)
class DepartmentAdmin(InstitutionScopedAdmin):
    list_display = ("name", "institution", "source_document")
    list_select_related = ("institution__parent",)
    list_filter = (("institution", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "institution__name")
    autocomplete_fields = ("institution",)
    readonly_fields = PROVENANCE_FIELDS
    fieldsets = (
        (None, {"fields": ("institution", "name", "description")}),
        (gettext_lazy("来源"), {"fields": PROVENANCE_FIELDS, "classes": ("collapse",)}),
    )


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("name", "province")
    list_filter = ("province",)
    search_fields = ("name", "province")


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("name", "full_name")
    search_fields = ("name", "full_name")


# --- Ordered items: duties, requirements and work locations

MAX_POSITION = 9999


class OrderedItemForm(forms.ModelForm):
    """An item whose 顺序 may be left empty: the formset numbers it."""

    # Declared, and excluded from the model's validation (Meta.exclude): the
    # formset checks the numbers of all rows at once. Checked row by row
    # against the database, the unique (posting, position) would refuse both
    # halves of a swap, the commonest reorder.
    position = forms.IntegerField(
        label=gettext_lazy("顺序"),
        required=False,
        min_value=0,
        max_value=MAX_POSITION,
        help_text=gettext_lazy("留空则排在最后；可拖动或用 ↑ ↓ 调整。"),
        widget=forms.NumberInput(
            attrs={"class": "item-position", "placeholder": gettext_lazy("自动")}
        ),
    )

    class Meta:
        exclude = ("position",)  # noqa: DJ006 (see above; the admin sets fields)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("position", self.instance.position)


class OrderedItemFormSet(BaseInlineFormSet):
    """Numbers the rows left without a 顺序 after the others, refuses a
    number given twice, and saves a reorder past the unique constraint."""

    def _kept_forms(self):
        deleted = self.deleted_forms
        return [
            form
            for form in self.forms
            if form.is_valid()
            and form not in deleted
            and (form.instance.pk is not None or form.has_changed())
        ]

    def clean(self):
        super().clean()
        kept = self._kept_forms()
        typed = [form.cleaned_data["position"] for form in kept]
        given = [number for number in typed if number is not None]
        repeated = sorted({number for number in given if given.count(number) > 1})
        if repeated:
            numbers = _("、").join(str(number) for number in repeated)
            raise forms.ValidationError(
                _(
                    "顺序 %(numbers)s 用了不止一次：每一行的顺序应各不相同"
                    "（留空则自动排在最后）。"
                )
                % {"numbers": numbers},
                code="repeated_position",
            )
        following = max(given, default=0)
        for form in kept:
            if form.cleaned_data["position"] is None:
                following += 1
                form.cleaned_data["position"] = following
        if following > MAX_POSITION:
            raise forms.ValidationError(
                _("顺序最大为 %(limit)s：请把较大的顺序改小。")
                % {"limit": MAX_POSITION},
                code="position_too_large",
            )

    def save(self, commit=True):
        kept = self._kept_forms()
        moving = [
            form.instance.pk
            for form in kept
            if form.instance.pk is not None
            and form.instance.position != form.cleaned_data["position"]
        ]
        moving += [form.instance.pk for form in self.deleted_forms if form.instance.pk]
        for form in kept:
            form.instance.position = form.cleaned_data["position"]
        if commit and moving:
            # First move the rows that change or go out of the way past every
            # number in use, old or new, so no save below meets its new number
            # still held by another row. update() records no history: the
            # saves do, each from the row's old number to its new one.
            items = self.model._default_manager.filter(**{self.fk.name: self.instance})
            in_use = items.aggregate(top=Max("position"))["top"] or 0
            top = max([in_use, *(form.instance.position for form in kept)])
            for spare, pk in enumerate(moving, start=top + 1):
                items.filter(pk=pk).update(position=spare)
        return super().save(commit)


class OrderedItemInline(admin.TabularInline):
    """Rows numbered by the formset, reordered by drag or ↑ ↓ (admin-ordering.js)."""

    form = OrderedItemForm
    formset = OrderedItemFormSet
    classes = ("ordered-items",)
    extra = 0
    # An item is a sentence or two: three lines, not Django's ten.
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 3})}
    }

    class Media:
        js = ("postings/js/admin-ordering.js",)


class PostingLocationInline(OrderedItemInline):
    model = PostingLocation
    autocomplete_fields = ("location",)
    fields = ("position", "location")


class DutyInline(OrderedItemInline):
    model = Duty
    fields = ("position", "text")


class RequirementInline(OrderedItemInline):
    model = Requirement
    fields = ("position", "section", "text", "is_preferred")


class PostingCertificateInline(admin.TabularInline):
    model = PostingCertificate
    autocomplete_fields = ("certificate",)
    fields = ("certificate", "is_preferred", "evidence")
    extra = 0


# --- 专业: a list typed as text


class SeparatedListField(forms.CharField):
    """A list of short names typed as text, 中文、新闻 (or separated by , ，
    ; ；), and shown the same way; for a JSON list field such as
    Posting.majors, which Django would show and read as raw JSON."""

    separators = re.compile(r"[、,，;；\n]+")
    default_error_messages = {
        "brackets": gettext_lazy(
            "请直接填写名称，用“、”或逗号分隔，不要加括号或引号，例如：中文、新闻。"
        ),
        "too_long": gettext_lazy(
            "“%(item)s”太长（每项最多 %(limit)s 个字）：多项之间请用“、”或逗号分隔。"
        ),
    }

    def __init__(self, *, item_length=30, **kwargs):
        self.item_length = item_length
        kwargs.setdefault("widget", forms.TextInput(attrs={"class": "vTextField"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "、".join(value)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        text = super().to_python(value)
        items = self._json_list(text)
        if items is None:
            if re.search(r"[\[\]{}\"]", text):
                raise forms.ValidationError(
                    self.error_messages["brackets"], code="brackets"
                )
            items = self.separators.split(text)
        names = []
        for item in (item.strip() for item in items):
            if len(item) > self.item_length:
                raise forms.ValidationError(
                    self.error_messages["too_long"],
                    code="too_long",
                    params={"item": item, "limit": self.item_length},
                )
            if item and item not in names:
                names.append(item)
        return names

    @staticmethod
    def _json_list(text):
        """A pasted JSON list (["中文", "新闻"]) is read as the list it is."""
        if not text.startswith("["):
            return None
        try:
            items = json.loads(text)
        except ValueError:
            return None
        if isinstance(items, list) and all(isinstance(item, str) for item in items):
            return items
        return None


class PostingAdminForm(forms.ModelForm):
    majors = SeparatedListField(
        label=gettext_lazy("专业"),
        required=False,
        help_text=gettext_lazy("多个专业用“、”或逗号分隔，例如：中文、新闻。"),
    )

    class Meta:
        model = Posting
        fields = ("majors",)  # the others as the admin's fieldsets list them


class ProvinceListFilter(admin.SimpleListFilter):
    title = gettext_lazy("省份")
    parameter_name = "province"

    def lookups(self, request, model_admin):
        return Province.choices

    def queryset(self, request, queryset):
        if self.value():
            located = PostingLocation.objects.filter(location__province=self.value())
            return queryset.filter(pk__in=located.values("posting_id"))
        return queryset


@admin.register(Posting)
class PostingAdmin(PostingImportAdminMixin, InstitutionScopedAdmin):
    form = PostingAdminForm
    # Seven columns that fit a 1366 px laptop beside the filters: the
    # department under its institution, and 职级 and 类别 together (a source
    # states one or the other).
    list_display = (
        "title",
        "organisation",
        "grade_and_category",
        "headcount",
        "status",
        "published",
        "closes",
    )
    list_display_links = ("title",)
    list_select_related = ("institution__parent", "department__institution")
    list_filter = (
        "status",
        ("employer", admin.RelatedOnlyFieldListFilter),
        ("institution", admin.RelatedOnlyFieldListFilter),
        ProvinceListFilter,
        "grade",
        "category",
        "min_education",
    )
    search_fields = (
        "title",
        "institution__name",
        "department__name",
        "grade",
        "category",
    )
    date_hierarchy = "published_on"
    autocomplete_fields = ("institution", "department")
    readonly_fields = (
        "status",
        "employer",
        "source_name",
        "source_reference",
        "created_at",
        "updated_at",
    )
    inlines = (
        PostingLocationInline,
        DutyInline,
        RequirementInline,
        PostingCertificateInline,
    )
    actions = (
        "publish_selected",
        "close_selected",
        "reopen_selected",
        "export_selected_csv",
        "export_selected_xlsx",
        "export_selected_json",
        "copy_selected",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "institution",
                    "department",
                    "grade",
                    "category",
                    "headcount",
                )
            },
        ),
        (gettext_lazy("发布"), {"fields": ("status", "published_on", "closes_on")}),
        (
            gettext_lazy("申请方式"),
            {"fields": ("application_url", "application_instructions")},
        ),
        (
            gettext_lazy("筛选条件（从任职要求中提取）"),
            {
                "fields": (
                    ("min_education", "min_education_evidence"),
                    ("min_years_experience", "min_years_experience_evidence"),
                    ("max_age", "max_age_evidence"),
                    ("majors", "majors_evidence"),
                    ("requires_shift_work", "shift_work_evidence"),
                    ("requires_local_residence", "local_residence_evidence"),
                )
            },
        ),
        (
            gettext_lazy("来源与记录"),
            {
                "fields": (
                    "employer",
                    "source_name",
                    "source_reference",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )
    object_history_template = "admin/postings/posting/object_history.html"

    @admin.display(description=gettext_lazy("招聘机构 / 部门"), ordering="institution")
    def organisation(self, obj):
        if obj.department is None:
            return str(obj.institution)
        return format_html(
            '{}<span class="department">{}</span>', obj.institution, obj.department.name
        )

    @admin.display(description=gettext_lazy("职级 / 类别"), ordering="grade")
    def grade_and_category(self, obj):
        return " · ".join(part for part in (obj.grade, obj.category) if part) or "-"

    @admin.display(description=gettext_lazy("发布日期"), ordering="published_on")
    def published(self, obj):
        return obj.published_on.isoformat() if obj.published_on else "-"

    @admin.display(description=gettext_lazy("报名截止"), ordering="closes_on")
    def closes(self, obj):
        return obj.closes_on.isoformat() if obj.closes_on else "-"

    @admin.display(description=gettext_lazy("来源"))
    def source_reference(self, obj):
        return obj.source_reference or _("手工录入")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The keyword search reads the items, which are saved only now.
        search.index_posting(form.instance)

    # --- Starting a posting from a role description
    # /admin/postings/posting/add/?from_role=<id> fills in the title, duties and
    # requirements from a reference role description, for HR to edit.

    def _role_items(self, request, obj, inline):
        """The role description's items for this inline, on a fresh add form."""
        role_id = request.GET.get("from_role", "")
        adding = obj is None or obj.pk is None  # the add view passes a blank instance
        if not adding or request.method != "GET" or not role_id.isdigit():
            return None
        kinds = {
            DutyInline: RoleDescriptionItem.Kind.DUTY,
            RequirementInline: RoleDescriptionItem.Kind.REQUIREMENT,
        }
        kind = kinds.get(type(inline))
        if kind is None:
            return None
        items = RoleDescriptionItem.objects.filter(role_id=role_id, kind=kind)
        return list(items.order_by("position"))

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        role_id = initial.pop("from_role", "")
        role = (
            RoleDescription.objects.filter(pk=role_id).first()
            if role_id.isdigit()
            else None
        )
        if role is not None:
            initial.setdefault("title", role.title)
        return initial

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        items = self._role_items(request, obj, inline)
        if items:
            kwargs["initial"] = [
                {"position": number, "text": item.text}
                for number, item in enumerate(items, start=1)
            ]
        return kwargs

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            items = self._role_items(request, obj, inline)
            if items:
                formset.extra = len(items)  # one blank form per item, prefilled
            yield formset, inline

    # --- History: the posting and its items; restoring versions

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "export/<str:export_format>/",
                wrap(self.export_view),
                name="postings_posting_export",
            ),
            path("deleted/", wrap(self.deleted_view), name="postings_posting_deleted"),
            *self.import_urls(),
            path(
                "<path:object_id>/history/<int:version_id>/restore/",
                wrap(self.restore_view),
                name="postings_posting_restore",
            ),
            *super().get_urls(),
        ]

    def history_view(self, request, object_id, extra_context=None):
        posting_id = self.pk_or_404(object_id)
        context = {
            "item_changes": history.item_changes(posting_id),
            "may_restore": self.has_change_permission(request),
        }
        context.update(extra_context or {})
        return super().history_view(request, object_id, extra_context=context)

    def _version(self, request, object_id, version_id):
        version = self.recorded_version(object_id, version_id)
        if not access.may_access(request.user, version, "institution"):
            raise Http404
        return version

    def restore_view(self, request, object_id, version_id):
        """Confirm (GET) and restore (POST) a version, items included."""
        version = self._version(request, object_id, version_id)
        current = Posting.objects.filter(pk=version.id).first()
        allowed = (
            self.has_change_permission(request, current)
            if current
            else self.has_add_permission(request)
        )
        if not allowed:
            raise PermissionDenied
        if request.method == "POST":
            try:
                posting = history.restore(
                    version, reason=history.restore_reason(version)
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("已恢复“%(posting)s”：%(reason)s。")
                    % {"posting": posting, "reason": history.restore_reason(version)},
                )
                return HttpResponseRedirect(
                    reverse("admin:postings_posting_change", args=[posting.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("恢复“%(title)s”") % {"title": version.title},
            "version": version,
            "reason": history.restore_reason(version),
            "current": current,
        }
        return render(request, "admin/postings/posting/restore_confirm.html", context)

    def deleted_view(self, request):
        """Deleted postings the user may recover."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        records = history.deleted_postings()
        records = [
            r for r in records if access.may_access(request.user, r, "institution")
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("已删除的招聘岗位"),
            "records": records,
        }
        return render(request, "admin/postings/posting/deleted.html", context)

    # --- Exports: the selection, or everything the changelist's filters show

    def export_view(self, request, export_format):
        """The current changelist (filters, search, order) as a file."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if export_format not in exports.FORMATS:
            message = _("不支持的导出格式“%(format)s”。") % {
                "format": export_format[:20]
            }
            return self._export_error(request, message)
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return self._export_error(request, _("筛选条件无效，请返回列表重新筛选。"))
        queryset = changelist.get_queryset(request)
        return self._export(request, queryset, export_format, ["admin"])

    def _export_error(self, request, message):
        context = {**self.admin_site.each_context(request), "errors": [message]}
        return render(request, "admin/postings/export_error.html", context, status=400)

    def _export(self, request, queryset, export_format, labels):
        name = exports.filename(export_format, labels, today=timezone.localdate())
        row_iter = exports.rows(
            queryset, base_url=request.build_absolute_uri("/"), internal=True
        )
        return exports.response(row_iter, export_format, name, internal=True)

    @admin.action(description=gettext_lazy("导出所选岗位（CSV）"), permissions=["view"])
    def export_selected_csv(self, request, queryset):
        return self._export(request, queryset.order_by("pk"), "csv", ["selected"])

    @admin.action(
        description=gettext_lazy("导出所选岗位（Excel）"), permissions=["view"]
    )
    def export_selected_xlsx(self, request, queryset):
        return self._export(request, queryset.order_by("pk"), "xlsx", ["selected"])

    @admin.action(
        description=gettext_lazy("导出所选岗位（JSON）"), permissions=["view"]
    )
    def export_selected_json(self, request, queryset):
        return self._export(request, queryset.order_by("pk"), "json", ["selected"])

    # --- Publishing workflow: the model's verbs, never a status set by hand

    def _apply_verb(self, request, queryset, verb, done_message):
        done, refused = 0, []
        for posting in queryset:
            try:
                getattr(posting, verb)()
            except ValidationError as error:
                refused.append(
                    _("%(title)s：%(reasons)s")
                    % {"title": posting.title, "reasons": " ".join(error.messages)}
                )
            else:
                done += 1
        if done:
            self.message_user(
                request, done_message(done) % {"count": done}, messages.SUCCESS
            )
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    @admin.action(description=gettext_lazy("复制为新岗位（草稿）"), permissions=["add"])
    def copy_selected(self, request, queryset):
        copies = [copy_as_draft(posting) for posting in queryset.order_by("pk")]
        self.message_user(
            request,
            ngettext(
                "已复制 %(count)s 个岗位为草稿，标题与原岗位相同，请修改后发布。",
                "已复制 %(count)s 个岗位为草稿，标题与原岗位相同，请修改后发布。",
                len(copies),
            )
            % {"count": len(copies)},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("发布所选岗位"), permissions=["change"])
    def publish_selected(self, request, queryset):
        def done(count):
            return ngettext(
                "已发布 %(count)s 个岗位。", "已发布 %(count)s 个岗位。", count
            )

        self._apply_verb(request, queryset, "publish", done)

    @admin.action(description=gettext_lazy("关闭所选岗位"), permissions=["change"])
    def close_selected(self, request, queryset):
        def done(count):
            return ngettext(
                "已关闭 %(count)s 个岗位。", "已关闭 %(count)s 个岗位。", count
            )

        self._apply_verb(request, queryset, "close", done)

    @admin.action(description=gettext_lazy("重新开放所选岗位"), permissions=["change"])
    def reopen_selected(self, request, queryset):
        def done(count):
            return ngettext(
                "已重新开放 %(count)s 个岗位。", "已重新开放 %(count)s 个岗位。", count
            )

        self._apply_verb(request, queryset, "reopen", done)


@admin.register(DepartmentDescription)
class DepartmentDescriptionAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "organisation",
        "office_tier",
        "source_document",
        "source_lines",
    )
    list_filter = ("office_tier", "source_document")
    search_fields = ("name", "organisation", "summary")
    readonly_fields = PROVENANCE_FIELDS
    fieldsets = (
        (
            None,
            {"fields": ("name", "organisation", "office_tier", "summary", "functions")},
        ),
        (gettext_lazy("来源"), {"fields": PROVENANCE_FIELDS}),
    )


class RoleDescriptionItemInline(admin.TabularInline):
    model = RoleDescriptionItem
    fields = ("kind", "position", "text", "weight")
    extra = 0


@admin.register(RoleDescription)
class RoleDescriptionAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "department_name",
        "organisation",
        "source_document",
        "source_lines",
        "start_posting_link",
    )
    list_filter = ("source_document",)
    search_fields = ("title", "department_name", "organisation", "summary")
    readonly_fields = (*PROVENANCE_FIELDS, "start_posting_link")
    inlines = (RoleDescriptionItemInline,)
    fieldsets = (
        (None, {"fields": ("title", "department_name", "organisation", "summary")}),
        (gettext_lazy("新建岗位"), {"fields": ("start_posting_link",)}),
        (gettext_lazy("来源"), {"fields": PROVENANCE_FIELDS}),
    )

    @admin.display(description=gettext_lazy("以此新建岗位"))
    def start_posting_link(self, obj):
        url = reverse("admin:postings_posting_add")
        return format_html(
            '<a href="{}?from_role={}">{}</a>',
            url,
            obj.pk,
            _("以此岗位说明新建招聘岗位"),
        )


@admin.register(InstitutionAccess)
class InstitutionAccessAdmin(admin.ModelAdmin):
    """Superusers grant staff users their institutions (or use add_hr_user)."""

    list_display = ("user", "institution")
    list_select_related = ("user", "institution__parent")
    search_fields = ("user__username", "institution__name")
    autocomplete_fields = ("institution",)
    raw_id_fields = ("user",)

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Subscribers' addresses are personal data: superusers only, never HR."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        # A subscription exists only once its address confirmed it.
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(AlertSubscription)
class AlertSubscriptionAdmin(SuperuserOnlyAdmin):
    list_display = (
        "email",
        "description",
        "frequency",
        "status",
        "created_at",
        "last_mailed_at",
    )
    list_filter = ("frequency", "language", "confirmed_at", "unsubscribed_at")
    search_fields = ("email", "description")
    date_hierarchy = "created_at"
    fields = (
        "email",
        "description",
        "search_link",
        "query",
        "frequency",
        "language",
        "created_at",
        "created_ip",
        "confirmed_at",
        "unsubscribed_at",
        "checked_on",
        "last_mailed_at",
    )
    readonly_fields = fields
    actions = ["unsubscribe_selected"]

    @admin.display(description=gettext_lazy("状态"))
    def status(self, obj):
        if obj.is_unsubscribed:
            return _("已退订")
        return _("待确认") if obj.is_pending else _("已生效")

    @admin.display(description=gettext_lazy("岗位列表"))
    def search_link(self, obj):
        return format_html('<a href="{0}">{0}</a>', obj.get_search_url())

    @admin.action(description=gettext_lazy("退订所选订阅"), permissions=["delete"])
    def unsubscribe_selected(self, request, queryset):
        subscriptions = list(queryset.live())
        for subscription in subscriptions:
            subscription.unsubscribe()
        self.message_user(
            request,
            ngettext(
                "已退订 %(count)s 个订阅。",
                "已退订 %(count)s 个订阅。",
                len(subscriptions),
            )
            % {"count": len(subscriptions)},
            messages.SUCCESS,
        )


class AlertDeliveryInline(admin.TabularInline):
    model = AlertDelivery
    fields = ("posting",)
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = gettext_lazy("提醒的岗位")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AlertMail)
class AlertMailAdmin(SuperuserOnlyAdmin):
    """The outbox: every alert mail, sent or waiting, with its last error."""

    list_display = (
        "kind",
        "recipient",
        "posting_count",
        "created_at",
        "sent_at",
        "attempts",
        "abandoned_at",
    )
    list_filter = ("kind", "sent_at", "abandoned_at")
    search_fields = ("recipient",)
    list_select_related = ("subscription",)
    fields = (
        "kind",
        "recipient",
        "subscription",
        "client_ip",
        "posting_count",
        "created_at",
        "sent_at",
        "attempts",
        "last_error",
        "abandoned_at",
    )
    readonly_fields = fields
    inlines = [AlertDeliveryInline]
