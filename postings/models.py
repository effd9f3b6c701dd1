"""The recruitment domain: who hires (institutions, departments), what they
offer (postings with duties, requirements, locations, certificates) and the
reference descriptions of bank roles and departments that are not openings.
"""

import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


def source_text(label):
    """A marked label's Chinese text, whatever the language in use: for what
    reads or writes data (imports, parameter values), not for display."""
    with translation.override(None):
        return str(label)


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

    ZHUANKE = 1, _("专科")
    BENKE = 2, _("本科")
    MASTER = 3, _("硕士")
    DOCTORATE = 4, _("博士")

    @classmethod
    def parameter_names(cls):
        """The levels' Chinese names, whatever the language: the values the
        listing's parameters, the exports and the API use ("本科")."""
        names = cls.__dict__.get("_parameter_names")
        if names is None:
            names = [source_text(label) for label in cls.labels]
            cls._parameter_names = names
        return names

    @classmethod
    def parameter_of(cls, level):
        """The Chinese name of ``level``, as a parameter value."""
        return cls.parameter_names()[cls.values.index(level)]

    @classmethod
    def from_parameter(cls, text):
        """The level a parameter names: its Chinese name, or its label in the
        language in use ("Bachelor's degree" on an English page); None when
        it names none."""
        names = cls.parameter_names()
        if text in names:
            return cls.values[names.index(text)]
        folded = str(text).casefold()
        for value, label in cls.choices:
            if str(label).casefold() == folded:
                return value
        return None


class SourceReference(models.Model):
    """Where a record came from, so HR can check it against its source."""

    source_document = models.CharField(
        _("来源文件"),
        max_length=100,
        blank=True,
        help_text=_("导入时的原始文件名；手工录入时留空。"),
    )
    source_row = models.PositiveIntegerField(
        _("来源序号"),
        null=True,
        blank=True,
        help_text=_("在来源文件中的行序号（表格序号或出现顺序）。"),
    )
    source_lines = models.CharField(
        _("来源行号"),
        max_length=50,
        blank=True,
        help_text=_("在来源文件中的行号范围，例如 363–394。"),
    )
    # Candidates cannot read "000_6f3e….txt, lines 363–394"; public pages
    # name the source by this, and the file, row and lines stay for HR.
    source_name = models.CharField(
        _("来源名称"),
        max_length=200,
        blank=True,
        help_text=_("公开页面显示的来源，例如“中国银行社会招聘岗位表”。"),
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
            reference += _(" 第 %(row)s 条") % {"row": self.source_row}
        if self.source_lines:
            reference += _("（第 %(lines)s 行）") % {"lines": self.source_lines}
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

    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("简介"), blank=True)
    note = models.TextField(
        "说明", blank=True, help_text=_("例如：原文未写明机构名称，此名称为本站所加。")
    )
    website = models.URLField(
        _("官方网站"),
        blank=True,
        help_text=_("机构自己的网站首页，只填确知的地址，例如 https://www.boc.cn/。"),
    )
    # Where the institution itself sits, for postings whose source names no
    # work location: shown as the institution's seat, never as a workplace.
    seat = models.ForeignKey(
        "Location",
        verbose_name=_("机构所在地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "只在来源写明或明确可知时填写；岗位未写明工作地点时作为机构所在地显示。"
        ),
    )
    seat_evidence = models.TextField(
        "所在地依据", blank=True, help_text=_("例如：机构名称“重庆银行”。")
    )

    objects = InstitutionQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("招聘机构历史"))

    class Meta:
        ordering = ["parent_id", "name"]
        verbose_name = pgettext_lazy("model", "招聘机构")
        verbose_name_plural = pgettext_lazy("plural", "招聘机构")
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
            models.CheckConstraint(
                condition=Q(seat__isnull=True) | ~Q(seat_evidence=""),
                name="institution_seat_has_evidence",
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
                            _("上级机构不能是本机构或其下级机构。"), code="cycle"
                        )
                    }
                )
            seen.add(ancestor.pk)
            ancestor = ancestor.parent

        if self.seat_id and not self.seat_evidence.strip():
            raise ValidationError(
                {
                    "seat_evidence": ValidationError(
                        _("请写明机构所在地的依据（来源中的哪句话或哪个名称）。"),
                        code="seat_without_evidence",
                    )
                }
            )

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
        verbose_name=_("所属机构"),
        on_delete=models.PROTECT,
        related_name="departments",
    )
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("部门职能"), blank=True)

    history = HistoricalRecords(verbose_name=_("招聘部门历史"))

    class Meta:
        ordering = ["institution_id", "name"]
        verbose_name = pgettext_lazy("model", "招聘部门")
        verbose_name_plural = pgettext_lazy("plural", "招聘部门")
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

    name = models.CharField(_("地点"), max_length=50, db_index=True)
    province = models.CharField(
        _("省级行政区"), max_length=10, choices=Province.choices, db_index=True
    )

    class Meta:
        ordering = ["province", "name"]
        verbose_name = pgettext_lazy("model", "工作地点")
        verbose_name_plural = pgettext_lazy("plural", "工作地点")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "name"], name="location_unique_in_province"
            ),
        ]

    def __str__(self):
        if self.name.startswith(self.province):
            return self.name
        return _("%(name)s（%(detail)s）") % {
            "name": self.name,
            "detail": self.province,
        }


