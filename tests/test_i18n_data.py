"""The listing's data in English: filter messages and labels, eligibility
statements, export headers and model labels follow the request's language,
and Chinese stays the default."""

import csv
import io
import json

import pytest
from django.http import QueryDict
from django.utils import translation

from postings import eligibility, exports
from postings.filters import PostingFilter, active_filters, filter_errors
from postings.models import Education, Posting
from postings.situation import Situation


def errors_for(query):
    filterset = PostingFilter(query, queryset=Posting.objects.all())
    filterset.is_valid()
    return filter_errors(filterset)


@pytest.mark.django_db
def test_filter_messages_follow_the_language():
    assert errors_for({"age": "abc"}) == ["我的年龄：年龄须为整数，收到“abc”。"]
    with translation.override("en"):
        assert errors_for({"age": "abc"}) == [
            "My age: Age must be a whole number; received “abc”."
        ]
        assert errors_for({"experience": "99"}) == [
            "My years of experience: Work experience must be between 0 and 60."
        ]


@pytest.mark.django_db
def test_education_takes_its_chinese_name_or_its_english_label():
    with translation.override("en"):
        for value in ("本科", "Bachelor's degree", "bachelor's degree"):
            filterset = PostingFilter(
                {"education": value}, queryset=Posting.objects.all()
            )
            assert filterset.is_valid(), value
            assert filterset.form.cleaned_data["education"] == [Education.BENKE]
        (message,) = errors_for({"education": "x"})
        assert message == (
            "My education: Education must be one of Associate degree, "
            "Bachelor's degree, Master's degree, Doctorate; received “x”."
        )
    (message,) = errors_for({"education": "x"})
    assert message == "我的学历：学历须为 专科、本科、硕士、博士 之一，收到“x”。"


@pytest.mark.django_db
def test_chips_read_in_english():
    query = QueryDict("experience=3&age=30&education=%E6%9C%AC%E7%A7%91")
    with translation.override("en"):
        filterset = PostingFilter(query, queryset=Posting.objects.all())
        filterset.is_valid()
        chips = {chip.label: chip.value for chip in active_filters(filterset)}
    assert chips == {
        "My years of experience": "3 years",
        "My age": "30 years old",
        "My education": "Bachelor's degree",
    }
    filterset = PostingFilter(query, queryset=Posting.objects.all())
    filterset.is_valid()
    chips = {chip.label: chip.value for chip in active_filters(filterset)}
    assert chips == {"我的工作年限": "3 年", "我的年龄": "30 岁", "我的学历": "本科"}


@pytest.mark.django_db
def test_eligibility_statements_in_english(seeded):
    posting = Posting.objects.first()
    posting.min_education, posting.min_years_experience = Education.BENKE, 3
    posting.max_age = 35
    situation = Situation(education=Education.ZHUANKE, experience=5, age=36)
    with translation.override("en"):
        result = eligibility.check(posting, situation)
        assert [c.statement for c in result.checks[:3]] == [
            "Education: Associate degree < Bachelor's degree or above",
            "Work experience: 5 ≥ 3 years or more",
            "Age: 36 > 35 or younger",
        ]
        assert result.verdict.label == "Not eligible"
    assert eligibility.check(posting, situation).verdict.label == "不符合"


@pytest.mark.django_db
def test_english_exports_have_english_headers(client, seeded):
    response = client.get("/en/export.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["ID", "Link", "Employer"]
    assert "Position title" in rows[0] and "Application deadline" in rows[0]
    assert {row[rows[0].index("Status")] for row in rows[1:]} <= {
        "Open",
        "Closed",
        "Scheduled",
    }

    chinese = client.get("/export.csv")
    text = b"".join(chinese.streaming_content).decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(text)))[:3] == ["编号", "链接", "用人单位"]


@pytest.mark.django_db
def test_english_json_keeps_its_keys(client, seeded):
    english = json.loads(b"".join(client.get("/en/export.json").streaming_content))
    chinese = json.loads(b"".join(client.get("/export.json").streaming_content))
    assert english and [list(row) for row in english] == [list(row) for row in chinese]
    assert list(english[0]) == [key for key, _ in exports.COLUMNS]
    assert {row["status"] for row in english} <= {"Open", "Closed", "Scheduled"}
    assert {row["status"] for row in chinese} <= {"招聘中", "已截止", "待发布"}


@pytest.mark.django_db
def test_english_xlsx_headers(client, seeded):
    openpyxl = pytest.importorskip("openpyxl")
    response = client.get("/en/export.xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    assert sheet.title == "Positions"
    assert [cell.value for cell in sheet[1]][:3] == ["ID", "Link", "Employer"]


def test_model_labels_are_english_on_english_pages_only():
    field = Posting._meta.get_field("min_education")
    assert str(field.verbose_name) == "最低学历"
    assert str(Posting._meta.verbose_name) == "招聘岗位"
    assert Education.parameter_names() == ["专科", "本科", "硕士", "博士"]
    with translation.override("en"):
        assert str(field.verbose_name) == "Minimum education"
        assert str(Posting._meta.verbose_name) == "position"
        assert str(Posting._meta.verbose_name_plural) == "positions"
        assert [str(label) for label in Education.labels][1] == "Bachelor's degree"
        assert Education.parameter_names()[1] == "本科"
