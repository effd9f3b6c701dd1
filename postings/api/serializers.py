"""The shapes of the API's answers. They render plain dicts (a posting is
the export's row, postings.exports.rows) and describe them in the OpenAPI
schema, so what the schema promises is what the answer holds."""

from rest_framework import serializers

from ..exports import COLUMNS
from ..filters import PostingFilter
from ..models import Education

# The export's Chinese column headers describe the same keys here.
HEADERS = dict(COLUMNS)
PUBLIC_STATUSES = ["招聘中", "已截止", "待发布"]


def _text(key, **options):
    return serializers.CharField(help_text=HEADERS[key], **options)


def _number(key, **options):
    return serializers.IntegerField(help_text=HEADERS[key], **options)


def _texts(key):
    return serializers.ListField(child=serializers.CharField(), help_text=HEADERS[key])


class PostingSerializer(serializers.Serializer):
    # The schema shows a serializer's docstring to the API's readers.
    """岗位：与 JSON 导出相同的键，顺序也相同。"""

    id = _number("id")
    url = serializers.URLField(help_text=f"{HEADERS['url']}（岗位页面）")
    employer = _text("employer")
    institution = _text("institution")
    department = _text("department", allow_null=True)
    title = _text("title")
    grade = _text("grade", allow_blank=True)
    category = _text("category", allow_blank=True)
    headcount = _number("headcount", allow_null=True)
    locations = _texts("locations")
    provinces = _texts("provinces")
    duties = _texts("duties")
    requirements = _texts("requirements")
    min_education = serializers.ChoiceField(
        choices=Education.labels, allow_null=True, help_text=HEADERS["min_education"]
    )
    min_years_experience = _number("min_years_experience", allow_null=True)
    max_age = _number("max_age", allow_null=True)
    certificates = _texts("certificates")
    status = serializers.ChoiceField(
        choices=PUBLIC_STATUSES, help_text=HEADERS["status"]
    )
    published_on = serializers.DateField(
        allow_null=True, help_text=HEADERS["published_on"]
    )
    closes_on = serializers.DateField(allow_null=True, help_text=HEADERS["closes_on"])
    source_document = _text("source_document", allow_null=True)
    source_position = _number("source_position", allow_null=True)


class PostingPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="符合条件的岗位总数（精确值）")
    next = serializers.URLField(
        allow_null=True, help_text="下一页的完整地址；没有下一页时为 null"
    )
    next_cursor = serializers.CharField(
        allow_null=True, help_text="下一页的游标（作为 cursor 参数传回）"
    )
    results = PostingSerializer(many=True)


class InstitutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="名称")
    parent = serializers.IntegerField(
        allow_null=True, help_text="上级机构的编号；用人单位（总行）为 null"
    )
    employer = serializers.IntegerField(help_text="所属用人单位（最上级机构）的编号")
    path = serializers.ListField(
        child=serializers.CharField(), help_text="从用人单位到本机构的名称"
    )
    children = serializers.ListField(
        child=serializers.IntegerField(), help_text="直属下级机构的编号"
    )
    description = serializers.CharField(allow_blank=True, help_text="简介")
    note = serializers.CharField(allow_blank=True, help_text="说明")
    open_postings = serializers.IntegerField(
        help_text="本机构及其下级机构正在招聘的岗位数"
    )
    url = serializers.URLField(help_text="机构页面")
    postings_url = serializers.URLField(help_text="本机构及其下级机构的岗位（本接口）")


class DepartmentSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class InstitutionDetailSerializer(InstitutionSerializer):
    departments = DepartmentSummarySerializer(many=True, help_text="招聘部门")


class InstitutionPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    next_cursor = serializers.CharField(allow_null=True)
    results = InstitutionSerializer(many=True)


class DepartmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="名称")
    institution = serializers.IntegerField(help_text="所属机构的编号")
    institution_name = serializers.CharField(help_text="所属机构的名称")
    employer = serializers.IntegerField(help_text="所属用人单位的编号")
    description = serializers.CharField(allow_blank=True, help_text="部门职能")
    open_postings = serializers.IntegerField(help_text="正在招聘的岗位数")
    url = serializers.URLField(help_text="部门页面")
    postings_url = serializers.URLField(help_text="本部门的岗位（本接口）")


class DepartmentPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    next_cursor = serializers.CharField(allow_null=True)
    results = DepartmentSerializer(many=True)


# The filters the listing shows with counts, by parameter name and label.
FACET_CHOICES = [
    (name, str(filter_.label))
    for name, filter_ in PostingFilter.base_filters.items()
    if getattr(filter_, "has_counts", False)
]
FACET_NAMES = [name for name, _ in FACET_CHOICES]


class FacetOptionSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="筛选值（作为同名参数传给岗位列表）")
    count = serializers.IntegerField(help_text="选中这个值时的岗位数")
    selected = serializers.BooleanField(help_text="当前查询是否已选中")


class FacetSerializer(serializers.Serializer):
    name = serializers.ChoiceField(choices=FACET_CHOICES, help_text="参数名")
    label = serializers.CharField(help_text="名称")
    cumulative = serializers.BooleanField(
        help_text="为 true 时（学历）每项计数包含要求更低或未注明要求的岗位"
    )
    options = FacetOptionSerializer(many=True)


class FacetsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="符合全部条件的岗位总数")
    facets = FacetSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="HTTP 状态码")
    title = serializers.CharField(help_text="错误类别")
    errors = serializers.ListField(
        child=serializers.CharField(), help_text="出错的原因，与网页上的提示相同"
    )
