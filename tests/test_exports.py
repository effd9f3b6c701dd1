"""Recruiter exports: every format read back and compared with the listing."""

import csv
import io
import json
import shutil
import subprocess
import zipfile
from io import StringIO
from urllib.parse import unquote

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from postings import exports, search
from postings.importers import tables
from postings.models import Duty, Posting, Requirement

pytestmark = pytest.mark.django_db

EXPECTED_KEYS = [
    "id", "url", "employer", "institution", "department", "title", "grade", "category",
    "headcount", "locations", "provinces", "duties", "requirements", "min_education",
    "min_years_experience", "max_age", "certificates", "status", "published_on",
    "closes_on", "source_document", "source_position",
]  # fmt: skip
HEADERS = [
    "编号", "链接", "用人单位", "招聘机构", "招聘部门", "岗位名称", "岗位职级", "招聘类别",
    "招聘人数", "工作地点", "省份", "岗位职责", "任职要求", "最低学历", "最低工作年限",
    "年龄上限", "资格证书", "状态", "发布日期", "报名截止日期", "来源文件", "来源序号",
]  # fmt: skip
TRICKY = '负责"重点客户"拜访, 签约；\n第二行，含逗号,和引号"'

FILTER_COMBINATIONS = [
    {},
    {"province": "新疆"},
    {"location": ["喀什市", "南宁市"], "sort": "headcount"},
    {"q": "客户经理", "education": "专科"},
    {"employer": "中国银行", "grade": "经理", "sort": "title"},
    {"category": "风险管理类", "experience": "3"},
    {"certificate": "CFA"},
    {"q": "重点客户", "location": "喀什市"},
]


@pytest.fixture
def seeded(seeded):
    # Text that CSV must quote: commas, quotes and a line break.
    posting = Posting.objects.get(
        source_document="000_6f3e1b58b6c4ffdc.txt", source_row=44
    )
    Duty.objects.filter(posting=posting, position=1).update(text=TRICKY)
    Requirement.objects.filter(posting=posting, position=1).update(
        text="大学本科,及以上学历"
    )
    search.index_posting(posting)
    return posting


def listing_ids(client, params):
    response = client.get(reverse("postings:posting_list"), {**params, "per_page": 100})
    assert response.status_code == 200
    ids = [p.pk for p in response.context["page_obj"].object_list]
    assert response.context["paginator"].num_pages == 1
    return ids


def download(client, export_format, params):
    response = client.get(
        reverse("postings:posting_export", args=[export_format]), params
    )
    assert response.status_code == 200, response.content[:500]
    body = b"".join(response.streaming_content)
    return response, body


def expected_rows(ids):
    queryset = Posting.objects.filter(pk__in=ids)
    by_id = {
        row["id"]: row for row in exports.rows(queryset, base_url="http://testserver")
    }
    return [by_id[pk] for pk in ids]


def as_json(row):
    return {key: exports.json_value(value) for key, value in row.items()}


def as_text(row):
    return [str(exports.flat_value(key, row[key])) for key in EXPECTED_KEYS]


@pytest.mark.parametrize("params", FILTER_COMBINATIONS, ids=lambda p: repr(p))
def test_json_export_equals_the_listing(client, seeded, params):
    ids = listing_ids(client, params)
    response, body = download(client, "json", params)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(body)
    assert [row["id"] for row in data] == ids
    assert all(list(row) == EXPECTED_KEYS for row in data)
    assert data == [as_json(row) for row in expected_rows(ids)]


@pytest.mark.parametrize("params", FILTER_COMBINATIONS, ids=lambda p: repr(p))
def test_csv_export_equals_the_listing(client, seeded, params):
    ids = listing_ids(client, params)
    response, body = download(client, "csv", params)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert table[0] == HEADERS
    assert [int(row[0]) for row in table[1:]] == ids
    assert table[1:] == [as_text(row) for row in expected_rows(ids)]


