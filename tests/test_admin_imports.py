"""The admin's 导入招聘表, 从岗位说明新建 and 复制为新岗位, through the test client."""

import io
import time
from types import SimpleNamespace

import openpyxl
import pytest
from django.contrib.auth.models import Group, User
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from postings import admin_imports, exports
from postings.access import EDITOR, RECRUITER, ROLE_GROUPS
from postings.alerts import mail
from postings.models import (
    Institution,
    InstitutionAccess,
    Posting,
    PostingImport,
    RoleDescription,
)

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:postings_posting_import")


def staff(client, role, institution="新疆区分行", username=None):
    user = User.objects.create_user(username or f"{role}-user", is_staff=True)
    user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    InstitutionAccess.objects.create(
        user=user, institution=Institution.objects.get(name=institution)
    )
    client.force_login(user)
    return user


@pytest.fixture
def editor(client, seeded):
    return staff(client, EDITOR)


def xinjiang_postings():
    return Posting.objects.filter(institution__name="新疆区分行").order_by("pk")


def workbook(queryset, edits=()):
    buffer = io.BytesIO()
    exports.write_xlsx(exports.rows(queryset, internal=True), buffer, internal=True)
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = book.active
    column = {cell.value: cell.column for cell in sheet[1]}
    for (row, header), value in dict(edits).items():
        sheet.cell(row, column[header]).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data, name="新疆招聘表.xlsx"):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data)})


def preview_url(response):
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


def test_editor_uploads_previews_and_confirms(client, editor):
    posting = xinjiang_postings().first()
    data = workbook(xinjiang_postings(), {(2, "招聘人数"): 12})
    url = preview_url(upload(client, data))

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "修改 <strong>1</strong>" in html and "确认导入" in html
    assert "招聘人数" in html and "12" in html
    posting.refresh_from_db()
    assert posting.headcount != 12

    done = client.post(url)
    assert done.status_code == 302 and done["Location"] == url
    posting.refresh_from_db()
    assert posting.headcount == 12
    record = posting.history.first()
    assert record.history_user == editor
    assert record.history_change_reason == "导入 新疆招聘表.xlsx"
    result = client.get(url).content.decode()
    assert "已导入：新疆招聘表.xlsx" in result and "确认导入" not in result

    # Confirming again writes nothing more.
    history = posting.history.count()
    client.post(url)
    assert posting.history.count() == history


def test_import_page_states_the_limits_and_offers_a_template(client, editor):
    html = client.get(IMPORT).content.decode()
    assert "文件不超过 10 MB，不超过 20,000 行岗位" in html
    template = client.get(reverse("admin:postings_posting_import_template"))
    assert template.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    headers = [cell.value for cell in sheet.active[1]]
    assert headers[:3] == ["编号", "链接", "用人单位"] and "流程状态" in headers


def test_the_changelist_offers_import_to_editors_only(client, seeded):
    changelist = reverse("admin:postings_posting_changelist")
    staff(client, RECRUITER, username="li")
    assert "导入招聘表" not in client.get(changelist).content.decode()
    assert client.get(IMPORT).status_code == 403
    assert upload(client, b"x").status_code == 403
    client.logout()
    staff(client, EDITOR, username="wang")
    html = client.get(changelist).content.decode()
    assert "导入招聘表" in html and "从岗位说明新建" in html


def test_rows_outside_the_editors_institutions_are_errors_never_written(client, editor):
    theirs = Posting.objects.exclude(institution__name="新疆区分行").order_by("pk")[0]
    queryset = Posting.objects.filter(
        pk__in=[theirs.pk, xinjiang_postings().first().pk]
    ).order_by("pk")
    row = 2 if theirs.pk < xinjiang_postings().first().pk else 3
    data = workbook(queryset, {(row, "招聘人数"): 30})
    url = preview_url(upload(client, data))
    html = client.get(url).content.decode()
    assert "不在您管理的机构范围内" in html
    assert "确认导入" not in html
    client.post(url)
    theirs.refresh_from_db()
    assert theirs.headcount != 30


def test_bad_files_get_a_message_never_a_500(client, editor):
    for name, data, message in [
        ("empty.xlsx", b"", "文件是空的"),
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00", "无法识别这个文件"),
        ("cut.xlsx", workbook(xinjiang_postings())[:500], "已损坏"),
    ]:
        url = preview_url(upload(client, data, name))
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert message in html and "未导入任何内容" in html
        assert "确认导入" not in html
    assert upload(client, b"", "x").status_code == 302
    response = client.post(IMPORT, {})
    assert (
        response.status_code == 400
        and "请选择要导入的文件" in response.content.decode()
    )


def test_an_oversized_upload_is_refused_before_it_is_read(client, editor):
    response = client.post(
        IMPORT,
        {"file": SimpleUploadedFile("big.xlsx", b"PK\x03\x04" + b"0" * (11 << 20))},
    )
    assert response.status_code == 400
    assert "超过了 10 MB 的上限" in response.content.decode()
    assert not PostingImport.objects.exists()


