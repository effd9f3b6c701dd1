"""Importing recruitment tables: reading files, planning rows, applying them.

Real files throughout: workbooks written by our export and edited with
openpyxl, CSV as the export writes it, GBK as Chinese Windows saves it, a
workbook encrypted as Excel encrypts it, and a real zip bomb.
"""

import csv
import datetime
import io
import time
import zipfile
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from msoffcrypto.format.ooxml import OOXMLFile

from postings import exports, search
from postings.access import EDITOR, ROLE_GROUPS
from postings.importers import plans, tables
from postings.models import (
    Department,
    Duty,
    Institution,
    InstitutionAccess,
    Posting,
    PostingSearch,
    Requirement,
)

pytestmark = pytest.mark.django_db

SOURCES = Path(settings.BASE_DIR) / "fixtures" / "sources"
BOC = "000_6f3e1b58b6c4ffdc.txt"


def export_xlsx(queryset=None, internal=True):
    queryset = queryset if queryset is not None else Posting.objects.order_by("pk")
    buffer = io.BytesIO()
    exports.write_xlsx(
        exports.rows(queryset, internal=internal), buffer, internal=internal
    )
    return buffer.getvalue()


def export_csv(queryset=None, internal=True):
    queryset = queryset if queryset is not None else Posting.objects.order_by("pk")
    return "".join(
        exports.iter_csv(exports.rows(queryset, internal=internal), internal=internal)
    ).encode("utf-8")


def edit_xlsx(data, edits=(), append=()):
    """The workbook with cells changed ({(row, header): value}) and rows added."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    column = {cell.value: cell.column for cell in sheet[1]}
    for (row, header), value in dict(edits).items():
        sheet.cell(row, column[header]).value = value
    for values in append:
        row = sheet.max_row + 1
        for header, value in values.items():
            sheet.cell(row, column[header]).value = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read(name, data):
    return tables.read(name, data, header_names=plans.UPLOAD_HEADERS)


def plan(name, data, user=None):
    importer = plans.Importer(read(name, data), user=user)
    return importer, list(importer.plan())


def apply(name, data, user=None, **kwargs):
    return plans.Importer(read(name, data), user=user).apply(**kwargs)


def row_of(posting):
    """The posting's row number in a full export ordered by id."""
    return (
        list(Posting.objects.order_by("pk").values_list("pk", flat=True)).index(
            posting.pk
        )
        + 2
    )


def file_error(name, data):
    with pytest.raises(tables.TableError) as excinfo:
        plan(name, data)
    return excinfo.value.message


NEW_ROW = {
    "用人单位": "中国银行",
    "招聘机构": "新疆区分行",
    "招聘部门": "营业网点",
    "岗位名称": "柜员（导入）",
    "岗位职级": "助理",
    "招聘人数": 3,
    "工作地点": "喀什市、和田市",
    "岗位职责": "1. 办理柜面业务；\n2. 做好客户服务。",
    "任职要求": "1. 大学本科及以上学历；\n2. 具有CFA证书者优先。",
    "发布日期": datetime.date(2026, 1, 5),
}


# --- Round trip --------------------------------------------------------------------


@pytest.mark.parametrize("internal", [True, False], ids=["admin", "public"])
def test_an_unedited_xlsx_export_is_unchanged_in_every_row(seeded, internal):
    importer, _ = plan("postings.xlsx", export_xlsx(internal=internal))
    assert importer.counts == {"unchanged": 77}
    assert importer.ignored == []


def test_an_unedited_csv_export_is_unchanged_even_with_quotes_and_line_breaks(seeded):
    posting = Posting.objects.get(source_document=BOC, source_row=44)
    Duty.objects.filter(posting=posting, position=1).update(
        text='负责"重点客户"拜访, 签约；\n第二行，含逗号,和引号"'
    )
    importer, _ = plan("postings.csv", export_csv())
    assert importer.counts == {"unchanged": 77}


def test_csv_formula_escaping_of_the_export_is_undone(seeded):
    """OWASP's defence prefixes = + - @ tab CR with an apostrophe; reading
    it back must give the stored text, so the row is unchanged."""
    posting = Posting.objects.order_by("pk").first()
    Duty.objects.filter(posting=posting, position=1).update(text="=不是公式")
    Requirement.objects.filter(posting=posting, position=1).update(text="-负责")
    posting.title = "@岗位"
    posting.save()
    rows = list(csv.reader(io.StringIO(export_csv().decode("utf-8-sig"))))
    header = rows[0]
    for row in rows[1:]:
        for index, value in enumerate(row):
            if value[:1] in tables.CSV_FORMULA_TRIGGERS:
                row[index] = "'" + value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows[1:]])
    assert "'@岗位" in buffer.getvalue()
    importer, _ = plan("escaped.csv", buffer.getvalue().encode("utf-8-sig"))
    assert importer.counts == {"unchanged": 77}
    assert tables.unescape_csv("'=SUM(A1)") == "=SUM(A1)"
    assert tables.unescape_csv("'普通") == "'普通"