class Certificate(models.Model):
    """A professional qualification candidates can hold (CFA, 法律职业资格 …)."""

    name = models.CharField(_("证书"), max_length=60, unique=True)
    full_name = models.CharField(_("全称"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = pgettext_lazy("model", "资格证书")
        verbose_name_plural = pgettext_lazy("plural", "资格证书")

    def __str__(self):
        if self.full_name and self.full_name != self.name:
            return _("%(name)s（%(detail)s）") % {
                "name": self.name,
                "detail": self.full_name,
            }
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

    def update(self, **fields):
        """Update in SQL, and log each posting's change for the public pages
        (postings.changes): an update sends no save signals."""
        with transaction.atomic(using=self.db):
            changed = list(self.values_list("pk", flat=True))
            updated = super().update(**fields)
            BoardChange.objects.bulk_create(
                [
                    BoardChange(kind=BoardChange.Kind.POSTING, object_id=pk)
                    for pk in changed
                ]
            )
        return updated

    def newest_first(self):
        """Most recently published first; the model's own default order."""
        return self.order_by("-published_on", "-id")

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

    def for_detail(self):
        """What a posting's own page shows, in a constant number of queries."""
        return self.select_related(
            "employer", "institution__parent", "institution__seat", "department"
        ).prefetch_related(
            "duties",
            "requirements",
            "posting_locations__location",
            models.Prefetch(
                "posting_certificates",
                queryset=PostingCertificate.objects.select_related("certificate"),
            ),
        )


class Posting(SourceReference):
    """One opening: a position at an institution, with what it asks and offers."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        CLOSED = "closed", _("已关闭")

    title = models.CharField(_("岗位名称"), max_length=200)
    employer = models.ForeignKey(
        Institution,
        verbose_name=_("用人单位"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        help_text=_("招聘机构所属的最上级机构，保存时自动确定。"),
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("招聘机构"),
        on_delete=models.PROTECT,
        related_name="postings",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("招聘部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="postings",
    )
    grade = models.CharField(_("岗位职级"), max_length=50, blank=True)
    category = models.CharField(_("招聘类别"), max_length=50, blank=True)
    headcount = models.PositiveIntegerField(
        _("招聘人数"),
        null=True,
        blank=True,
        help_text=_("原文未写明人数时留空（显示为“若干”）。"),
    )
    locations = models.ManyToManyField(
        Location,
        verbose_name=_("工作地点"),
        through="PostingLocation",
        related_name="postings",
        blank=True,
    )
    certificates = models.ManyToManyField(
        Certificate,
        verbose_name=_("资格证书"),
        through="PostingCertificate",
        related_name="postings",
        blank=True,
    )

    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    closes_on = models.DateField(
        _("报名截止日期"),
        null=True,
        blank=True,
        help_text=_("留空表示长期有效，直到手动关闭。"),
    )

    # 申请方式: where and how a candidate applies. Sources rarely say; the
    # page says so plainly rather than leave candidates guessing.
    application_url = models.URLField(
        _("申请网址"),
        max_length=500,
        blank=True,
        help_text=_("可以直接提交这个岗位申请的网页；只有说明、不能在线申请时留空。"),
    )
    application_instructions = models.TextField(
        _("申请方式"),
        blank=True,
        help_text=_(
            "例如：请将简历发送至 hr@example.com，邮件标题注明“应聘岗位＋姓名”。"
        ),
    )

    # Structured facts a candidate filters by. Each keeps the sentence it was
    # read from, so HR and candidates can see why a posting matches.
    min_education = models.PositiveSmallIntegerField(
        _("最低学历"), choices=Education.choices, null=True, blank=True
    )
    min_education_evidence = models.TextField(_("学历依据"), blank=True)
    min_years_experience = models.PositiveSmallIntegerField(
        _("最低工作年限"), null=True, blank=True
    )
    min_years_experience_evidence = models.TextField(_("年限依据"), blank=True)
    max_age = models.PositiveSmallIntegerField(_("年龄上限"), null=True, blank=True)
    max_age_evidence = models.TextField(_("年龄依据"), blank=True)
    majors = models.JSONField(_("专业"), default=list, blank=True)
    majors_evidence = models.TextField(_("专业依据"), blank=True)
    requires_shift_work = models.BooleanField(_("需适应倒班"), default=False)
    shift_work_evidence = models.TextField(_("倒班依据"), blank=True)
    requires_local_residence = models.BooleanField(
        _("需家庭或生活基础在当地"), default=False
    )
    local_residence_evidence = models.TextField(_("属地依据"), blank=True)

    is_generated = models.BooleanField(
        _("生成的测试数据"),
        default=False,
        editable=False,
        help_text=_("由 generate_postings 生成的性能测试数据，可一并删除。"),
    )

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PostingQuerySet.as_manager()
    # Every create, update and delete, from the admin, an import or a shell.
    history = HistoricalRecords(verbose_name=_("招聘岗位历史"))

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = pgettext_lazy("model", "招聘岗位")
        verbose_name_plural = pgettext_lazy("plural", "招聘岗位")
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
                _("招聘人数至少为 1 人。"), code="headcount_min"
            )
        if self.published_on and self.closes_on and self.closes_on < self.published_on:
            errors["closes_on"] = ValidationError(
                _("报名截止日期不能早于发布日期。"), code="deadline_before_publication"
            )
        if self.status == self.Status.PUBLISHED and not self.published_on:
            errors["published_on"] = ValidationError(
                _("已发布的岗位需要发布日期。"), code="published_without_date"
            )
        if self.max_age is not None and not 16 <= self.max_age <= 70:
            errors["max_age"] = ValidationError(
                _("年龄上限应在 16 至 70 岁之间。"), code="age_range"
            )
        if self.min_years_experience is not None and self.min_years_experience > 50:
            errors["min_years_experience"] = ValidationError(
                _("最低工作年限不能超过 50 年。"), code="years_range"
            )
        if (
            self.department_id
            and self.institution_id
            and self.department.institution_id != self.institution_id
        ):
            errors["department"] = ValidationError(
                _("所选部门不属于该招聘机构。"), code="department_institution_mismatch"
            )
        if errors:
            raise ValidationError(errors)

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
            raise ValidationError(_("该岗位已经发布。"), code="already_published")
        if self.status == self.Status.CLOSED:
            raise ValidationError(
                _("已关闭的岗位请使用“重新开放”。"), code="closed_use_reopen"
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
                _("只有已发布的岗位可以关闭。"), code="close_not_published"
            )
        self.status = self.Status.CLOSED
        self.save()

    def reopen(self, closes_on=None):
        if self.status != self.Status.CLOSED:
            raise ValidationError(
                _("只有已关闭的岗位可以重新开放。"), code="reopen_not_closed"
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
        Location, verbose_name=_("工作地点"), on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    history = HistoricalRecords(verbose_name=_("工作地点历史"))

    class Meta:
        ordering = ["position", "id"]
        verbose_name = pgettext_lazy("model", "工作地点")
        verbose_name_plural = pgettext_lazy("plural", "工作地点")
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
        Certificate, verbose_name=_("证书"), on_delete=models.PROTECT, related_name="+"
    )
    is_preferred = models.BooleanField(_("优先条件"), default=True)
    evidence = models.TextField(_("依据"), blank=True)

    history = HistoricalRecords(verbose_name=_("资格证书历史"))

    class Meta:
        ordering = ["id"]
        verbose_name = pgettext_lazy("model", "资格证书")
        verbose_name_plural = pgettext_lazy("plural", "资格证书")
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
    position = models.PositiveSmallIntegerField(_("顺序"))
    text = models.TextField(_("职责"))

    history = HistoricalRecords(verbose_name=_("岗位职责历史"))

    class Meta:
        ordering = ["position", "id"]
        verbose_name = pgettext_lazy("model", "岗位职责")
        verbose_name_plural = pgettext_lazy("plural", "岗位职责")
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
    position = models.PositiveSmallIntegerField(_("顺序"))
    section = models.CharField(
        _("分组"),
        max_length=50,
        blank=True,
        help_text=_("原文的小标题，例如“专业能力及素质”。"),
    )
    text = models.TextField(_("要求"))
    is_preferred = models.BooleanField(_("优先条件"), default=False)

    history = HistoricalRecords(verbose_name=_("任职要求历史"))

    class Meta:
        ordering = ["position", "id"]
        verbose_name = pgettext_lazy("model", "任职要求")
        verbose_name_plural = pgettext_lazy("plural", "任职要求")
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
        verbose_name = pgettext_lazy("model", "检索数据")
        verbose_name_plural = pgettext_lazy("plural", "检索数据")

    def __str__(self):
        return _("检索数据：%(posting)s") % {"posting": self.posting_id}


class BoardChange(models.Model):
    """A committed change to something the public pages show.

    Written in the same transaction as the change itself (see
    postings.changes), so a change is in this log exactly when it is in the
    database. Every process reads the log to bring its in-memory board
    (postings.board) up to date and to tell which cached pages a change
    can affect (postings.caching). Old entries are purged.
    """

    class Kind(models.TextChoices):
        POSTING = "posting", _("招聘岗位")
        INSTITUTION = "institution", _("招聘机构")
        DEPARTMENT = "department", _("招聘部门")
        LOCATION = "location", _("工作地点")
        CERTIFICATE = "certificate", _("资格证书")
        REFERENCE = "reference", _("岗位与部门说明")
        # Many postings at once (a bulk load): every reader starts afresh.
        RELOAD = "reload", _("全部重新载入")

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    object_id = models.BigIntegerField(_("对象编号"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = pgettext_lazy("model", "公开页面变更记录")
        verbose_name_plural = pgettext_lazy("plural", "公开页面变更记录")

    def __str__(self):
        return f"{self.get_kind_display()} {self.object_id or ''}".strip()


class InstitutionAccess(models.Model):
    """A staff user's institution: they work with it and everything below it.

    What they may do there comes from their role group (HR editor or
    recruiter); see postings.access.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="institution_access",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("机构"),
        on_delete=models.CASCADE,
        related_name="staff_access",
    )

    class Meta:
        ordering = ["user_id", "institution_id"]
        verbose_name = pgettext_lazy("model", "机构授权")
        verbose_name_plural = pgettext_lazy("plural", "机构授权")
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
        FRONT = "front", _("前台市场营销部门")
        MIDDLE = "middle", _("中台风险控制部门")
        BACK = "back", _("后台综合管理部门")

    name = models.CharField(_("部门"), max_length=100)
    organisation = models.CharField(
        _("所属机构（原文）"),
        max_length=100,
        blank=True,
        help_text=_("原文写明的机构，例如“某某银行”。"),
    )
    office_tier = models.CharField(
        _("前中后台"), max_length=10, choices=OfficeTier.choices, blank=True
    )
    summary = models.TextField(_("概述"), blank=True)
    functions = models.JSONField(_("主要职能"), default=list, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = pgettext_lazy("model", "部门职能说明")
        verbose_name_plural = pgettext_lazy("plural", "部门职能说明")
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

    title = models.CharField(_("岗位"), max_length=200)
    organisation = models.CharField(_("所属机构（原文）"), max_length=100, blank=True)
    department_name = models.CharField(
        _("所属部门（原文）"), max_length=100, blank=True
    )
    summary = models.TextField(_("概述"), blank=True)

    class Meta:
        ordering = ["department_name", "title", "id"]
        verbose_name = pgettext_lazy("model", "岗位说明")
        verbose_name_plural = pgettext_lazy("plural", "岗位说明")
        constraints = [
            models.UniqueConstraint(
                fields=["source_document", "source_row"],
                condition=~Q(source_document=""),
                name="role_description_unique_source_row",
            ),
        ]

    def __str__(self):
        if self.department_name:
            return _("%(name)s（%(detail)s）") % {
                "name": self.title,
                "detail": self.department_name,
            }
        return self.title

    def get_absolute_url(self):
        return reverse("postings:role_detail", kwargs={"pk": self.pk})


class RoleDescriptionItem(models.Model):
    class Kind(models.TextChoices):
        DUTY = "duty", _("岗位职责")
        REQUIREMENT = "requirement", _("任职要求")

    role = models.ForeignKey(
        RoleDescription, on_delete=models.CASCADE, related_name="items"
    )
    kind = models.CharField(
        _("类型"), max_length=12, choices=Kind.choices, default=Kind.DUTY
    )
    position = models.PositiveSmallIntegerField(_("顺序"))
    text = models.TextField(_("内容"))
    weight = models.PositiveSmallIntegerField(
        _("考评分值"),
        null=True,
        blank=True,
        help_text=_("原文给出的考评分值（分），没有则留空。"),
    )

    class Meta:
        ordering = ["kind", "position", "id"]
        verbose_name = pgettext_lazy("model", "岗位说明条目")
        verbose_name_plural = pgettext_lazy("plural", "岗位说明条目")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "kind", "position"], name="role_item_unique_position"
            ),
        ]

    def __str__(self):
        return self.text


