"""The recruitment domain: who hires (institutions, departments), what they
offer (postings with duties, requirements, locations, certificates) and the
reference descriptions of bank roles and departments that are not openings.
"""

import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Province(models.TextChoices):
    """Provincial-level divisions; the value is the short name candidates type."""

    BEIJING = "北京", "北京市"
    TIANJIN = "天津", "天津市"
    SHANGHAI = "上海", "上海市"
    CHONGQING = "重庆", "重庆市"
    HEBEI = "河北", "河北省"
    SHANXI = "山西", "山西省"
    LIAONING = "辽宁", "辽宁省"
    JILIN = "吉林", "吉林省"
    HEILONGJIANG = "黑龙江", "黑龙江省"
    JIANGSU = "江苏", "江苏省"
    ZHEJIANG = "浙江", "浙江省"
    ANHUI = "安徽", "安徽省"
    FUJIAN = "福建", "福建省"
    JIANGXI = "江西", "江西省"
    SHANDONG = "山东", "山东省"
    HENAN = "河南", "河南省"
    HUBEI = "湖北", "湖北省"
    HUNAN = "湖南", "湖南省"
    GUANGDONG = "广东", "广东省"
    HAINAN = "海南", "海南省"
    SICHUAN = "四川", "四川省"
    GUIZHOU = "贵州", "贵州省"
    YUNNAN = "云南", "云南省"
    SHAANXI = "陕西", "陕西省"
    GANSU = "甘肃", "甘肃省"
    QINGHAI = "青海", "青海省"
    TAIWAN = "台湾", "台湾省"
    NEI_MONGOL = "内蒙古", "内蒙古自治区"
    GUANGXI = "广西", "广西壮族自治区"
    XIZANG = "西藏", "西藏自治区"
    NINGXIA = "宁夏", "宁夏回族自治区"
    XINJIANG = "新疆", "新疆维吾尔自治区"
    HONG_KONG = "香港", "香港特别行政区"
    MACAO = "澳门", "澳门特别行政区"


class Education(models.IntegerChoices):
    """Education levels in ascending order, so a floor compares with <=."""

    ZHUANKE = 1, "专科"
    BENKE = 2, "本科"
    MASTER = 3, "硕士"
    DOCTORATE = 4, "博士"


class SourceReference(models.Model):
    """Where a record came from, so HR can check it against its source."""

    source_document = models.CharField(
        "来源文件",
        max_length=100,
        blank=True,
        help_text="导入时的原始文件名；手工录入时留空。",
    )
    source_row = models.PositiveIntegerField(
        "来源序号",
        null=True,
        blank=True,
        help_text="在来源文件中的行序号（表格序号或出现顺序）。",
    )
    source_lines = models.CharField(
        "来源行号",
        max_length=50,
        blank=True,
        help_text="在来源文件中的行号范围，例如 363–394。",
    )

    class Meta:
        abstract = True

    @property
    def source_reference(self):
        """A one-line reference such as "000_….txt 第 12 条（第 363–394 行）"."""
        if not self.source_document:
            return ""
        reference = self.source_document
        if self.source_row is not None:
            reference += f" 第 {self.source_row} 条"
        if self.source_lines:
            reference += f"（第 {self.source_lines} 行）"
        return reference


class InstitutionQuerySet(models.QuerySet):
    def employers(self):
        return self.filter(parent__isnull=True)

    def with_descendants(self, institutions):
        """The given institutions and every institution below them.

        The institution table is small (banks and their branches), so one
        query for the whole (id, parent) list beats a recursive SQL query
        that SQLite and PostgreSQL spell differently.
        """
        wanted = {getattr(i, "pk", i) for i in institutions}
        children = {}
        for pk, parent_id in Institution.objects.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        found, frontier = set(), list(wanted)
        while frontier:
            pk = frontier.pop()
            if pk in found:
                continue
            found.add(pk)
            frontier.extend(children.get(pk, ()))
        return self.filter(pk__in=found)