def test_an_exported_csv_with_formula_like_text_reads_back_unchanged(seeded):
    """The export itself escapes, and the import undoes exactly that, even
    for text that already begins with an apostrophe."""
    first, second = Posting.objects.order_by("pk")[:2]
    first.title = '=HYPERLINK("http://evil.example","点我申请")'
    first.save()
    second.title = "'=不是公式"
    second.save()
    Duty.objects.filter(posting=second, position=1).update(text="''-负责")
    exported = export_csv()
    assert "\"'=HYPERLINK(" in exported.decode("utf-8-sig")
    importer, _ = plan("postings.csv", exported)
    assert importer.counts == {"unchanged": 77}


def test_an_import_leaves_how_to_apply_as_hr_entered_it(seeded):
    posting = Posting.objects.order_by("pk").first()
    posting.application_url = "https://jobs.example.com/apply/1"
    posting.application_instructions = "网申后留意短信。"
    posting.save()
    data = edit_xlsx(export_xlsx(), {(row_of(posting), "招聘人数"): 9})
    assert apply("edited.xlsx", data).counts["changed"] == 1
    posting.refresh_from_db()
    assert posting.headcount == 9
    assert posting.application_url == "https://jobs.example.com/apply/1"
    assert posting.application_instructions == "网申后留意短信。"


def test_a_second_boc_table_imports_without_code_changes(seeded):
    text = (SOURCES / BOC).read_text(encoding="utf-8")
    # The seed file itself matches the seeded postings row for row.
    importer, _ = plan(BOC, text.encode())
    assert importer.counts == {"unchanged": 44}
    # The same table under another name is a new table: 44 new drafts.
    summary = apply("中国银行2027年社会招聘.txt", text.encode())
    assert summary.counts["new"] == 44
    imported = Posting.objects.filter(source_document="中国银行2027年社会招聘.txt")
    assert imported.count() == 44
    assert set(imported.values_list("status", flat=True)) == {Posting.Status.DRAFT}
    first = imported.get(source_row=1)
    seed = Posting.objects.get(source_document=BOC, source_row=1)
    assert first.title == seed.title and first.institution == seed.institution
    assert first.min_education == seed.min_education
    assert [d.text for d in first.duties.all()] == [d.text for d in seed.duties.all()]


# --- Changes, history, search, idempotency -------------------------------------------


def test_preview_lists_field_and_item_differences_and_writes_nothing(seeded):
    posting = Posting.objects.order_by("pk").first()
    row = row_of(posting)
    duties = exports.numbered([d.text for d in posting.duties.all()])
    data = edit_xlsx(
        export_xlsx(),
        {(row, "招聘人数"): 7, (row, "岗位职责"): duties + "\n7. 新增的职责。"},
    )
    before = Posting.history.count()
    importer, plans = plan("edit.xlsx", data)
    assert importer.counts == {"changed": 1, "unchanged": 76}
    (changed,) = [p for p in plans if p.outcome == "changed"]
    assert changed.number == row and changed.posting_id == posting.pk
    fields = {c["field"]: c for c in changed.changes}
    assert fields["招聘人数"]["old"] == str(posting.headcount)
    assert fields["招聘人数"]["new"] == "7"
    assert fields["岗位职责"]["item_changes"][-1] == ["+", "新增的职责。"]
    assert all(op == "=" for op, _ in fields["岗位职责"]["item_changes"][:-1])
    posting.refresh_from_db()
    assert posting.headcount != 7 and Posting.history.count() == before