# --- Job alerts (岗位订阅) ------------------------------------------------------
# A candidate subscribes a listing's filter with an email address, confirms it
# by a signed link, and then receives the new matching postings daily or
# weekly (postings.alerts; `manage.py send_alerts`).


class AlertSubscriptionQuerySet(models.QuerySet):
    def live(self):
        """Pending or confirmed: not unsubscribed."""
        return self.filter(unsubscribed_at__isnull=True)

    def pending(self):
        return self.live().filter(confirmed_at__isnull=True)

    def confirmed(self):
        return self.live().filter(confirmed_at__isnull=False)

    def for_email(self, email):
        return self.filter(email=email)

    def due_on(self, date):
        """Confirmed subscriptions whose daily or weekly digest is due on
        ``date``: never checked, or last checked a day (a week) before."""
        Frequency = AlertSubscription.Frequency
        return self.confirmed().filter(
            Q(checked_on__isnull=True)
            | Q(frequency=Frequency.DAILY, checked_on__lt=date)
            | Q(
                frequency=Frequency.WEEKLY,
                checked_on__lte=date - datetime.timedelta(days=7),
            )
        )


class AlertSubscription(models.Model):
    """One saved search of one email address (岗位订阅).

    ``query`` is the listing's filter in normal form (see
    postings.alerts.normalise_query): the same search always has the same
    query, so an address holds it once.
    """

    class Frequency(models.TextChoices):
        DAILY = "daily", _("每天")
        WEEKLY = "weekly", _("每周")

    email = models.EmailField(_("邮箱"))
    query = models.CharField(
        _("筛选条件"),
        max_length=2000,
        blank=True,
        help_text=_(
            "规范化的查询参数，例如 category=信息科技类&province=北京；空表示全部岗位。"
        ),
    )
    description = models.CharField(_("订阅内容"), max_length=300)
    frequency = models.CharField(
        _("频率"), max_length=10, choices=Frequency.choices, default=Frequency.DAILY
    )
    created_at = models.DateTimeField(_("订阅时间"), auto_now_add=True)
    created_ip = models.GenericIPAddressField(_("订阅时的网络地址"), null=True)
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("退订时间"), null=True, blank=True)
    checked_on = models.DateField(
        _("最近检查日期"),
        null=True,
        blank=True,
        help_text=_("send_alerts 最近一次为此订阅查找新岗位的日期。"),
    )
    last_mailed_at = models.DateTimeField(_("最近发送时间"), null=True, blank=True)
    # The interface language it was made in: its mails and links use it.
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")

    objects = AlertSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["email", "-created_at", "-id"]
        verbose_name = pgettext_lazy("model", "岗位订阅")
        verbose_name_plural = pgettext_lazy("plural", "岗位订阅")
        constraints = [
            models.UniqueConstraint(
                fields=["email", "query"],
                condition=Q(unsubscribed_at__isnull=True),
                name="alert_subscription_unique_live_search",
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=["daily", "weekly"]),
                name="alert_subscription_frequency_known",
            ),
        ]
        indexes = [
            models.Index(fields=["created_ip", "created_at"], name="alert_ip_idx"),
        ]

    def __str__(self):
        return _("%(email)s：%(description)s") % {
            "email": self.email,
            "description": self.description,
        }

    def get_search_url(self):
        """The listing this subscription watches."""
        url = reverse("postings:posting_list")
        return f"{url}?{self.query}" if self.query else url

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None and self.unsubscribed_at is None

    @property
    def is_pending(self):
        return self.confirmed_at is None and self.unsubscribed_at is None

    @property
    def is_unsubscribed(self):
        return self.unsubscribed_at is not None

    @property
    def first_day(self):
        """Postings published from this day on are new to the subscriber;
        the listing showed them the earlier ones when they subscribed."""
        return timezone.localdate(self.confirmed_at)

    def confirm(self):
        if self.unsubscribed_at is not None:
            raise ValidationError(
                _("该订阅已退订，请重新订阅。"), code="confirm_unsubscribed"
            )
        if self.confirmed_at is None:
            self.confirmed_at = timezone.now()
            self.save(update_fields=["confirmed_at"])

    def unsubscribe(self):
        if self.unsubscribed_at is None:
            self.unsubscribed_at = timezone.now()
            self.save(update_fields=["unsubscribed_at"])

    def change_frequency(self, frequency):
        if frequency not in self.Frequency.values:
            raise ValidationError(_("未知的发送频率。"), code="unknown_frequency")
        self.frequency = frequency
        self.save(update_fields=["frequency"])


