"""HR roles per institution: editors and recruiters see only their own."""

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from postings.access import EDITOR, RECRUITER, ROLE_GROUPS
from postings.models import Department, InstitutionAccess, Posting

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def world(make_institution, make_posting):
    """Bank A with two branches, bank B; a posting and department in each."""
    bank_a = make_institution("中国银行")
    xinjiang = make_institution("新疆区分行", parent=bank_a)
    heilongjiang = make_institution("黑龙江省分行", parent=bank_a)
    bank_b = make_institution("重庆银行")
    return {
        "bank_a": bank_a,
        "xinjiang": xinjiang,
        "heilongjiang": heilongjiang,
        "bank_b": bank_b,
        "mine": make_posting(
            title="喀什客户经理", institution=xinjiang, department="营业网点"
        ),
        "sibling": make_posting(
            title="哈尔滨客户经理", institution=heilongjiang, department="营业网点"
        ),
        "theirs": make_posting(
            title="重庆产品经理", institution=bank_b, department="互联网金融部"
        ),
    }


def staff_client(client, world, role, *institutions):
    user = User.objects.create_user(
        f"{role}-user", password="unused-Pa55word!", is_staff=True
    )
    user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    for institution in institutions or (world["xinjiang"],):
        InstitutionAccess.objects.create(user=user, institution=institution)
    client.force_login(user)
    return client


@pytest.fixture
def editor(client, world):
    return staff_client(client, world, EDITOR)


@pytest.fixture
def recruiter(client, world):
    return staff_client(client, world, RECRUITER)


def changelist(client, model):
    response = client.get(reverse(f"admin:postings_{model}_changelist"))
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def admin_url(model, view, obj):
    return reverse(f"admin:postings_{model}_{view}", args=[obj.pk])


# --- What an HR editor sees -------------------------------------------------------------


def test_editor_changelists_show_only_their_institution(editor, world):
    assert changelist(editor, "posting") == {world["mine"]}
    assert changelist(editor, "department") == {world["mine"].department}
    assert changelist(editor, "institution") == {world["xinjiang"]}


def test_editor_of_an_employer_sees_every_branch(client, world):
    editor = staff_client(client, world, EDITOR, world["bank_a"])
    assert changelist(editor, "posting") == {world["mine"], world["sibling"]}
    assert changelist(editor, "institution") == {
        world["bank_a"],
        world["xinjiang"],
        world["heilongjiang"],
    }


@pytest.mark.parametrize("view", ["change", "delete", "history"])
@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("posting", "theirs"),
        ("posting", "sibling"),
        ("department", "theirs"),
        ("institution", "bank_b"),
    ],
)
def test_editor_cannot_open_other_institutions_rows(editor, world, view, model, key):
    obj = world[key]
    if model == "department":
        obj = obj.department
    response = editor.get(admin_url(model, view, obj))
    assert response.status_code in (403, 404)
    assert str(obj) not in response.content.decode()


def test_editor_cannot_delete_other_institutions_postings_by_post(editor, world):
    theirs = world["theirs"]
    response = editor.post(admin_url("posting", "delete", theirs), {"post": "yes"})
    assert response.status_code in (403, 404)
    assert Posting.objects.filter(pk=theirs.pk).exists()
    # Nor through the changelist's bulk delete action.
    editor.post(
        reverse("admin:postings_posting_changelist"),
        {"action": "delete_selected", "_selected_action": [theirs.pk], "post": "yes"},
    )
    assert Posting.objects.filter(pk=theirs.pk).exists()


def test_editor_can_only_pick_their_institutions_and_departments(editor, world):
    response = editor.get(reverse("admin:postings_posting_add"))
    form = response.context["adminform"].form
    assert set(form.fields["institution"].queryset) == {world["xinjiang"]}
    assert set(form.fields["department"].queryset) == {world["mine"].department}

    autocomplete = editor.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "postings",
            "model_name": "posting",
            "field_name": "institution",
            "term": "",
        },
    )
    names = {result["text"] for result in autocomplete.json()["results"]}
    assert names == {"中国银行 · 新疆区分行"}