class Institution(SourceReference):
    """An employer (parent is empty) or a recruiting unit under it.

    Names are kept as the tables write them ("总行部门", "新疆区分行"), so the
    hierarchy, not the name, says which bank a branch belongs to.
    """

    name = models.CharField("名称", max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField("简介", blank=True)
    note = models.TextField(
        "说明", blank=True, help_text="例如：原文未写明机构名称，此名称为本站所加。"
    )

    objects = InstitutionQuerySet.as_manager()
    history = HistoricalRecords(verbose_name="招聘机构历史")

    class Meta:
        ordering = ["parent_id", "name"]
        verbose_name = "招聘机构"
        verbose_name_plural = "招聘机构"
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="institution_unique_name_under_parent"
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(parent__isnull=True),
                name="institution_unique_employer_name",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")), name="institution_not_own_parent"
            ),
        ]

    def __str__(self):
        return " · ".join(i.name for i in self.lineage())

    def get_absolute_url(self):
        return reverse("postings:institution_detail", kwargs={"pk": self.pk})

    def clean(self):
        seen = {self.pk} if self.pk else set()
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk in seen:
                raise ValidationError(
                    {
                        "parent": ValidationError(
                            "上级机构不能是本机构或其下级机构。", code="cycle"
                        )
                    }
                )
            seen.add(ancestor.pk)
            ancestor = ancestor.parent

    def lineage(self):
        """Ancestors from the employer down to this institution."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def employer(self):
        return self.lineage()[0]

    @property
    def is_employer(self):
        return self.parent_id is None


class Department(SourceReference):
    """A department or branch office of an institution (董事会办公室, 营业网点 …)."""

    institution = models.ForeignKey(
        Institution,
        verbose_name="所属机构",
        on_delete=models.PROTECT,
        related_name="departments",
    )
    name = models.CharField("名称", max_length=100)
    description = models.TextField("部门职能", blank=True)

    history = HistoricalRecords(verbose_name="招聘部门历史")

    class Meta:
        ordering = ["institution_id", "name"]
        verbose_name = "招聘部门"
        verbose_name_plural = "招聘部门"
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "name"],
                name="department_unique_name_in_institution",
            ),
        ]

    def __str__(self):
        return f"{self.institution.name} · {self.name}"

    def get_absolute_url(self):
        return reverse("postings:department_detail", kwargs={"pk": self.pk})


class Location(models.Model):
    """A work location as the tables name it (a city, county, town or zone)."""

    name = models.CharField("地点", max_length=50, db_index=True)
    province = models.CharField(
        "省级行政区", max_length=10, choices=Province.choices, db_index=True
    )

    class Meta:
        ordering = ["province", "name"]
        verbose_name = "工作地点"
        verbose_name_plural = "工作地点"
        constraints = [
            models.UniqueConstraint(
                fields=["province", "name"], name="location_unique_in_province"
            ),
        ]

    def __str__(self):
        if self.name.startswith(self.province):
            return self.name
        return f"{self.name}（{self.province}）"


class Certificate(models.Model):
    """A professional qualification candidates can hold (CFA, 法律职业资格 …)."""

    name = models.CharField("证书", max_length=60, unique=True)
    full_name = models.CharField("全称", max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "资格证书"
        verbose_name_plural = "资格证书"

    def __str__(self):
        if self.full_name and self.full_name != self.name:
            return f"{self.name}（{self.full_name}）"
        return self.name


def takes_applications(status, published_on, closes_on, date):
    """Whether a posting in this state accepts applications on ``date``; the
    rule ``open_on`` applies in SQL, for a posting or its bare fields."""
    return (
        status == Posting.Status.PUBLISHED
        and published_on is not None
        and published_on <= date
        and (closes_on is None or closes_on >= date)
    )


def open_until():
    """The last day a posting takes applications; the end of time when it
    has no deadline. One expression, so that the open-today condition and
    the deadline sort are both a range of one index (see Posting.Meta)."""
    return Coalesce(
        "closes_on", Value(datetime.date.max), output_field=models.DateField()
    )


class PostingQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Posting.Status.PUBLISHED)

    def open_on(self, date):
        """Published postings that accept applications on ``date``."""
        return (
            self.published()
            .alias(open_until=open_until())
            .filter(published_on__lte=date, open_until__gte=date)
        )

    def open_now(self):
        return self.open_on(timezone.localdate())

    def public(self):
        """Postings with a public page: open ones and those that have closed."""
        return self.filter(status__in=[Posting.Status.PUBLISHED, Posting.Status.CLOSED])

    def for_listing(self):
        """What a listing row shows, in a constant number of queries."""
        return self.select_related(
            "employer", "institution", "department"
        ).prefetch_related(
            models.Prefetch(
                "posting_locations",
                queryset=PostingLocation.objects.select_related("location"),
            )
        )


class Posting(SourceReference):
    """One opening: a position at an institution, with what it asks and offers."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        CLOSED = "closed", "已关闭"

    title = models.CharField("岗位名称", max_length=200)
    employer = models.ForeignKey(
        Institution,
        verbose_name="用人单位",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text="招聘机构所属的最上级机构，保存时自动确定。",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name="招聘机构",
        on_delete=models.PROTECT,
        related_name="postings",
    )
    department = models.ForeignKey(
        Department,
        verbose_name="招聘部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="postings",
    )
    grade = models.CharField("岗位职级", max_length=50, blank=True)
    category = models.CharField("招聘类别", max_length=50, blank=True)
    headcount = models.PositiveIntegerField(
        "招聘人数",
        null=True,
        blank=True,
        help_text="原文未写明人数时留空（显示为“若干”）。",
    )
    locations = models.ManyToManyField(
        Location,
        verbose_name="工作地点",
        through="PostingLocation",
        related_name="postings",
        blank=True,
    )
    certificates = models.ManyToManyField(
        Certificate,
        verbose_name="资格证书",
        through="PostingCertificate",
        related_name="postings",
        blank=True,
    )

    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_on = models.DateField("发布日期", null=True, blank=True)
    closes_on = models.DateField(
        "报名截止日期",
        null=True,
        blank=True,
        help_text="留空表示长期有效，直到手动关闭。",
    )

    # Structured facts a candidate filters by. Each keeps the sentence it was
    # read from, so HR and candidates can see why a posting matches.
    min_education = models.PositiveSmallIntegerField(
        "最低学历", choices=Education.choices, null=True, blank=True
    )
    min_education_evidence = models.TextField("学历依据", blank=True)
    min_years_experience = models.PositiveSmallIntegerField(
        "最低工作年限", null=True, blank=True
    )
    min_years_experience_evidence = models.TextField("年限依据", blank=True)
    max_age = models.PositiveSmallIntegerField("年龄上限", null=True, blank=True)
    max_age_evidence = models.TextField("年龄依据", blank=True)
    majors = models.JSONField("专业", default=list, blank=True)
    majors_evidence = models.TextField("专业依据", blank=True)
    requires_shift_work = models.BooleanField("需适应倒班", default=False)
    shift_work_evidence = models.TextField("倒班依据", blank=True)
    requires_local_residence = models.BooleanField(
        "需家庭或生活基础在当地", default=False
    )
    local_residence_evidence = models.TextField("属地依据", blank=True)

    is_generated = models.BooleanField(
        "生成的测试数据",
        default=False,
        editable=False,
        help_text="由 generate_postings 生成的性能测试数据，可一并删除。",
    )

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = PostingQuerySet.as_manager()
    # Every create, update and delete, from the admin, an import or a shell.
    history = HistoricalRecords(verbose_name="招聘岗位历史")

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = "招聘岗位"
        verbose_name_plural = "招聘岗位"
        constraints = [
            models.CheckConstraint(
                condition=Q(headcount__isnull=True) | Q(headcount__gte=1),
                name="posting_headcount_at_least_one",
            ),
            models.CheckConstraint(
                condition=Q(closes_on__isnull=True)
                | Q(published_on__isnull=True)
                | Q(closes_on__gte=models.F("published_on")),
                name="posting_deadline_not_before_publication",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_on__isnull=False),
                name="posting_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(max_age__isnull=True) | Q(max_age__range=(16, 70)),
                name="posting_max_age_plausible",
            ),
            models.CheckConstraint(
                condition=Q(min_years_experience__isnull=True)
                | Q(min_years_experience__lte=50),
                name="posting_min_years_plausible",
            ),
            models.UniqueConstraint(
                fields=["source_document", "source_row"],
                condition=~Q(source_document=""),
                name="posting_unique_source_row",
            ),
        ]
        # One index per filter and sort the listing offers; the listing's
        # base condition (published, not yet closed) leads the sort indexes.
        indexes = [
            models.Index(
                fields=["status", "-published_on", "-id"], name="posting_listing_idx"
            ),
            # Open today and closing soonest first, as one index range.
            models.Index(
                open_until(),
                F("published_on").desc(),
                F("id").desc(),
                name="posting_deadline_idx",
            ),
            # Unknown headcounts sort last on every database as 0.
            models.Index(
                Coalesce("headcount", 0).desc(),
                F("id").desc(),
                name="posting_headcount_idx",
            ),
            models.Index(fields=["title", "id"], name="posting_title_idx"),
            models.Index(fields=["grade"], name="posting_grade_idx"),
            models.Index(fields=["category"], name="posting_category_idx"),
            models.Index(fields=["min_education"], name="posting_education_idx"),
            models.Index(
                fields=["min_years_experience"], name="posting_experience_idx"
            ),
            models.Index(fields=["max_age"], name="posting_age_idx"),
            models.Index(
                fields=["is_generated"],
                condition=Q(is_generated=True),
                name="posting_generated_idx",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # The employer is derived, so the employer filter needs no hierarchy walk.
        self.employer = self.institution.employer
        if (
            kwargs.get("update_fields") is not None
            and "institution" in kwargs["update_fields"]
        ):
            kwargs["update_fields"] = {*kwargs["update_fields"], "employer"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("postings:posting_detail", kwargs={"pk": self.pk})

    def clean(self):
        errors = {}
        if self.headcount is not None and self.headcount < 1:
            errors["headcount"] = ValidationError(
                "招聘人数至少为 1 人。", code="headcount_min"
            )
        if self.published_on and self.closes_on and self.closes_on < self.published_on:
            errors["closes_on"] = ValidationError(
                "报名截止日期不能早于发布日期。", code="deadline_before_publication"
            )
        if self.status == self.Status.PUBLISHED and not self.published_on:
            errors["published_on"] = ValidationError(
                "已发布的岗位需要发布日期。", code="published_without_date"
            )
        if self.max_age is not None and not 16 <= self.max_age <= 70:
            errors["max_age"] = ValidationError(
                "年龄上限应在 16 至 70 岁之间。", code="age_range"
            )
        if self.min_years_experience is not None and self.min_years_experience > 50:
            errors["min_years_experience"] = ValidationError(
                "最低工作年限不能超过 50 年。", code="years_range"
            )
        if (
            self.department_id
            and self.institution_id
            and self.department.institution_id != self.institution_id
        ):
            errors["department"] = ValidationError(
                "所选部门不属于该招聘机构。", code="department_institution_mismatch"
            )
        if errors:
            raise ValidationError(errors)

    def update_search_document(self):
        """Rebuild the keyword-search data after the posting or its items changed.

        Derived data, not an edit: written outside the history.
        """
        from . import search

        search.index_posting(self)

    def is_open_on(self, date):
        return takes_applications(self.status, self.published_on, self.closes_on, date)

    @property
    def is_open(self):
        return self.is_open_on(timezone.localdate())

    @property
    def ordered_locations(self):
        """Locations in the order the source lists them (uses the prefetch)."""
        return [pl.location for pl in self.posting_locations.all()]

    # Workflow verbs: the only way status changes, so a view never sets it.

    def publish(self, on=None, closes_on=None):
        if self.status == self.Status.PUBLISHED:
            raise ValidationError("该岗位已经发布。", code="already_published")
        if self.status == self.Status.CLOSED:
            raise ValidationError(
                "已关闭的岗位请使用“重新开放”。", code="closed_use_reopen"
            )
        self.status = self.Status.PUBLISHED
        self.published_on = on or timezone.localdate()
        if closes_on is not None:
            self.closes_on = closes_on
        self.full_clean()
        self.save()

    def close(self):
        if self.status != self.Status.PUBLISHED:
            raise ValidationError(
                "只有已发布的岗位可以关闭。", code="close_not_published"
            )
        self.status = self.Status.CLOSED
        self.save()

    def reopen(self, closes_on=None):
        if self.status != self.Status.CLOSED:
            raise ValidationError(
                "只有已关闭的岗位可以重新开放。", code="reopen_not_closed"
            )
        today = timezone.localdate()
        if closes_on is not None:
            self.closes_on = closes_on
        elif self.closes_on is not None and self.closes_on < today:
            # A reopened posting with a past deadline would stay hidden.
            self.closes_on = None
        self.status = self.Status.PUBLISHED
        self.full_clean()
        self.save()


class PostingLocation(models.Model):
    posting = models.ForeignKey(
        Posting, on_delete=models.CASCADE, related_name="posting_locations"
    )
    location = models.ForeignKey(
        Location, verbose_name="工作地点", on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField("顺序", default=0)

    history = HistoricalRecords(verbose_name="工作地点历史")

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "工作地点"
        verbose_name_plural = "工作地点"
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "location"], name="posting_location_unique"
            ),
        ]
        # The location and province filters look postings up by location.
        indexes = [
            models.Index(fields=["location", "posting"], name="posting_location_lookup")
        ]

    def __str__(self):
        return str(self.location)


class PostingCertificate(models.Model):
    posting = models.ForeignKey(
        Posting, on_delete=models.CASCADE, related_name="posting_certificates"
    )
    certificate = models.ForeignKey(
        Certificate, verbose_name="证书", on_delete=models.PROTECT, related_name="+"
    )
    is_preferred = models.BooleanField("优先条件", default=True)
    evidence = models.TextField("依据", blank=True)

    history = HistoricalRecords(verbose_name="资格证书历史")

    class Meta:
        ordering = ["id"]
        verbose_name = "资格证书"
        verbose_name_plural = "资格证书"
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "certificate"], name="posting_certificate_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["certificate", "posting"], name="posting_certificate_lookup"
            )
        ]

    def __str__(self):
        return str(self.certificate)