class AlertMailQuerySet(models.QuerySet):
    def unsent(self):
        """Recorded, neither sent nor given up on: what send_alerts sends."""
        return self.filter(sent_at__isnull=True, abandoned_at__isnull=True)

    def requested_since(self, moment):
        """Mails a visitor asked for (confirmations, management links)."""
        return self.filter(created_at__gte=moment).exclude(kind=AlertMail.Kind.DIGEST)


class AlertMail(models.Model):
    """Every mail the alerts send, recorded before it is sent (an outbox).

    A digest is recorded, with the postings it announces (AlertDelivery),
    in one transaction; it is sent afterwards and marked sent. So a crash
    or a failing mail server leaves it unsent, and the next run sends it;
    its postings are never announced again by another digest.
    """

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("确认订阅")
        DIGEST = "digest", _("新岗位提醒")
        MANAGE_LINK = "manage_link", _("管理链接")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    recipient = models.EmailField(_("收件人"))
    subscription = models.ForeignKey(
        AlertSubscription,
        verbose_name=_("订阅"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="mails",
    )
    client_ip = models.GenericIPAddressField(_("请求者网络地址"), null=True, blank=True)
    posting_count = models.PositiveIntegerField(_("新岗位数"), default=0)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("发送失败次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    abandoned_at = models.DateTimeField(
        _("放弃时间"),
        null=True,
        blank=True,
        help_text=_("多次发送失败或订阅已退订，不再重试。"),
    )

    objects = AlertMailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("model", "订阅邮件")
        verbose_name_plural = pgettext_lazy("plural", "订阅邮件")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="digest") | Q(subscription__isnull=False),
                name="alert_mail_digest_has_subscription",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "created_at"], name="alert_mail_to_idx"),
            models.Index(
                fields=["id"],
                condition=Q(sent_at__isnull=True, abandoned_at__isnull=True),
                name="alert_mail_unsent_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"


class AlertDelivery(models.Model):
    """A posting announced to a subscription, by one digest: at most once."""

    mail = models.ForeignKey(
        AlertMail,
        verbose_name=_("邮件"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    subscription = models.ForeignKey(
        AlertSubscription,
        verbose_name=_("订阅"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    posting = models.ForeignKey(
        Posting,
        verbose_name=_("岗位"),
        on_delete=models.CASCADE,
        related_name="alert_deliveries",
    )

    class Meta:
        ordering = ["mail_id", "id"]
        verbose_name = pgettext_lazy("model", "已提醒岗位")
        verbose_name_plural = pgettext_lazy("plural", "已提醒岗位")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "posting"],
                name="alert_delivery_once_per_subscription",
            ),
        ]

    def __str__(self):
        # Shown to HR in a posting's deletion summary: no subscriber address.
        return _("订阅提醒 #%(mail)s 中的岗位") % {"mail": self.mail_id}


class PostingImport(models.Model):
    """An uploaded recruitment table, kept from its preview to its confirmation.

    The confirmation names the upload by a signed token and applies this
    stored file, never another one; see postings.importers.plans.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file_name = models.CharField(_("文件名"), max_length=100)
    content = models.BinaryField(_("文件内容"))
    sha256 = models.CharField("SHA-256", max_length=64)
    kind = models.CharField(_("格式"), max_length=10, blank=True)
    notes = models.JSONField(_("读取说明"), default=list, blank=True)
    # What the preview found: {"new": n, "changed": n, "unchanged": n, "error": n}
    counts = models.JSONField(_("预览统计"), default=dict, blank=True)
    file_error = models.TextField(_("文件错误"), blank=True)
    digest = models.CharField(_("预览摘要"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    previewed_at = models.DateTimeField(_("预览时间"), null=True, blank=True)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = pgettext_lazy("model", "岗位导入")
        verbose_name_plural = pgettext_lazy("plural", "岗位导入")

    def __str__(self):
        return self.file_name

    @property
    def reason(self):
        """The change reason every history record of this import carries."""
        return _("导入 %(file)s") % {"file": self.file_name}


class PostingImportRow(models.Model):
    """One row of an upload as its preview saw it."""

    class Outcome(models.TextChoices):
        NEW = "new", _("新建")
        CHANGED = "changed", _("修改")
        UNCHANGED = "unchanged", _("未变")
        ERROR = "error", _("错误")

    upload = models.ForeignKey(
        PostingImport, on_delete=models.CASCADE, related_name="rows"
    )
    number = models.PositiveIntegerField(_("行号"))
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)
    posting_id = models.PositiveIntegerField(_("岗位编号"), null=True, blank=True)
    title = models.CharField(_("岗位名称"), max_length=200, blank=True)
    # [{"field": "招聘人数", "old": "3", "new": "5"}, {…, "item_changes": [[op, text]]}]
    changes = models.JSONField(_("变更"), default=list, blank=True)
    # [{"column": "工作地点", "message": "…"}]
    errors = models.JSONField(_("错误"), default=list, blank=True)

    class Meta:
        ordering = ["upload_id", "number"]
        verbose_name = pgettext_lazy("model", "导入行")
        verbose_name_plural = pgettext_lazy("plural", "导入行")
        indexes = [
            models.Index(fields=["upload", "outcome", "number"], name="import_row_idx")
        ]

    def __str__(self):
        return _("第 %(number)s 行：%(outcome)s") % {
            "number": self.number,
            "outcome": self.get_outcome_display(),
        }
