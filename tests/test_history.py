"""Change history: every change recorded, shown in the admin, restorable."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from postings import history
from postings.access import RECRUITER, ROLE_GROUPS
from postings.models import (
    Duty,
    InstitutionAccess,
    Posting,
    PostingLocation,
    Requirement,
)

pytestmark = pytest.mark.django_db


def change_form_data(posting, **overrides):
    """The posting's admin change form as a browser would post it back."""
    data = {
        "title": posting.title,
        "institution": posting.institution_id,
        "department": posting.department_id or "",
        "grade": posting.grade,
        "category": posting.category,
        "headcount": posting.headcount or "",
        "published_on": posting.published_on.isoformat()
        if posting.published_on
        else "",
        "closes_on": "",
        "majors": "[]",
    }
    inlines = {
        "posting_locations": (
            posting.posting_locations.all(),
            ("position", "location"),
        ),
        "duties": (posting.duties.all(), ("position", "text")),
        "requirements": (posting.requirements.all(), ("position", "section", "text")),
        "posting_certificates": (posting.posting_certificates.all(), ("certificate",)),
    }
    for prefix, (items, fields) in inlines.items():
        items = list(items)
        data[f"{prefix}-TOTAL_FORMS"] = str(len(items))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(items))
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for index, item in enumerate(items):
            data[f"{prefix}-{index}-id"] = item.pk
            data[f"{prefix}-{index}-posting"] = posting.pk
            for field in fields:
                value = getattr(item, f"{field}_id", None) or getattr(item, field)
                data[f"{prefix}-{index}-{field}"] = value
    data.update(overrides)
    return data


@pytest.fixture
def posting(make_posting):
    return make_posting(
        title="客户经理",
        duties=("负责客户营销。", "负责客户维护。"),
        requirements=("大学本科及以上学历。",),
        locations=("喀什市", "和田市"),
    )


def test_admin_edit_records_who_when_and_what(admin_client, admin_user, posting):
    url = reverse("admin:postings_posting_change", args=[posting.pk])
    data = change_form_data(
        posting, title="客户经理（公司）", **{"duties-1-text": "负责重点客户维护。"}
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    latest = posting.history.latest()
    assert latest.history_user == admin_user
    assert latest.history_type == "~"
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("title", "客户经理", "客户经理（公司）")
    ]
    duty_change = Duty.history.filter(posting_id=posting.pk, history_type="~").latest()
    assert duty_change.text == "负责重点客户维护。"
    assert duty_change.history_user == admin_user

    page = admin_client.get(
        reverse("admin:postings_posting_history", args=[posting.pk])
    )
    content = page.content.decode()
    assert "客户经理（公司）" in content and admin_user.username in content
    assert "负责重点客户维护。" in content  # item changes are listed too


def test_shell_and_model_verbs_are_recorded(posting):
    before = posting.history.count()
    posting.close()
    Requirement.objects.create(
        posting=posting, position=2, text="有银行从业经验者优先。"
    )
    assert posting.history.count() == before + 1
    assert posting.history.latest().status == Posting.Status.CLOSED
    assert posting.history.latest().history_user is None
    assert (
        Requirement.history.filter(posting_id=posting.pk, history_type="+").count() == 2
    )


def test_import_records_history_once():
    call_command("import_seeds", stdout=StringIO())
    assert Posting.history.count() == 77
    assert set(Posting.history.values_list("history_change_reason", flat=True)) == {
        "从来源文件导入"
    }
    assert Duty.history.count() == Duty.objects.count()
    assert PostingLocation.history.count() == PostingLocation.objects.count()
    call_command("import_seeds", stdout=StringIO())
    assert Posting.history.count() == 77
    assert Duty.history.count() == Duty.objects.count()