def posting_form_data(institution, **overrides):
    data = {
        "title": "篡改测试岗位",
        "institution": institution.pk,
        "department": "",
        "grade": "",
        "category": "",
        "headcount": "1",
        "published_on": "",
        "closes_on": "",
        "majors": "[]",
    }
    for prefix in (
        "posting_locations",
        "duties",
        "requirements",
        "posting_certificates",
    ):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return data


def test_editor_can_create_a_posting_in_their_institution(editor, world):
    response = editor.post(
        reverse("admin:postings_posting_add"), posting_form_data(world["xinjiang"])
    )
    assert response.status_code == 302
    created = Posting.objects.get(title="篡改测试岗位")
    assert created.institution == world["xinjiang"]
    assert created.status == Posting.Status.DRAFT


def test_editor_cannot_create_a_posting_in_another_institution_by_tampering(
    editor, world
):
    response = editor.post(
        reverse("admin:postings_posting_add"), posting_form_data(world["bank_b"])
    )
    assert response.status_code == 200  # the form comes back with an error
    assert "institution" in response.context["adminform"].form.errors
    assert not Posting.objects.filter(title="篡改测试岗位").exists()


def test_editor_cannot_move_their_posting_into_another_institution(editor, world):
    mine = world["mine"]
    data = posting_form_data(world["bank_b"], title=mine.title)
    response = editor.post(admin_url("posting", "change", mine), data)
    assert response.status_code == 200
    assert "institution" in response.context["adminform"].form.errors
    mine.refresh_from_db()
    assert mine.institution == world["xinjiang"]


def test_editor_cannot_use_another_institutions_department(editor, world):
    data = posting_form_data(
        world["xinjiang"], department=world["theirs"].department.pk
    )
    response = editor.post(reverse("admin:postings_posting_add"), data)
    assert "department" in response.context["adminform"].form.errors
    assert not Posting.objects.filter(title="篡改测试岗位").exists()


def test_editor_cannot_create_a_department_in_another_institution(editor, world):
    response = editor.post(
        reverse("admin:postings_department_add"),
        {"institution": world["bank_b"].pk, "name": "篡改部门", "description": ""},
    )
    assert "institution" in response.context["adminform"].form.errors
    assert not Department.objects.filter(name="篡改部门").exists()


def test_editor_cannot_lift_their_branch_out_of_its_bank(editor, world):
    xinjiang = world["xinjiang"]
    response = editor.post(
        admin_url("institution", "change", xinjiang),
        {"name": "新疆区分行", "parent": "", "description": "新描述", "note": ""},
    )
    assert response.status_code == 302
    xinjiang.refresh_from_db()
    assert xinjiang.parent == world["bank_a"]  # parent is read-only for editors
    assert xinjiang.description == "新描述"


def test_editor_exports_only_their_postings(editor, world):
    response = editor.get(reverse("admin:postings_posting_export", args=["json"]))
    data = json.loads(b"".join(response.streaming_content))
    assert [row["id"] for row in data] == [world["mine"].pk]


# --- Recruiters: read-only plus export ---------------------------------------------------


def test_recruiter_sees_and_exports_but_changes_nothing(recruiter, world):
    mine = world["mine"]
    assert changelist(recruiter, "posting") == {mine}
    assert (
        recruiter.get(admin_url("posting", "change", mine)).status_code == 200
    )  # view only
    assert recruiter.get(reverse("admin:postings_posting_add")).status_code == 403
    response = recruiter.post(
        admin_url("posting", "change", mine),
        posting_form_data(world["xinjiang"], title="改了"),
    )
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.title == "喀什客户经理"
    assert (
        recruiter.post(
            admin_url("posting", "delete", mine), {"post": "yes"}
        ).status_code
        == 403
    )

    actions = recruiter.get(reverse("admin:postings_posting_changelist")).context[
        "action_form"
    ]
    choices = {value for value, _ in actions.fields["action"].choices}
    assert "export_selected_csv" in choices
    assert not {"publish_selected", "close_selected", "delete_selected"} & choices

    export = recruiter.get(reverse("admin:postings_posting_export", args=["csv"]))
    assert export.status_code == 200
    assert "喀什客户经理" in b"".join(export.streaming_content).decode("utf-8-sig")


