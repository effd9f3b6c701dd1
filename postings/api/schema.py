"""The OpenAPI description of the listing's parameters, read from the
filters' own declarations (postings.filters), so the schema cannot drift
from what the API accepts: a filter's kind says its type, and its values,
choices and bounds come from the filter itself."""

import inspect

from drf_spectacular.utils import OpenApiParameter

from ..filters import (
    FIT,
    MAX_VALUE_LENGTH,
    MAX_VALUES,
    CandidateFilter,
    FitFilter,
    InstitutionFilter,
    KeywordFilter,
    PublishedWeekFilter,
    ValuesFilter,
    education_level,
)
from ..models import Education
from . import cursors

# No control characters (Unicode category Cc), which every filter refuses.
PLAIN_TEXT = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
# An ISO week such as 2026-W05; week 53 exists only in some years.
ISO_WEEK = "^[1-9][0-9]{3}-W(0?[1-9]|[1-4][0-9]|5[0-2])$"


def bounds(coerce):
    """The (low, high) a postings.filters.whole_number coercion allows."""
    known = inspect.getclosurevars(coerce).nonlocals
    return known["low"], known["high"]


def _repeated(items, description):
    return {
        "type": "array",
        "items": items,
        "maxItems": MAX_VALUES,
        "description": description,
    }


def _filter_schema(name, filter_):
    label = str(filter_.label)
    if isinstance(filter_, KeywordFilter):
        return {
            "type": "string",
            "maxLength": filter_.extra["max_length"],
            "pattern": PLAIN_TEXT,
            "description": f"{label}：岗位名称、机构、部门、地点、职责或要求包含每个词"
            "（以空格分隔）",
        }
    if isinstance(filter_, InstitutionFilter):
        return _repeated(
            {"type": "string", "maxLength": MAX_VALUE_LENGTH, "pattern": PLAIN_TEXT},
            f"{label}：该机构或其任一下级机构的岗位；可重复，表示“任一”",
        )
    if isinstance(filter_, ValuesFilter):
        return _repeated(
            {"type": "string", "maxLength": MAX_VALUE_LENGTH, "pattern": PLAIN_TEXT},
            f"{label}：取值为导出文件中的文字；可重复，表示“任一”",
        )
    if isinstance(filter_, CandidateFilter):
        coerce = filter_.extra["coerce"]
        if coerce is education_level:
            items = {"type": "string", "enum": list(Education.labels)}
        else:
            low, high = bounds(coerce)
            items = {"type": "integer", "minimum": low, "maximum": high}
        limit = "要求不高于它" if filter_.is_floor else "限制允许它"
        return _repeated(
            items, f"{label}：{limit}或未注明要求的岗位；可重复，取最有利的一个"
        )
    if isinstance(filter_, PublishedWeekFilter):
        return _repeated(
            {"type": "string", "pattern": ISO_WEEK},
            f"{label}：在该 ISO 周（周一至周日）发布的岗位，如 2026-W05；可重复",
        )
    if isinstance(filter_, FitFilter):
        return _repeated(
            {"type": "string", "enum": [FIT]},
            f"{label}：只要本查询所述情况（学历、工作年限、年龄）完全符合的岗位："
            "所述要求都满足，且没有须本人确认的条件（证书、倒班、属地）",
        )
    if name == "sort":
        return {
            "type": "string",
            "enum": [value for value, _ in filter_.extra["choices"]],
            "description": "排序："
            + "；".join(f"{value} {text}" for value, text in filter_.extra["choices"])
            + "。有关键词时默认 relevance，否则默认 newest",
        }
    raise TypeError(f"the API schema does not describe {type(filter_).__name__}")


def _parameter(name, schema):
    description = schema.pop("description")
    many = schema["type"] == "array"
    return OpenApiParameter(
        name,
        type=schema,
        location=OpenApiParameter.QUERY,
        description=description,
        style="form" if many else None,
        explode=True if many else None,
    )


def filter_parameters(filterset_class):
    """One query parameter per filter of ``filterset_class``."""
    return [
        _parameter(name, _filter_schema(name, filter_))
        for name, filter_ in filterset_class.base_filters.items()
    ]


def paging_parameters(form_class, default):
    """``per_page`` and ``cursor`` of one of postings.api.filters' forms."""
    low, high = bounds(form_class.base_fields["per_page"].coerce)
    return [
        OpenApiParameter(
            "per_page",
            type={"type": "integer", "minimum": low, "maximum": high},
            description=f"每页条数，{low}–{high}，默认 {default}",
        ),
        OpenApiParameter(
            "cursor",
            type={"type": "string", "maxLength": cursors.MAX_LENGTH},
            description="上一页返回的 next_cursor，原样传回以取下一页",
        ),
    ]


def conditional_headers():
    """If-None-Match and If-Modified-Since, which any GET here may send."""
    return [
        OpenApiParameter(
            "If-None-Match",
            type=str,
            location=OpenApiParameter.HEADER,
            description="上次得到的 ETag：内容未变时回答 304，不带正文",
        ),
        OpenApiParameter(
            "If-Modified-Since",
            type=str,
            location=OpenApiParameter.HEADER,
            description="上次得到的 Last-Modified：之后未变时回答 304",
        ),
        OpenApiParameter(
            "ETag",
            type=str,
            location=OpenApiParameter.HEADER,
            response=[200, 304],
            description="内容的版本，可在 If-None-Match 中传回",
        ),
        OpenApiParameter(
            "Last-Modified",
            type=str,
            location=OpenApiParameter.HEADER,
            response=[200, 304],
            description="数据最后变化的时间",
        ),
    ]