@pytest.mark.parametrize("params", FILTER_COMBINATIONS, ids=lambda p: repr(p))
def test_xlsx_export_equals_the_listing(client, seeded, params):
    ids = listing_ids(client, params)
    response, body = download(client, "xlsx", params)
    assert response["Content-Type"] == exports.FORMATS["xlsx"]
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    table = list(sheet.iter_rows(values_only=True))
    assert list(table[0]) == HEADERS
    assert [row[0] for row in table[1:]] == ids
    for cells, row in zip(table[1:], expected_rows(ids), strict=True):
        for key, cell in zip(EXPECTED_KEYS, cells, strict=True):
            value = row[key]
            if key in ("published_on", "closes_on"):
                assert (cell.date() if cell else None) == value
            elif isinstance(value, int):
                assert cell == value  # numbers stay numbers
            else:
                assert (cell or "") == exports.flat_value(key, value)


def test_multi_location_and_tricky_text_survive_every_format(client, seeded):
    params = {"q": "重点客户", "province": "新疆"}
    _, json_body = download(client, "json", params)
    (row,) = json.loads(json_body)
    assert row["duties"][0] == TRICKY
    assert len(row["locations"]) == 11

    _, csv_body = download(client, "csv", params)
    (_, cells) = list(csv.reader(io.StringIO(csv_body.decode("utf-8-sig"), newline="")))
    assert cells[HEADERS.index("岗位职责")] == f"1. {TRICKY}"
    assert cells[HEADERS.index("任职要求")].startswith("1. 大学本科,及以上学历\n2. ")
    assert cells[HEADERS.index("工作地点")].split("、")[:3] == [
        "喀什市",
        "图木舒克市",
        "和田市",
    ]

    _, xlsx_body = download(client, "xlsx", params)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_body)).active
    assert sheet.cell(2, HEADERS.index("岗位职责") + 1).value.startswith(f"1. {TRICKY}")


def test_xlsx_is_a_tidy_spreadsheet(client, seeded):
    _, body = download(client, "xlsx", {"province": "新疆"})
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:V3"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["L"].width > 50  # duties
    assert sheet.cell(2, HEADERS.index("岗位职责") + 1).alignment.wrap_text
    assert sheet.cell(2, HEADERS.index("招聘人数") + 1).data_type == "n"


def test_xlsx_opens_in_libreoffice(client, seeded, tmp_path, libreoffice):
    _, body = download(client, "xlsx", {"province": "新疆"})
    source = tmp_path / "postings.xlsx"
    source.write_bytes(body)
    converted = libreoffice(
        source, "csv:Text - txt - csv (StarCalc):44,34,76,1", tmp_path
    )
    table = list(csv.reader(converted.open(encoding="utf-8", newline="")))
    assert table[0] == HEADERS
    assert [row[HEADERS.index("岗位名称")] for row in table[1:]] == [
        "客户经理（公司/个人）",
        "综合服务经理",
    ]
    assert table[2][HEADERS.index("招聘人数")] == "35"


def test_a_large_workbook_is_split_into_sheets_that_libreoffice_opens(
    client, seeded, tmp_path, libreoffice, monkeypatch
):
    # Every posting of a million-posting board in one sheet is over 2 GB of
    # XML, past the plain zip member's limit; the export starts a sheet per
    # SHEET_ROWS rows instead (lowered here so that two postings need two).
    monkeypatch.setattr(exports, "SHEET_ROWS", 1)
    _, body = download(client, "xlsx", {"province": "新疆"})
    source = tmp_path / "postings.xlsx"
    source.write_bytes(body)
    book = openpyxl.load_workbook(source, read_only=True)
    assert book.sheetnames == ["招聘岗位", "招聘岗位 2"]
    titles = [
        [
            row[HEADERS.index("岗位名称")]
            for row in book[name].iter_rows(values_only=True)
        ]
        for name in book.sheetnames
    ]
    assert titles == [
        ["岗位名称", "客户经理（公司/个人）"],
        ["岗位名称", "综合服务经理"],
    ]
    converted = libreoffice(
        source, "csv:Text - txt - csv (StarCalc):44,34,76,1", tmp_path
    )
    table = list(csv.reader(converted.open(encoding="utf-8", newline="")))
    assert [row[HEADERS.index("岗位名称")] for row in table] == titles[0]