def test_recruiter_cannot_publish_by_posting_the_action(recruiter, world, make_posting):
    draft = make_posting(
        institution=world["xinjiang"], status=Posting.Status.DRAFT, published_on=None
    )
    recruiter.post(
        reverse("admin:postings_posting_changelist"),
        {"action": "publish_selected", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == Posting.Status.DRAFT


# --- Superusers see everything ------------------------------------------------------------


def test_superuser_sees_every_institution(admin_client, world):
    assert changelist(admin_client, "posting") == {
        world["mine"],
        world["sibling"],
        world["theirs"],
    }
    assert len(changelist(admin_client, "institution")) == 4


def test_staff_without_a_role_sees_nothing(client, world):
    user = User.objects.create_user("nobody", is_staff=True)
    InstitutionAccess.objects.create(user=user, institution=world["xinjiang"])
    client.force_login(user)
    assert client.get(reverse("admin:postings_posting_changelist")).status_code == 403


# --- add_hr_user ----------------------------------------------------------------------------


def add_hr_user(*args):
    out = StringIO()
    call_command("add_hr_user", *args, "--generate-password", stdout=out)
    return out.getvalue()


def test_add_hr_user_creates_an_editor_with_a_generated_password(world, client):
    output = add_hr_user("kashgar", "--institution", "中国银行/新疆区分行")
    assert "Created kashgar: HR 编辑 for 中国银行 · 新疆区分行." in output
    password = output.split("Password (shown once): ")[1].strip()
    user = User.objects.get(username="kashgar")
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["HR 编辑"]
    assert [a.institution for a in user.institution_access.all()] == [world["xinjiang"]]
    assert user.check_password(password)
    client.force_login(user)
    assert changelist(client, "posting") == {world["mine"]}


def test_add_hr_user_updates_role_and_institutions(world):
    add_hr_user("liu", "--institution", "新疆区分行")
    output = add_hr_user(
        "liu",
        "--institution",
        "新疆区分行",
        "--institution",
        "重庆银行",
        "--role",
        "recruiter",
    )
    assert output.startswith("Updated liu: 招聘专员")
    user = User.objects.get(username="liu")
    assert list(user.groups.values_list("name", flat=True)) == ["招聘专员"]
    assert {a.institution for a in user.institution_access.all()} == {
        world["xinjiang"],
        world["bank_b"],
    }


def test_add_hr_user_refuses_unknown_and_ambiguous_institutions(
    world, make_institution
):
    with pytest.raises(CommandError, match="No institution named '工商银行'"):
        add_hr_user("x", "--institution", "工商银行")
    make_institution("新疆区分行", parent=world["bank_b"])
    with pytest.raises(CommandError, match="ambiguous"):
        add_hr_user("x", "--institution", "新疆区分行")
    assert not User.objects.filter(username="x").exists()
    add_hr_user("x", "--institution", "重庆银行 / 新疆区分行")
    assert (
        User.objects.get(username="x").institution_access.get().institution.parent
        == world["bank_b"]
    )


def test_role_groups_are_created_by_a_migration():
    editor = Group.objects.get(name="HR 编辑")
    recruiter = Group.objects.get(name="招聘专员")
    editor_codes = set(editor.permissions.values_list("codename", flat=True))
    recruiter_codes = set(recruiter.permissions.values_list("codename", flat=True))
    assert {
        "add_posting",
        "change_posting",
        "delete_posting",
        "view_posting",
    } <= editor_codes
    assert "delete_institution" not in editor_codes
    assert recruiter_codes and all(code.startswith("view_") for code in recruiter_codes)
    # A recruiter reads every kind of row an editor works on.
    assert {code.split("_", 1)[1] for code in recruiter_codes} == {
        code.split("_", 1)[1] for code in editor_codes
    }
