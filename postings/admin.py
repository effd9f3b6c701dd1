from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from . import exports
from .models import (
    Certificate,
    Department,
    DepartmentDescription,
    Duty,
    Institution,
    Location,
    Posting,
    PostingCertificate,
    PostingLocation,
    Province,
    Requirement,
    RoleDescription,
    RoleDescriptionItem,
)

admin.site.site_header = "银行招聘岗位管理"
admin.site.site_title = "银行招聘岗位管理"
admin.site.index_title = "招聘数据"

PROVENANCE_FIELDS = ("source_document", "source_row", "source_lines")


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "posting_count", "source_document")
    list_select_related = ("parent__parent",)
    list_filter = (("parent", admin.EmptyFieldListFilter),)
    search_fields = ("name", "parent__name")
    autocomplete_fields = ("parent",)
    readonly_fields = PROVENANCE_FIELDS
    fieldsets = (
        (None, {"fields": ("name", "parent", "description", "note")}),
        ("来源", {"fields": PROVENANCE_FIELDS, "classes": ("collapse",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(num_postings=Count("postings"))

    @admin.display(description="岗位数", ordering="num_postings")
    def posting_count(self, obj):
        return obj.num_postings


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "institution", "source_document")
    list_select_related = ("institution__parent",)
    list_filter = (("institution", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "institution__name")
    autocomplete_fields = ("institution",)
    readonly_fields = PROVENANCE_FIELDS
    fieldsets = (
        (None, {"fields": ("institution", "name", "description")}),
        ("来源", {"fields": PROVENANCE_FIELDS, "classes": ("collapse",)}),
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


class PostingLocationInline(admin.TabularInline):
    model = PostingLocation
    autocomplete_fields = ("location",)
    fields = ("position", "location")
    extra = 0


class DutyInline(admin.TabularInline):
    model = Duty
    fields = ("position", "text")
    extra = 0


class RequirementInline(admin.TabularInline):
    model = Requirement
    fields = ("position", "section", "text", "is_preferred")
    extra = 0


class PostingCertificateInline(admin.TabularInline):
    model = PostingCertificate
    autocomplete_fields = ("certificate",)
    fields = ("certificate", "is_preferred", "evidence")
    extra = 0


class ProvinceListFilter(admin.SimpleListFilter):
    title = "省份"
    parameter_name = "province"

    def lookups(self, request, model_admin):
        return Province.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(locations__province=self.value()).distinct()
        return queryset


@admin.register(Posting)
class PostingAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "institution",
        "department",
        "grade",
        "category",
        "headcount",
        "status",
        "published_on",
        "closes_on",
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
        ("发布", {"fields": ("status", "published_on", "closes_on")}),
        (
            "筛选条件（从任职要求中提取）",
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
            "来源与记录",
            {"fields": ("employer", "source_reference", "created_at", "updated_at")},
        ),
    )

    @admin.display(description="来源")
    def source_reference(self, obj):
        return obj.source_reference or "手工录入"

    def _apply_verb(self, request, queryset, verb, done_message):
        done, refused = 0, []
        for posting in queryset:
            try:
                getattr(posting, verb)()
            except ValidationError as error:
                refused.append(f"{posting.title}：{' '.join(error.messages)}")
            else:
                done += 1
        if done:
            self.message_user(
                request, done_message.format(count=done), messages.SUCCESS
            )
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    # --- Exports: the selection, or everything the changelist's filters show ---

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [
            path("export/<str:export_format>/", export, name="postings_posting_export"),
            *super().get_urls(),
        ]

    def export_view(self, request, export_format):
        """The current changelist (filters, search, order) as a file."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if export_format not in exports.FORMATS:
            message = f"不支持的导出格式“{export_format[:20]}”。"
            context = {**self.admin_site.each_context(request), "errors": [message]}
            return render(
                request, "admin/postings/export_error.html", context, status=400
            )
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            context = {
                **self.admin_site.each_context(request),
                "errors": ["筛选条件无效，请返回列表重新筛选。"],
            }
            return render(
                request, "admin/postings/export_error.html", context, status=400
            )
        queryset = changelist.get_queryset(request)
        return self._export(request, queryset, export_format, ["admin"])

    def _export(self, request, queryset, export_format, labels):
        name = exports.filename(export_format, labels, today=timezone.localdate())
        row_iter = exports.rows(
            queryset, base_url=request.build_absolute_uri("/"), internal=True
        )
        return exports.response(row_iter, export_format, name, internal=True)

    @admin.action(description="导出所选岗位（CSV）", permissions=["view"])
    def export_selected_csv(self, request, queryset):
        return self._export(request, queryset.order_by("pk"), "csv", ["selected"])

    @admin.action(description="导出所选岗位（Excel）", permissions=["view"])
    def export_selected_xlsx(self, request, queryset):
        return self._export(request, queryset.order_by("pk"), "xlsx", ["selected"])

    @admin.action(description="导出所选岗位（JSON）", permissions=["view"])
    def export_selected_json(self, request, queryset):
        return self._export(request, queryset.order_by("pk"), "json", ["selected"])

    @admin.action(description="发布所选岗位", permissions=["change"])
    def publish_selected(self, request, queryset):
        self._apply_verb(request, queryset, "publish", "已发布 {count} 个岗位。")

    @admin.action(description="关闭所选岗位", permissions=["change"])
    def close_selected(self, request, queryset):
        self._apply_verb(request, queryset, "close", "已关闭 {count} 个岗位。")

    @admin.action(description="重新开放所选岗位", permissions=["change"])
    def reopen_selected(self, request, queryset):
        self._apply_verb(request, queryset, "reopen", "已重新开放 {count} 个岗位。")


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
        ("来源", {"fields": PROVENANCE_FIELDS}),
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
    )
    list_filter = ("source_document",)
    search_fields = ("title", "department_name", "organisation", "summary")
    readonly_fields = PROVENANCE_FIELDS
    inlines = (RoleDescriptionItemInline,)
    fieldsets = (
        (None, {"fields": ("title", "department_name", "organisation", "summary")}),
        ("来源", {"fields": PROVENANCE_FIELDS}),
    )