def test_a_sheet_past_the_zip_limit_is_still_written(client, seeded, monkeypatch):
    # Should one sheet pass 2 GB anyway, ZIP64 records hold it rather than
    # the export failing (the limit is lowered so that a small sheet passes
    # it). Excel and openpyxl read them; LibreOffice 7.4 does not, which is
    # why sheets are kept small in the first place.
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1024)
    _, body = download(client, "xlsx", {"province": "新疆"})
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        member = archive.getinfo("xl/worksheets/sheet1.xml")
        assert member.file_size > 1024
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[HEADERS.index("岗位名称")] for row in rows[1:]] == [
        "客户经理（公司/个人）",
        "综合服务经理",
    ]


# --- Formula injection ---------------------------------------------------------------

PLANTED = '=HYPERLINK("http://evil.example","点我申请")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86 10 1234", "'+86 10 1234"),
        ("-负责", "'-负责"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),  # so that reading it back gives "'=1"
        ("-5", "-5"),  # numbers stay numbers
        ("-2.5", "-2.5"),
        ("+3", "+3"),
        (12, 12),
        ("", ""),
        ("普通文字", "普通文字"),
        ("'普通", "'普通"),
        ("1. 负责-事项", "1. 负责-事项"),
    ],
)
def test_csv_cells_a_spreadsheet_would_run_get_an_apostrophe(value, written):
    assert exports.inert_csv_cell(value) == written
    if isinstance(value, str):
        assert tables.unescape_csv(written) == value  # an import reads it back


@pytest.fixture
def planted(make_posting):
    """A posting whose HR planted formulas in its text."""
    return make_posting(
        title=PLANTED,
        category="-5",
        department="@营业部",
        duties=("-1+1",),
        requirements=("+本科",),
        headcount=3,
    )


