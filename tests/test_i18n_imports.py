"""The admin's bulk import in English: what is wrong with a file, a row or a
cell is said in English at /en/admin/, in Chinese at /admin/ (the default).

The uploaded table stays in its own format: its Chinese headers and
workflow status names are read the same whichever language the page is in.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from postings.access import EDITOR
from postings.importers import plans, tables
from postings.models import Posting

from .test_admin_imports import staff
from .test_admin_imports import workbook as admin_workbook

pytestmark = pytest.mark.django_db

CHINESE_IMPORT = reverse("admin:postings_posting_import")
with translation.override("en"):
    ENGLISH_IMPORT = reverse("admin:postings_posting_import")


@pytest.fixture
def editor(client, seeded):
    return staff(client, EDITOR)


def xinjiang_postings():
    return Posting.objects.filter(institution__name="新疆区分行").order_by("pk")


def workbook(edits=()):
    return admin_workbook(xinjiang_postings(), edits)


def preview(client, url, data, name="新疆招聘表.xlsx"):
    """The preview page an upload to ``url`` leads to, and its address."""
    response = client.post(url, {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content[:300]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page.content.decode(), response["Location"]


def test_english_import_page_states_the_limits_in_english(client, editor):
    html = client.get(ENGLISH_IMPORT).content.decode()
    assert "files of up to 10 MB and 20,000 position rows" in html
    assert "文件不超过" not in html
    html = client.get(CHINESE_IMPORT).content.decode()
    assert "文件不超过 10 MB，不超过 20,000 行岗位" in html


def test_limits_follow_the_active_language():
    with translation.override("en"):
        assert str(tables.LIMITS_TEXT).startswith("files of up to 10 MB")
    assert str(tables.LIMITS_TEXT) == "文件不超过 10 MB，不超过 20,000 行岗位"


@pytest.mark.parametrize(
    ("data", "name", "english", "chinese"),
    [
        (
            b"",
            "empty.csv",
            "The file is empty (0 bytes). Choose the file to import again.",
            "文件是空的（0 字节），请重新选择要导入的文件。",
        ),
        (
            "名称,地址\n甲,乙\n".encode(),
            "wrong.csv",
            "No header row found. The first row must hold the column names, "
            "including at least “编号”, “招聘机构” and “岗位名称”",
            "找不到表头。第一行应是列名，至少包括“编号”“招聘机构”“岗位名称”",
        ),
        (
            b"%PDF-1.7\n",
            "table.pdf",
            "PDF files cannot be imported directly.",
            "PDF 文件不能直接导入。",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64,
            "old.xls",
            "This is an old Excel 97–2003 file (.xls), which is not supported.",
            "这是旧版 Excel 97–2003 文件（.xls），不支持。",
        ),
        (
            "编号,岗位名称\n,柜员\n".encode(),
            "missing.csv",
            "Required columns are missing: “招聘机构” (column names must be the "
            "same as in an exported file).",
            "缺少必需的列：“招聘机构”（列名须与导出文件相同）。",
        ),
    ],
    ids=["empty", "wrong-header", "pdf", "xls", "missing-column"],
)
def test_a_file_that_cannot_be_read_is_explained_in_english(
    client, editor, data, name, english, chinese
):
    html, url = preview(client, ENGLISH_IMPORT, data, name)
    assert url.startswith("/en/admin/")
    assert english in html
    assert chinese not in html
    assert "Nothing was imported." in html

    html, url = preview(client, CHINESE_IMPORT, data, name)
    assert not url.startswith("/en/")
    assert chinese in html
    assert english not in html


def test_a_bad_cell_is_explained_in_english(client, editor):
    data = workbook({(2, "招聘人数"): "很多", (3, "发布日期"): "下周"})
    html, _url = preview(client, ENGLISH_IMPORT, data)
    assert "“很多” is not a valid headcount; enter a whole number." in html
    assert "“下周” is not a date; write it as 2026-01-31." in html
    assert "不是人数" not in html and "不是日期" not in html

    html, _url = preview(client, CHINESE_IMPORT, data)
    assert "“很多”不是人数，请填写整数。" in html
    assert "“下周”不是日期，请写作 2026-01-31。" in html


def test_the_files_status_names_are_read_in_chinese_on_english_pages(client, editor):
    posting = xinjiang_postings().first()
    assert posting.status == Posting.Status.PUBLISHED
    data = workbook({(2, "流程状态"): "草稿", (3, "流程状态"): "暂停"})
    html, _url = preview(client, ENGLISH_IMPORT, data)
    # 草稿 is understood (and refused for a published posting)...
    assert "A published or closed position cannot go back to draft." in html
    # ...while an unknown name lists the names a table may use.
    assert (
        "“暂停” is not a workflow status; enter one of: 草稿, 已发布, 已关闭." in html
    )

    html, _url = preview(client, CHINESE_IMPORT, data)
    assert "已发布或已关闭的岗位不能改回草稿。" in html
    assert "“暂停”不是流程状态，请填写草稿、已发布、已关闭之一。" in html


def test_an_english_preview_can_be_confirmed_in_chinese(client, editor):
    """The plan's digest does not depend on the language it was shown in."""
    posting = xinjiang_postings().first()
    new = None if posting.headcount else 7
    data = workbook({(2, "招聘人数"): new})
    html, url = preview(client, ENGLISH_IMPORT, data)
    assert "(empty)" in html and "（空）" not in html

    chinese_url = url.removeprefix("/en")
    assert chinese_url != url
    done = client.post(chinese_url)
    assert done.status_code == 302, done.content[:500]
    posting.refresh_from_db()
    assert posting.headcount == new
    assert "已导入“新疆招聘表.xlsx”" in client.get(chinese_url).content.decode()


def test_refusing_an_import_explains_in_english(editor):
    data = workbook({(2, "招聘人数"): 0})
    table = tables.read("t.xlsx", data, header_names=plans.UPLOAD_HEADERS)
    with translation.override("en"), pytest.raises(plans.ImportRefused) as refused:
        plans.Importer(table).apply()
    assert str(refused.value) == (
        "Row 2 has an error (招聘人数: Openings must be at least 1; if the number "
        "is not fixed, leave the cell empty or write “若干”.); nothing was imported."
    )


def test_the_admin_names_the_application_in_english(client, editor):
    with translation.override("en"):
        index = reverse("admin:index")
    assert "Recruitment" in client.get(index).content.decode()
    assert "招聘岗位" in client.get("/admin/").content.decode()