def test_restore_an_earlier_version_with_its_items(admin_client, posting):
    original = posting.history.latest()
    url = reverse("admin:postings_posting_change", args=[posting.pk])
    data = change_form_data(
        posting,
        title="改过的标题",
        **{"duties-0-text": "改过的职责。", "duties-1-DELETE": "on"},
    )
    assert admin_client.post(url, data).status_code == 302
    posting.refresh_from_db()
    assert posting.title == "改过的标题"
    assert [d.text for d in posting.duties.all()] == ["改过的职责。"]

    restore_url = reverse(
        "admin:postings_posting_restore", args=[posting.pk, original.history_id]
    )
    confirm = admin_client.get(restore_url)
    assert confirm.status_code == 200 and "确认恢复" in confirm.content.decode()
    assert admin_client.post(restore_url).status_code == 302

    posting.refresh_from_db()
    assert posting.title == "客户经理"
    assert [d.text for d in posting.duties.all()] == [
        "负责客户营销。",
        "负责客户维护。",
    ]
    assert [loc.name for loc in posting.ordered_locations] == ["喀什市", "和田市"]
    assert "客户维护" in posting.search.document
    assert posting.history.latest().history_change_reason.startswith("恢复到")


def test_a_deleted_posting_can_be_recovered(admin_client, posting):
    pk = posting.pk
    duties = [d.text for d in posting.duties.all()]
    delete_url = reverse("admin:postings_posting_delete", args=[pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Posting.objects.filter(pk=pk).exists()

    deleted_page = admin_client.get(reverse("admin:postings_posting_deleted"))
    assert "客户经理" in deleted_page.content.decode()
    (record,) = deleted_page.context["records"]

    restore_url = reverse(
        "admin:postings_posting_restore", args=[pk, record.history_id]
    )
    assert admin_client.post(restore_url).status_code == 302
    recovered = Posting.objects.get(pk=pk)
    assert recovered.title == "客户经理"
    assert [d.text for d in recovered.duties.all()] == duties
    assert [loc.name for loc in recovered.ordered_locations] == ["喀什市", "和田市"]
    assert [r.text for r in recovered.requirements.all()] == ["大学本科及以上学历。"]
    assert list(history.deleted_postings()) == []


def test_restore_refuses_when_the_institution_is_gone(posting):
    institution, pk = posting.institution, posting.pk
    posting.delete()
    record = Posting.history.filter(id=pk, history_type="-").get()
    institution.delete()
    with pytest.raises(ValidationError, match="招聘机构已被删除"):
        history.restore(record, reason="test")
    assert not Posting.objects.filter(pk=pk).exists()


def test_recruiters_cannot_restore(client, posting, django_user_model):
    user = django_user_model.objects.create_user("reader", is_staff=True)
    user.groups.add(Group.objects.get(name=ROLE_GROUPS[RECRUITER]))
    InstitutionAccess.objects.create(user=user, institution=posting.institution)
    client.force_login(user)
    version = posting.history.latest()
    url = reverse(
        "admin:postings_posting_restore", args=[posting.pk, version.history_id]
    )
    assert client.post(url).status_code == 403
    assert client.get(reverse("admin:postings_posting_deleted")).status_code == 403
    # But they can read the history.
    assert (
        client.get(
            reverse("admin:postings_posting_history", args=[posting.pk])
        ).status_code
        == 200
    )


def test_other_institutions_history_is_hidden(
    client, posting, make_posting, django_user_model
):
    other = make_posting(title="别家岗位")
    user = django_user_model.objects.create_user("hr", is_staff=True)
    user.groups.add(Group.objects.get(name=ROLE_GROUPS["editor"]))
    InstitutionAccess.objects.create(user=user, institution=posting.institution)
    client.force_login(user)
    version = other.history.latest()
    restore_url = reverse(
        "admin:postings_posting_restore", args=[other.pk, version.history_id]
    )
    assert client.get(restore_url).status_code == 404
    other.delete()
    deleted = client.get(reverse("admin:postings_posting_deleted"))
    assert deleted.context["records"] == []