def test_apply_writes_changes_with_history_search_and_is_idempotent(seeded):
    posting = Posting.objects.get(source_document=BOC, source_row=2)
    row = row_of(posting)
    data = edit_xlsx(
        export_xlsx(),
        {
            (row, "任职要求"): "1. 硕士研究生及以上学历；\n2. 五年以上工作经验。",
            (row, "工作地点"): "北京市、上海市",
        },
        append=[NEW_ROW],
    )
    summary = apply("2026年招聘表.xlsx", data)
    assert summary.counts == {"changed": 1, "new": 1, "unchanged": 76}

    posting.refresh_from_db()
    assert posting.min_education == 3 and posting.min_years_experience == 5
    assert [r.text for r in posting.requirements.all()] == [
        "硕士研究生及以上学历；",
        "五年以上工作经验。",
    ]
    assert posting.certificates.count() == 0
    assert [location.name for location in posting.ordered_locations] == [
        "北京市",
        "上海市",
    ]
    record = posting.history.first()
    assert record.history_type == "~"
    assert record.history_change_reason == "导入 2026年招聘表.xlsx"
    assert (
        Requirement.history.filter(
            posting_id=posting.pk,
            history_type="-",
            history_change_reason="导入 2026年招聘表.xlsx",
        ).count()
        == 3
    )

    new = Posting.objects.get(pk=summary.created[79])
    assert new.title == "柜员（导入）" and new.status == Posting.Status.PUBLISHED
    assert new.published_on == datetime.date(2026, 1, 5)
    assert new.employer.name == "中国银行" and new.department.name == "营业网点"
    assert [c.name for c in new.certificates.all()] == ["CFA"]
    assert new.requirements.get(position=2).is_preferred
    assert new.history.get().history_change_reason == "导入 2026年招聘表.xlsx"
    assert (new.source_document, new.source_row) == ("2026年招聘表.xlsx", 79)

    # Search data is what the posting's own rebuild would write.
    for each in (posting, new):
        stored = PostingSearch.objects.get(posting=each).document
        assert stored == search.document_from(search.document_parts(each))
    assert (
        Posting.objects.filter(
            pk__in=search.matching(Posting.objects.all(), "柜员（导入）").values("pk")
        ).get()
        == new
    )

    # The same file again: nothing changes, nothing is recorded.
    history = Posting.history.count()
    importer, _ = plan("2026年招聘表.xlsx", data)
    assert importer.counts == {"unchanged": 78}
    assert apply("2026年招聘表.xlsx", data).counts == {"unchanged": 78}
    assert Posting.history.count() == history


def test_a_new_department_is_created_and_shown_as_such(seeded):
    data = edit_xlsx(export_xlsx(), append=[{**NEW_ROW, "招聘部门": "乌鲁木齐营业部"}])
    _, plans = plan("dept.xlsx", data)
    (new,) = [p for p in plans if p.outcome == "new"]
    assert {
        "field": "招聘部门",
        "old": "",
        "new": "乌鲁木齐营业部（新建部门）",
    } in new.changes
    assert not Department.objects.filter(name="乌鲁木齐营业部").exists()
    apply("dept.xlsx", data)
    assert (
        Department.objects.get(name="乌鲁木齐营业部").institution.name == "新疆区分行"
    )


def test_workflow_column_moves_postings_through_the_models_verbs(seeded):
    posting = Posting.objects.order_by("pk").first()
    data = edit_xlsx(export_xlsx(), {(row_of(posting), "流程状态"): "已关闭"})
    apply("close.xlsx", data)
    posting.refresh_from_db()
    assert posting.status == Posting.Status.CLOSED
    assert posting.history.first().history_change_reason == "导入 close.xlsx"
    # Closed back to draft is not a move the workflow allows.
    data = edit_xlsx(export_xlsx(), {(row_of(posting), "流程状态"): "草稿"})
    _, plans = plan("draft.xlsx", data)
    (error,) = [p for p in plans if p.outcome == "error"]
    assert error.errors == [
        {"column": "流程状态", "message": "已发布或已关闭的岗位不能改回草稿。"}
    ]


def test_a_changed_row_without_id_from_the_same_file_name_is_refused(seeded):
    base = export_xlsx()
    apply("monthly.xlsx", edit_xlsx(base, append=[NEW_ROW]))
    other = edit_xlsx(base, append=[{**NEW_ROW, "岗位名称": "另一个岗位"}])
    # Row 79 of a new file with the same name: not silently overwritten.
    _, plans = plan("monthly.xlsx", other)
    errors = [p for p in plans if p.outcome == "error"]
    assert len(errors) == 1 and "请给文件换个名字" in errors[0].errors[0]["message"]


def test_history_names_the_importing_user(seeded):
    user = User.objects.create_superuser("boss")
    posting = Posting.objects.order_by("pk").first()
    apply("u.xlsx", edit_xlsx(export_xlsx(), {(row_of(posting), "招聘人数"): 4}), user)
    assert posting.history.first().history_user == user


