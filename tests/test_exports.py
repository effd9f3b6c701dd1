import json
from io import StringIO

import pytest
from django.core.management import call_command

from postings import exports
from postings.models import Posting

pytestmark = pytest.mark.django_db

EXPECTED_KEYS = [
    "id", "url", "employer", "institution", "department", "title", "grade", "category",
    "headcount", "locations", "provinces", "duties", "requirements", "min_education",
    "min_years_experience", "max_age", "certificates", "status", "published_on",
    "closes_on", "source_document", "source_position",
]  # fmt: skip


@pytest.fixture
def imported():
    call_command("import_seeds", stdout=StringIO())


def export_json(*args):
    out = StringIO()
    call_command("export_postings", "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_json_export_has_every_posting_with_the_documented_keys_in_order(imported):
    data = export_json()
    assert len(data) == Posting.objects.count() == 77
    assert all(list(row) == EXPECTED_KEYS for row in data)
    assert [key for key, _ in exports.COLUMNS] == EXPECTED_KEYS


def test_json_export_of_a_multi_location_posting(imported):
    posting = Posting.objects.get(
        source_document="000_6f3e1b58b6c4ffdc.txt", source_row=43
    )
    row = next(r for r in export_json() if r["id"] == posting.pk)
    assert row["url"] == f"http://127.0.0.1:8000/postings/{posting.pk}/"
    assert (row["employer"], row["institution"], row["department"]) == (
        "中国银行",
        "新疆区分行",
        "营业网点",
    )
    assert (row["title"], row["grade"], row["category"], row["headcount"]) == (
        "综合服务经理",
        "助理经理",
        "",
        35,
    )
    assert len(row["locations"]) == 22 and row["locations"][:2] == ["喀什市", "疏勒县"]
    assert row["provinces"] == ["新疆"]
    assert row["requirements"][-1] == "家庭或生活基础位于相应机构所在地区。"
    assert (row["min_education"], row["min_years_experience"], row["max_age"]) == (
        "本科",
        3,
        None,
    )
    assert row["status"] == "招聘中"
    assert row["closes_on"] is None
    assert (row["source_document"], row["source_position"]) == (
        "000_6f3e1b58b6c4ffdc.txt",
        43,
    )


def test_json_export_keeps_unknowns_null_and_sections_in_requirements(imported):
    posting = Posting.objects.get(
        source_document="001_d8b25c18b293cb0b.txt", source_row=3
    )
    row = next(r for r in export_json() if r["id"] == posting.pk)
    assert row["headcount"] is None
    assert row["locations"] == [] and row["provinces"] == []
    assert row["institution"] == "重庆银行" and row["department"] == "互联网金融部"
    assert (
        row["requirements"][0]
        == "学历及专业：全日制本科及以上学历，计算机、经济金融类等相关专业；"
    )
    assert "年龄：30岁以下；" in row["requirements"]
    assert (row["min_education"], row["min_years_experience"], row["max_age"]) == (
        "本科",
        1,
        30,
    )


def test_json_export_to_a_file(imported, tmp_path):
    target = tmp_path / "postings.json"
    call_command("export_postings", "--format", "json", "--output", str(target))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert len(data) == 77
    assert "喀什市" in target.read_text(encoding="utf-8")  # not \u-escaped