def test_a_tampered_or_foreign_token_applies_nothing(client, editor):
    data = workbook(xinjiang_postings(), {(2, "招聘人数"): 44})
    url = preview_url(upload(client, data))
    token = url.rstrip("/").rsplit("/", 1)[1]
    stored = PostingImport.objects.get()

    # A token naming another upload, signed with anything but the site's key.
    other = PostingImport.objects.create(
        user=editor, file_name="other.xlsx", content=b"x", sha256="0" * 64
    )
    payload = signing.loads(token, salt="postings.import-preview")
    assert payload["upload"] == stored.pk
    forged = signing.dumps(
        {**payload, "upload": other.pk},
        salt="postings.import-preview",
        key="not-the-secret-key",
    )
    response = client.post(
        reverse("admin:postings_posting_import_preview", args=[forged])
    )
    assert response.status_code == 400 and "预览链接无效" in response.content.decode()

    # The stored file swapped after the preview: the SHA-256 no longer matches.
    PostingImport.objects.filter(pk=stored.pk).update(
        content=b"changed", sha256="1" * 64
    )
    response = client.post(url)
    assert response.status_code == 400
    PostingImport.objects.filter(pk=stored.pk).update(
        content=data, sha256=stored.sha256
    )

    # Someone else's preview.
    client.logout()
    staff(client, EDITOR, username="zhao")
    assert client.post(url).status_code == 400
    assert not xinjiang_postings().filter(headcount=44).exists()


def test_a_preview_older_than_the_limit_must_be_redone(client, editor, monkeypatch):
    url = preview_url(
        upload(client, workbook(xinjiang_postings(), {(2, "招聘人数"): 55}))
    )
    # The signatures' clock, a minute past the preview's limit.
    later = time.time() + admin_imports.PREVIEW_MAX_AGE.total_seconds() + 60
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later))
    response = client.post(url, follow=True)
    assert "请重新预览后再确认" in response.content.decode()
    assert not xinjiang_postings().filter(headcount=55).exists()
    assert "重新预览" in client.get(url).content.decode()

    again = client.post(url.rstrip("/") + "/again/")
    fresh = again["Location"]
    client.post(fresh)
    assert xinjiang_postings().filter(headcount=55).count() == 1


def test_a_posting_changed_since_the_preview_makes_the_confirmation_fail(
    client, editor
):
    posting = xinjiang_postings().first()
    url = preview_url(
        upload(client, workbook(xinjiang_postings(), {(2, "招聘人数"): 66}))
    )
    posting.title = "预览之后被别人改了"
    posting.save()
    response = client.post(url, follow=True)
    assert "预览之后，数据已有变化" in response.content.decode()
    posting.refresh_from_db()
    assert posting.headcount != 66 and posting.title == "预览之后被别人改了"


def test_from_role_lists_role_descriptions_that_prefill_a_new_posting(client, editor):
    page = client.get(reverse("admin:postings_posting_from_role"))
    role = RoleDescription.objects.filter(items__kind="duty").first()
    assert f"?from_role={role.pk}" in page.content.decode()
    add = client.get(reverse("admin:postings_posting_add"), {"from_role": role.pk})
    assert role.items.filter(kind="duty").first().text in add.content.decode()


def test_copy_makes_a_draft_with_the_items(client, editor):
    original = xinjiang_postings().first()
    copy_url = reverse("admin:postings_posting_copy", args=[original.pk])
    change = client.get(reverse("admin:postings_posting_change", args=[original.pk]))
    assert copy_url in change.content.decode()
    assert client.get(copy_url).status_code == 200
    response = client.post(copy_url)
    copy = Posting.objects.order_by("-pk").first()
    assert response["Location"] == reverse(
        "admin:postings_posting_change", args=[copy.pk]
    )
    assert copy.pk != original.pk and copy.status == Posting.Status.DRAFT
    assert copy.title == original.title and copy.source_document == ""
    # The copy is the editor's own: no source named on its public page.
    assert original.source_name and copy.source_name == ""
    assert [d.text for d in copy.duties.all()] == [
        d.text for d in original.duties.all()
    ]
    assert list(copy.ordered_locations) == list(original.ordered_locations)
    assert copy.requirements.count() == original.requirements.count()
    # Another institution's posting cannot be copied.
    theirs = Posting.objects.exclude(institution__name="新疆区分行").first()
    assert (
        client.post(
            reverse("admin:postings_posting_copy", args=[theirs.pk])
        ).status_code
        == 404
    )


def test_a_token_the_site_signed_for_another_purpose_opens_no_preview(client, editor):
    url = preview_url(upload(client, workbook(xinjiang_postings())))
    payload = signing.loads(
        url.rstrip("/").rsplit("/", 1)[1], salt="postings.import-preview"
    )
    # The site's own key, as on the links in alert mails, but not their salt.
    other_purpose = signing.dumps(payload, salt=mail.MANAGE_SALT)
    preview = reverse("admin:postings_posting_import_preview", args=[other_purpose])
    for response in (client.get(preview), client.post(preview)):
        assert response.status_code == 400
        assert "预览链接无效" in response.content.decode()
    assert client.get(url).status_code == 200