# --- Row errors --------------------------------------------------------------------


def errors_of(data, user=None):
    _, plans = plan("errors.xlsx", data, user)
    return {
        (p.number, e["column"]): e["message"]
        for p in plans
        if p.outcome == "error"
        for e in p.errors
    }


def test_each_kind_of_row_error_names_row_column_and_cause(seeded):
    first = Posting.objects.order_by("pk").first()
    data = edit_xlsx(
        export_xlsx(),
        {
            (2, "招聘人数"): "很多",
            (3, "发布日期"): "下周一",
            (4, "工作地点"): "火星市",
            (5, "招聘机构"): "不存在的分行",
            (6, "编号"): first.pk,  # a duplicate of row 2's id
            (7, "编号"): 999999,
            (8, "岗位名称"): None,
        },
    )
    errors = errors_of(data)
    assert errors[(2, "招聘人数")] == "“很多”不是人数，请填写整数。"
    assert errors[(3, "发布日期")] == "“下周一”不是日期，请写作 2026-01-31。"
    assert errors[(4, "工作地点")].startswith("工作地点“火星市”不在地名表中")
    assert "没有招聘机构“不存在的分行”" in errors[(5, "招聘机构")]
    assert errors[(6, "编号")] == f"编号 {first.pk} 与第 2 行重复。"
    assert "编号 999999 的岗位不存在" in errors[(7, "编号")]
    assert errors[(8, "岗位名称")] == "岗位名称不能为空。"
    with pytest.raises(plans.ImportRefused, match="第 2 行有错误"):
        apply("errors.xlsx", data)
    assert not Posting.objects.filter(headcount=None, pk=first.pk).exists()


def test_model_rules_are_row_errors(seeded):
    data = edit_xlsx(
        export_xlsx(),
        {(2, "发布日期"): "2026-03-01", (2, "报名截止日期"): "2026-02-01"},
    )
    assert errors_of(data)[(2, "报名截止日期")] == "报名截止日期不能早于发布日期。"


def test_a_required_column_missing_stops_the_import(seeded):
    workbook = openpyxl.Workbook()
    workbook.active.append(["编号", "岗位名称", "招聘人数"])
    workbook.active.append([None, "柜员", 2])
    out = io.BytesIO()
    workbook.save(out)
    importer = plans.Importer(read("short.xlsx", out.getvalue()))
    assert importer.missing == ["招聘机构"]
    assert plans.missing_message(importer.missing) == (
        "缺少必需的列：“招聘机构”（列名须与导出文件相同）。"
    )
    with pytest.raises(plans.ImportRefused, match="招聘机构"):
        importer.apply()


def test_an_editor_may_not_touch_other_institutions(seeded):
    xinjiang = Institution.objects.get(name="新疆区分行")
    editor = User.objects.create_user("wang", is_staff=True)
    editor.groups.add(Group.objects.get(name=ROLE_GROUPS[EDITOR]))
    InstitutionAccess.objects.create(user=editor, institution=xinjiang)
    theirs = Posting.objects.exclude(institution=xinjiang).order_by("pk").first()
    mine = Posting.objects.filter(institution=xinjiang).order_by("pk").first()
    mine_only = Posting.objects.filter(pk=mine.pk)
    data = edit_xlsx(
        export_xlsx(Posting.objects.filter(pk__in=[mine.pk, theirs.pk]).order_by("pk")),
        append=[{**NEW_ROW, "招聘机构": "黑龙江省分行"}],
    )
    errors = errors_of(data, editor)
    numbers = {number for number, _ in errors}
    their_row = 2 if theirs.pk < mine.pk else 3
    assert "不在您管理的机构范围内" in errors[(their_row, "编号")]
    assert "不在您管理的机构范围内" in errors[(4, "招聘机构")]
    assert numbers == {their_row, 4}
    # Moving one's own posting to another institution is refused too.
    data = edit_xlsx(export_xlsx(mine_only), {(2, "招聘机构"): "总行部门"})
    assert "不在您管理的机构范围内" in errors_of(data, editor)[(2, "招聘机构")]
    with pytest.raises(plans.ImportRefused):
        apply("x.xlsx", data, editor)
    mine.refresh_from_db()
    assert mine.institution == xinjiang