class Duty(models.Model):
    """One item of 岗位职责, in the order the posting lists them."""

    posting = models.ForeignKey(
        Posting, on_delete=models.CASCADE, related_name="duties"
    )
    position = models.PositiveSmallIntegerField("顺序")
    text = models.TextField("职责")

    history = HistoricalRecords(verbose_name="岗位职责历史")

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "岗位职责"
        verbose_name_plural = "岗位职责"
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "position"], name="duty_unique_position"
            ),
        ]

    def __str__(self):
        return self.text


class Requirement(models.Model):
    """One item of 任职要求; a preferred one (…者优先) is not a condition."""

    posting = models.ForeignKey(
        Posting, on_delete=models.CASCADE, related_name="requirements"
    )
    position = models.PositiveSmallIntegerField("顺序")
    section = models.CharField(
        "分组",
        max_length=50,
        blank=True,
        help_text="原文的小标题，例如“专业能力及素质”。",
    )
    text = models.TextField("要求")
    is_preferred = models.BooleanField("优先条件", default=False)

    history = HistoricalRecords(verbose_name="任职要求历史")

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "任职要求"
        verbose_name_plural = "任职要求"
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "position"], name="requirement_unique_position"
            ),
        ]

    def __str__(self):
        return self.text


class PostingSearch(models.Model):
    """A posting's keyword-search data, kept beside it (see postings.search).

    It lives in its own table so the posting table stays narrow: counting and
    grouping postings never reads these wide columns.
    """

    posting = models.OneToOneField(
        Posting, on_delete=models.CASCADE, primary_key=True, related_name="search"
    )
    # Normalised text of the posting: title, organisation, locations, items.
    document = models.TextField()
    # PostgreSQL only: the document's characters and character pairs, with a
    # GIN index, so a Chinese query of any length is an index lookup.
    grams = SearchVectorField(null=True)

    class Meta:
        verbose_name = "检索数据"
        verbose_name_plural = "检索数据"

    def __str__(self):
        return f"检索数据：{self.posting_id}"