def libreoffice_workbooks(sources, tmp_path):
    """The CSV files as LibreOffice opens them, formulas evaluated, saved as
    .xlsx: what a recruiter double-clicking the download would get."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, (
        "LibreOffice (Debian's libreoffice-calc-nogui) is needed for this test"
    )
    out = tmp_path / "opened"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--norestore",
            # Comma, double quote, UTF-8, from line 1, …, evaluate formulas.
            "--infilter=CSV:44,34,76,1,,0,false,true,false,false,false,false,true",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return [
        openpyxl.load_workbook(out / f"{source.stem}.xlsx").active for source in sources
    ]


def test_no_csv_export_carries_a_live_formula(client, admin_client, planted, tmp_path):
    public = client.get(reverse("postings:posting_export", args=["csv"]))
    admin = admin_client.get(reverse("admin:postings_posting_export", args=["csv"]))
    files = []
    for name, response in (("public", public), ("admin", admin)):
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        header, row = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        cell = dict(zip(header, row, strict=True))
        assert cell["岗位名称"] == "'" + PLANTED
        assert cell["招聘部门"] == "'@营业部"
        assert cell["岗位职责"] == "1. -1+1"  # begins with a digit: harmless
        assert cell["招聘类别"] == "-5"  # a number, and stays one
        files.append(tmp_path / f"{name}.csv")
        files[-1].write_bytes(body)

    for sheet in libreoffice_workbooks(files, tmp_path):
        header = [cell.value for cell in sheet[1]]
        row = {h: cell for h, cell in zip(header, sheet[2], strict=True)}
        title = row["岗位名称"]
        assert title.data_type == "s"  # text, not a formula
        assert "HYPERLINK" in title.value and title.value != "点我申请"
        assert row["招聘部门"].data_type == "s"
        assert (row["编号"].data_type, row["编号"].value) == ("n", planted.pk)
        assert (row["招聘人数"].data_type, row["招聘人数"].value) == ("n", 3)
        assert (row["招聘类别"].data_type, row["招聘类别"].value) == ("n", -5)


def test_xlsx_stores_a_formula_like_title_as_text(client, admin_client, planted):
    for response in (
        client.get(reverse("postings:posting_export", args=["xlsx"])),
        admin_client.get(reverse("admin:postings_posting_export", args=["xlsx"])),
    ):
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response))).active
        header = [cell.value for cell in sheet[1]]
        title = sheet.cell(2, header.index("岗位名称") + 1)
        assert (title.data_type, title.value) == ("s", PLANTED)
        department = sheet.cell(2, header.index("招聘部门") + 1)
        assert (department.data_type, department.value) == ("s", "@营业部")


def test_zero_rows_is_a_valid_file_with_only_the_header(client, seeded):
    params = {"q": "没有这样的岗位"}
    _, csv_body = download(client, "csv", params)
    assert list(csv.reader(io.StringIO(csv_body.decode("utf-8-sig")))) == [HEADERS]
    _, json_body = download(client, "json", params)
    assert json.loads(json_body) == []
    _, xlsx_body = download(client, "xlsx", params)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_body)).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [HEADERS]


def test_file_names_say_what_and_when_with_an_ascii_fallback(client, seeded, today):
    response, _ = download(client, "xlsx", {"location": "喀什市", "education": "本科"})
    disposition = response["Content-Disposition"]
    stamp = today.strftime("%Y%m%d")
    assert f'attachment; filename="postings-{stamp}.xlsx"' in disposition
    utf8_name = disposition.split("filename*=UTF-8''")[1]
    assert unquote(utf8_name) == f"postings-{stamp}-喀什市-本科.xlsx"
    assert disposition.isascii()


@pytest.mark.parametrize("export_format", ["pdf", "xls", "csv.exe"])
def test_unknown_format_is_a_clear_400(client, seeded, export_format):
    response = client.get(reverse("postings:posting_export", args=[export_format]))
    assert response.status_code == 400
    assert "不支持的导出格式" in response.content.decode()


def test_invalid_filter_is_a_clear_400(client, seeded):
    response = client.get(
        reverse("postings:posting_export", args=["csv"]), {"age": "old"}
    )
    assert response.status_code == 400
    assert "年龄须为整数" in response.content.decode()


def test_public_export_covers_open_postings_only(client, seeded):
    closed = Posting.objects.get(
        source_document="000_6f3e1b58b6c4ffdc.txt", source_row=1
    )
    closed.close()
    _, body = download(client, "json", {})
    ids = [row["id"] for row in json.loads(body)]
    assert closed.pk not in ids
    assert len(ids) == 76
    assert "workflow_status" not in json.loads(body)[0]


# --- Admin export -------------------------------------------------------------------


def test_admin_export_of_the_changelist_follows_its_filters(admin_client, seeded):
    closed = Posting.objects.get(
        source_document="000_6f3e1b58b6c4ffdc.txt", source_row=2
    )
    closed.close()
    url = reverse("admin:postings_posting_export", args=["json"])
    response = admin_client.get(url, {"status__exact": "closed"})
    assert response.status_code == 200
    data = json.loads(b"".join(response.streaming_content))
    assert [row["id"] for row in data] == [closed.pk]
    assert data[0]["workflow_status"] == "已关闭"
    assert data[0]["status"] == "已截止"
    assert list(data[0])[-3:] == ["workflow_status", "created_at", "updated_at"]

    searched = admin_client.get(url, {"q": "综合服务经理"})
    titles = {row["title"] for row in json.loads(b"".join(searched.streaming_content))}
    assert titles == {"综合服务经理"}


def test_admin_changelist_links_to_the_export_of_its_filters(admin_client, seeded):
    response = admin_client.get(
        reverse("admin:postings_posting_changelist"), {"status__exact": "published"}
    )
    content = response.content.decode()
    export_url = reverse("admin:postings_posting_export", args=["xlsx"])
    assert f"{export_url}?status__exact=published" in content


def test_admin_export_action_exports_the_selection(admin_client, seeded):
    chosen = list(Posting.objects.order_by("pk").values_list("pk", flat=True)[:3])
    response = admin_client.post(
        reverse("admin:postings_posting_changelist"),
        {"action": "export_selected_csv", "_selected_action": chosen},
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(body)))
    assert table[0][-3:] == ["流程状态", "创建时间", "最后修改时间"]
    assert [int(row[0]) for row in table[1:]] == chosen


def test_admin_export_with_bad_lookup_is_a_400(admin_client, seeded):
    url = reverse("admin:postings_posting_export", args=["csv"])
    assert admin_client.get(url, {"nonsense__field": "1"}).status_code == 400
    assert (
        admin_client.get(
            reverse("admin:postings_posting_export", args=["doc"])
        ).status_code
        == 400
    )


def test_admin_export_needs_a_login(client, seeded):
    response = client.get(reverse("admin:postings_posting_export", args=["csv"]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- Command line ------------------------------------------------------------------------


def export_cli(*args):
    out = StringIO()
    call_command("export_postings", *args, stdout=out)
    return out.getvalue()


def test_cli_json_has_every_posting_with_the_documented_keys(seeded):
    data = json.loads(export_cli("--format", "json"))
    assert len(data) == Posting.objects.count() == 77
    assert all(list(row) == EXPECTED_KEYS for row in data)
    assert [key for key, _ in exports.COLUMNS] == EXPECTED_KEYS


def test_cli_json_of_a_multi_location_posting(seeded):
    posting = Posting.objects.get(
        source_document="000_6f3e1b58b6c4ffdc.txt", source_row=43
    )
    row = next(
        r for r in json.loads(export_cli("--format", "json")) if r["id"] == posting.pk
    )
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
    assert row["published_on"] == posting.published_on.isoformat()
    assert row["closes_on"] is None
    assert (row["source_document"], row["source_position"]) == (
        "000_6f3e1b58b6c4ffdc.txt",
        43,
    )


def test_cli_json_keeps_unknowns_null_and_sections_in_requirements(seeded):
    posting = Posting.objects.get(
        source_document="001_d8b25c18b293cb0b.txt", source_row=3
    )
    row = next(r for r in json.loads(export_cli()) if r["id"] == posting.pk)
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


def test_cli_filters_like_the_url(seeded):
    data = json.loads(
        export_cli("--location", "喀什市", "--location", "银川市", "--sort", "title")
    )
    assert [row["title"] for row in data] == [
        "安保经理（消防）",
        "客户经理（公司/个人）",
        "综合服务经理",
    ]
    assert json.loads(export_cli("--location", "喀什市", "--education", "专科")) == []


def test_cli_csv_and_xlsx_files(seeded, tmp_path):
    csv_path, xlsx_path = tmp_path / "p.csv", tmp_path / "p.xlsx"
    call_command(
        "export_postings",
        "--format",
        "csv",
        "--output",
        str(csv_path),
        "--province",
        "新疆",
    )
    table = list(csv.reader(csv_path.open(encoding="utf-8-sig", newline="")))
    assert table[0] == HEADERS and len(table) == 3
    call_command(
        "export_postings",
        "--format",
        "xlsx",
        "--output",
        str(xlsx_path),
        "--province",
        "新疆",
    )
    sheet = openpyxl.load_workbook(xlsx_path).active
    assert sheet.max_row == 3


def test_cli_rejects_bad_input_clearly(seeded):
    with pytest.raises(CommandError, match="--age: 年龄须为整数"):
        export_cli("--age", "old")
    with pytest.raises(CommandError, match="give --output"):
        export_cli("--format", "xlsx")


def test_cli_json_to_a_file_keeps_chinese_readable(seeded, tmp_path):
    target = tmp_path / "postings.json"
    call_command("export_postings", "--format", "json", "--output", str(target))
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 77
    assert "喀什市" in target.read_text(encoding="utf-8")