def test_a_formula_counts_as_its_stored_value_and_is_never_evaluated(
    seeded, libreoffice, tmp_path
):
    posting = Posting.objects.order_by("pk").first()
    row = row_of(posting)
    data = edit_xlsx(export_xlsx(), {(row, "招聘人数"): "=2+3"})
    # openpyxl writes the formula without a stored result: an error.
    errors = errors_of(data)
    assert "没有保存它的计算结果" in errors[(row, "招聘人数")]
    # LibreOffice calculates and stores the result, as Excel does.
    source = tmp_path / "calc.xlsx"
    source.write_bytes(data)
    calculated = libreoffice(source, "xlsx", tmp_path / "saved").read_bytes()
    importer, plans = plan("calc.xlsx", calculated)
    (changed,) = [p for p in plans if p.outcome == "changed"]
    assert {"field": "招聘人数", "old": "1", "new": "5"} in changed.changes
    assert any("公式" in note for note in importer.table.notes)


# --- Bad files: a clear message, nothing written ---------------------------------------


def test_not_a_spreadsheet():
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    assert "无法识别这个文件" in file_error("photo.png", png)
    assert "PDF 文件不能直接导入" in file_error("table.pdf", b"%PDF-1.7\n...")
    assert "旧版 Excel 97–2003" in file_error(
        "old.xls", tables._OLE_MAGIC + b"\0" * 600
    )
    assert "找不到表头" in file_error("notes.txt", "今天的会议纪要\n第二行".encode())


def test_a_password_protected_workbook(seeded):
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(export_xlsx())).encrypt("secret", encrypted)
    assert "设置了打开密码" in file_error("locked.xlsx", encrypted.getvalue())


def test_a_corrupt_workbook(seeded):
    data = export_xlsx()
    assert "已损坏" in file_error("cut.xlsx", data[: len(data) // 2])
    # A well-formed zip whose sheet is not XML.
    broken = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(broken, "w") as out,
    ):
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 3]
            out.writestr(item, content)
    assert "已损坏" in file_error("broken.xlsx", broken.getvalue())
    # A zip that is not a workbook at all.
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as out:
        out.writestr("readme.txt", "hello")
    assert "不是 Excel 工作簿" in file_error("archive.xlsx", other.getvalue())