class InstitutionAccess(models.Model):
    """A staff user's institution: they work with it and everything below it.

    What they may do there comes from their role group (HR editor or
    recruiter); see postings.access.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="institution_access",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name="机构",
        on_delete=models.CASCADE,
        related_name="staff_access",
    )

    class Meta:
        ordering = ["user_id", "institution_id"]
        verbose_name = "机构授权"
        verbose_name_plural = "机构授权"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "institution"], name="institution_access_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.institution}"


class DepartmentDescription(SourceReference):
    """Reference text on what a kind of bank department does (not an opening)."""

    class OfficeTier(models.TextChoices):
        FRONT = "front", "前台市场营销部门"
        MIDDLE = "middle", "中台风险控制部门"
        BACK = "back", "后台综合管理部门"

    name = models.CharField("部门", max_length=100)
    organisation = models.CharField(
        "所属机构（原文）",
        max_length=100,
        blank=True,
        help_text="原文写明的机构，例如“某某银行”。",
    )
    office_tier = models.CharField(
        "前中后台", max_length=10, choices=OfficeTier.choices, blank=True
    )
    summary = models.TextField("概述", blank=True)
    functions = models.JSONField("主要职能", default=list, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "部门职能说明"
        verbose_name_plural = "部门职能说明"
        constraints = [
            models.UniqueConstraint(
                fields=["source_document", "source_row"],
                condition=~Q(source_document=""),
                name="department_description_unique_source_row",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("postings:department_description_detail", kwargs={"pk": self.pk})


class RoleDescription(SourceReference):
    """Reference description of a bank role (岗位说明) to start postings from."""

    title = models.CharField("岗位", max_length=200)
    organisation = models.CharField("所属机构（原文）", max_length=100, blank=True)
    department_name = models.CharField("所属部门（原文）", max_length=100, blank=True)
    summary = models.TextField("概述", blank=True)

    class Meta:
        ordering = ["department_name", "title", "id"]
        verbose_name = "岗位说明"
        verbose_name_plural = "岗位说明"
        constraints = [
            models.UniqueConstraint(
                fields=["source_document", "source_row"],
                condition=~Q(source_document=""),
                name="role_description_unique_source_row",
            ),
        ]

    def __str__(self):
        if self.department_name:
            return f"{self.title}（{self.department_name}）"
        return self.title

    def get_absolute_url(self):
        return reverse("postings:role_detail", kwargs={"pk": self.pk})


class RoleDescriptionItem(models.Model):
    class Kind(models.TextChoices):
        DUTY = "duty", "岗位职责"
        REQUIREMENT = "requirement", "任职要求"

    role = models.ForeignKey(
        RoleDescription, on_delete=models.CASCADE, related_name="items"
    )
    kind = models.CharField(
        "类型", max_length=12, choices=Kind.choices, default=Kind.DUTY
    )
    position = models.PositiveSmallIntegerField("顺序")
    text = models.TextField("内容")
    weight = models.PositiveSmallIntegerField(
        "考评分值",
        null=True,
        blank=True,
        help_text="原文给出的考评分值（分），没有则留空。",
    )

    class Meta:
        ordering = ["kind", "position", "id"]
        verbose_name = "岗位说明条目"
        verbose_name_plural = "岗位说明条目"
        constraints = [
            models.UniqueConstraint(
                fields=["role", "kind", "position"], name="role_item_unique_position"
            ),
        ]

    def __str__(self):
        return self.text


class PostingImport(models.Model):
    """An uploaded recruitment table, kept from its preview to its confirmation.

    The confirmation names the upload by a signed token and applies this
    stored file, never another one; see postings.importers.changes.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField("文件名", max_length=100)
    content = models.BinaryField("文件内容")
    sha256 = models.CharField("SHA-256", max_length=64)
    kind = models.CharField("格式", max_length=10, blank=True)
    notes = models.JSONField("读取说明", default=list, blank=True)
    # What the preview found: {"new": n, "changed": n, "unchanged": n, "error": n}
    counts = models.JSONField("预览统计", default=dict, blank=True)
    file_error = models.TextField("文件错误", blank=True)
    digest = models.CharField("预览摘要", max_length=64, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    previewed_at = models.DateTimeField("预览时间", null=True, blank=True)
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "岗位导入"
        verbose_name_plural = "岗位导入"

    def __str__(self):
        return self.file_name

    @property
    def reason(self):
        """The change reason every history record of this import carries."""
        return f"导入 {self.file_name}"


class PostingImportRow(models.Model):
    """One row of an upload as its preview saw it."""

    class Outcome(models.TextChoices):
        NEW = "new", "新建"
        CHANGED = "changed", "修改"
        UNCHANGED = "unchanged", "未变"
        ERROR = "error", "错误"

    upload = models.ForeignKey(
        PostingImport, on_delete=models.CASCADE, related_name="rows"
    )
    number = models.PositiveIntegerField("行号")
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices)
    posting_id = models.PositiveIntegerField("岗位编号", null=True, blank=True)
    title = models.CharField("岗位名称", max_length=200, blank=True)
    # [{"field": "招聘人数", "old": "3", "new": "5"}, {…, "item_changes": [[op, text]]}]
    changes = models.JSONField("变更", default=list, blank=True)
    # [{"column": "工作地点", "message": "…"}]
    errors = models.JSONField("错误", default=list, blank=True)

    class Meta:
        ordering = ["upload_id", "number"]
        verbose_name = "导入行"
        verbose_name_plural = "导入行"
        indexes = [
            models.Index(fields=["upload", "outcome", "number"], name="import_row_idx")
        ]

    def __str__(self):
        return f"第 {self.number} 行：{self.get_outcome_display()}"
