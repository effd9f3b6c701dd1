"""Postings as rows for recruiters: one column schema for every format.

The keys below, in this order, are the JSON export's; CSV and Excel use the
Chinese headers mapped one-to-one from them. Rows are produced lazily from a
chunked iterator, so an export of any size holds one chunk in memory.
"""

import json

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from .models import PostingCertificate, PostingLocation

COLUMNS = [
    ("id", "编号"),
    ("url", "链接"),
    ("employer", "用人单位"),
    ("institution", "招聘机构"),
    ("department", "招聘部门"),
    ("title", "岗位名称"),
    ("grade", "岗位职级"),
    ("category", "招聘类别"),
    ("headcount", "招聘人数"),
    ("locations", "工作地点"),
    ("provinces", "省份"),
    ("duties", "岗位职责"),
    ("requirements", "任职要求"),
    ("min_education", "最低学历"),
    ("min_years_experience", "最低工作年限"),
    ("max_age", "年龄上限"),
    ("certificates", "资格证书"),
    ("status", "状态"),
    ("published_on", "发布日期"),
    ("closes_on", "报名截止日期"),
    ("source_document", "来源文件"),
    ("source_position", "来源序号"),
]
KEYS = [key for key, _ in COLUMNS]
HEADERS = dict(COLUMNS)

CHUNK_SIZE = 2000


def public_status(posting, today):
    """The status a candidate would read: 招聘中, 已截止, 待发布 or 草稿."""
    if posting.status == posting.Status.DRAFT:
        return "草稿"
    if posting.is_open_on(today):
        return "招聘中"
    if posting.status == posting.Status.PUBLISHED and posting.published_on > today:
        return "待发布"
    return "已截止"


def requirement_text(requirement):
    if requirement.section:
        return f"{requirement.section}：{requirement.text}"
    return requirement.text


def for_export(queryset):
    """The queryset with everything a row needs, fetched per chunk."""
    return queryset.select_related(
        "employer", "institution", "department"
    ).prefetch_related(
        Prefetch(
            "posting_locations",
            queryset=PostingLocation.objects.select_related("location"),
        ),
        "duties",
        "requirements",
        Prefetch(
            "posting_certificates",
            queryset=PostingCertificate.objects.select_related("certificate"),
        ),
    )


def rows(queryset, *, base_url=None, today=None):
    """One dict per posting, keys in COLUMNS order; lists stay lists."""
    base_url = (base_url or settings.SITE_URL).rstrip("/")
    today = today or timezone.localdate()
    for posting in for_export(queryset).iterator(chunk_size=CHUNK_SIZE):
        locations = [pl.location for pl in posting.posting_locations.all()]
        provinces = list(dict.fromkeys(location.province for location in locations))
        yield {
            "id": posting.pk,
            "url": f"{base_url}{posting.get_absolute_url()}",
            "employer": posting.employer.name,
            "institution": posting.institution.name,
            "department": posting.department.name if posting.department else None,
            "title": posting.title,
            "grade": posting.grade,
            "category": posting.category,
            "headcount": posting.headcount,
            "locations": [location.name for location in locations],
            "provinces": provinces,
            "duties": [duty.text for duty in posting.duties.all()],
            "requirements": [requirement_text(r) for r in posting.requirements.all()],
            "min_education": posting.get_min_education_display()
            if posting.min_education
            else None,
            "min_years_experience": posting.min_years_experience,
            "max_age": posting.max_age,
            "certificates": [
                pc.certificate.name for pc in posting.posting_certificates.all()
            ],
            "status": public_status(posting, today),
            "published_on": posting.published_on.isoformat()
            if posting.published_on
            else None,
            "closes_on": posting.closes_on.isoformat() if posting.closes_on else None,
            "source_document": posting.source_document or None,
            "source_position": posting.source_row,
        }


def iter_json(row_iter):
    """A JSON array, one object per line, produced piece by piece."""
    yield "["
    for index, row in enumerate(row_iter):
        yield ("\n" if index == 0 else ",\n") + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"