def zip_bomb(inflated_mb):
    """A workbook-shaped zip whose sheet inflates to ``inflated_mb`` MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        out.writestr("[Content_Types].xml", "<Types/>")
        out.writestr("xl/workbook.xml", "<workbook/>")
        with out.open("xl/worksheets/sheet1.xml", "w") as sheet:
            chunk = b"<row>" + b"0" * (1 << 20)
            for _ in range(inflated_mb):
                sheet.write(chunk)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_without_inflating_it():
    bomb = zip_bomb(60)
    assert len(bomb) < 1024 * 1024
    started = time.perf_counter()
    message = file_error("bomb.xlsx", bomb)
    assert "压缩炸弹" in message and "未解压" in message
    # Inflating 60 MB takes far longer than reading the zip's directory.
    assert time.perf_counter() - started < 0.5
    # A directory that claims more than it holds is refused on the claim alone:
    # had it been inflated, it would have been reported as corrupt instead.
    data = bytearray(zip_bomb(2))
    # The central directory entry: 46 fixed bytes, then the name; the
    # uncompressed size is at offset 24.
    name = data.find(b"xl/worksheets/sheet1.xml", data.find(b"PK\x01\x02"))
    size = name - 46 + 24
    data[size : size + 4] = (900 * 1024 * 1024).to_bytes(4, "little")
    assert "压缩炸弹" in file_error("liar.xlsx", bytes(data))


def test_an_empty_file_and_a_header_only_table(seeded):
    assert "文件是空的" in file_error("empty.xlsx", b"")
    header_only = export_xlsx(Posting.objects.none())
    assert "只有表头" in file_error("header.xlsx", header_only)
    assert "只有表头" in file_error("header.csv", export_csv(Posting.objects.none()))


def test_gbk_csv_is_detected_and_read(seeded):
    text = export_csv().decode("utf-8-sig")
    importer, _ = plan("windows.csv", text.encode("gbk"))
    assert importer.counts == {"unchanged": 77}
    assert "GBK" in importer.table.notes[0]
    unknown = b"\x80\xff" * 10 + "编号,岗位名称".encode()
    assert "无法识别文件的文字编码" in file_error("odd.csv", unknown)


def test_utf16_tab_separated_text_is_read(seeded):
    rows = list(csv.reader(io.StringIO(export_csv().decode("utf-8-sig"))))
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\r\n").writerows(rows)
    importer, _ = plan("unicode.txt", buffer.getvalue().encode("utf-16"))
    assert importer.counts == {"unchanged": 77}


def test_size_and_row_limits(seeded, monkeypatch):
    too_big = b"PK\x03\x04" + b"\0" * (tables.MAX_BYTES + 1)
    assert "超过了 10 MB 的上限" in file_error("big.xlsx", too_big)
    monkeypatch.setattr(tables, "MAX_ROWS", 50)
    assert "超过了每次 50 行的上限" in file_error("many.xlsx", export_xlsx())
    assert "超过了每次 50 行的上限" in file_error("many.csv", export_csv())


def test_the_column_mapping_covers_every_export_column():
    """A column added to the export must be declared importable or read-only."""
    keys = {key for key, _ in exports.columns(internal=True)}
    declared = {column.key for column in plans.COLUMNS} | plans.READ_ONLY
    assert keys == declared


def test_items_cells_read_back_as_the_export_writes_them():
    assert plans.items("1. 第一条\n续行\n2. 第二条") == ("第一条\n续行", "第二条")
    assert plans.items("一行一条\n第二条") == ("一行一条", "第二条")
    assert plans.items("1. 2024年完成\n3. 不是第二条") == ("2024年完成\n3. 不是第二条",)
    assert plans.names("喀什市、和田市，北京市") == ("喀什市", "和田市", "北京市")
    assert plans.date("2026年1月5日") == datetime.date(2026, 1, 5)
    assert plans.date(46027) == datetime.date(2026, 1, 5)
    assert plans.headcount("若干") is None and plans.headcount("3人") == 3


# --- The command line ----------------------------------------------------------------


def test_command_checks_imports_and_reimports(seeded, tmp_path):
    posting = Posting.objects.order_by("pk").first()
    path = tmp_path / "cli.xlsx"
    path.write_bytes(edit_xlsx(export_xlsx(), {(row_of(posting), "招聘人数"): 6}))
    out, err = StringIO(), StringIO()
    call_command("import_postings", str(path), "--check", stdout=out, stderr=err)
    assert "预览（未写入）：新建 0，修改 1，未变 76，错误 0" in out.getvalue()
    assert "招聘人数：1 → 6" in out.getvalue()
    assert "预览" in err.getvalue()  # the progress line
    posting.refresh_from_db()
    assert posting.headcount == 1

    out = StringIO()
    call_command("import_postings", str(path), stdout=out, stderr=StringIO())
    assert "已导入 cli.xlsx：新建 0，修改 1，未变 76" in out.getvalue()
    posting.refresh_from_db()
    assert posting.headcount == 6

    out = StringIO()
    call_command("import_postings", str(path), stdout=out, stderr=StringIO())
    assert "没有需要导入的变化" in out.getvalue()


def test_command_refuses_errors_recruiters_and_bad_files(seeded, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(edit_xlsx(export_xlsx(), {(2, "招聘人数"): "x"}))
    err = StringIO()
    with pytest.raises(CommandError, match="有 1 行错误，未导入任何内容"):
        call_command("import_postings", str(bad), stdout=StringIO(), stderr=err)
    assert "第 2 行 招聘人数：“x”不是人数" in err.getvalue()

    recruiter = User.objects.create_user("li", is_staff=True)
    recruiter.groups.add(Group.objects.get(name="招聘专员"))
    with pytest.raises(CommandError, match="招聘专员不能导入"):
        call_command("import_postings", str(bad), "--as", "li")

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="文件是空的"):
        call_command("import_postings", str(empty))


def test_command_as_an_editor_is_scoped(seeded, tmp_path):
    editor = User.objects.create_user("wang", is_staff=True)
    editor.groups.add(Group.objects.get(name=ROLE_GROUPS[EDITOR]))
    InstitutionAccess.objects.create(
        user=editor, institution=Institution.objects.get(name="新疆区分行")
    )
    path = tmp_path / "all.xlsx"
    path.write_bytes(export_xlsx())
    err = StringIO()
    with pytest.raises(CommandError, match="行错误"):
        call_command(
            "import_postings", str(path), "--as", "wang", stdout=StringIO(), stderr=err
        )
    assert "不在您管理的机构范围内" in err.getvalue()


def test_xml_entity_declarations_in_a_workbook_are_refused(seeded):
    """A billion-laughs sheet: refused on its DTD, never expanded."""
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c>'
        b"</row></sheetData></worksheet>"
    )
    source = zipfile.ZipFile(io.BytesIO(export_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = laughs
            target.writestr(item, content)
    assert "不允许的 XML 实体声明" in file_error("laughs.xlsx", out.getvalue())
