import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from postings.models import (
    AlertDelivery,
    AlertMail,
    AlertSubscription,
    Certificate,
    Department,
    DepartmentDescription,
    InstitutionAccess,
    Posting,
    PostingCertificate,
    RoleDescription,
    RoleDescriptionItem,
)
from tests.test_access import posting_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_of_everything(make_posting, make_institution):
    bank = make_institution("中国银行")
    branch = make_institution("新疆区分行", parent=bank)
    posting = make_posting(
        institution=branch, department="营业网点", locations=("喀什市", "和田市")
    )
    certificate = Certificate.objects.create(name="CFA", full_name="特许金融分析师")
    PostingCertificate.objects.create(posting=posting, certificate=certificate)
    DepartmentDescription.objects.create(name="营业部", functions=["负责办理各项业务"])
    role = RoleDescription.objects.create(title="科技员", department_name="科技信息部")
    RoleDescriptionItem.objects.create(
        role=role, position=1, text="负责网络管理和维护。"
    )
    staff = User.objects.create_user("hr", is_staff=True)
    InstitutionAccess.objects.create(user=staff, institution=branch)
    subscription = AlertSubscription.objects.create(
        email="zhang@example.com", query="province=新疆", description="新疆"
    )
    alert = AlertMail.objects.create(
        kind=AlertMail.Kind.DIGEST,
        recipient=subscription.email,
        subscription=subscription,
    )
    AlertDelivery.objects.create(mail=alert, subscription=subscription, posting=posting)
    return posting


def registered_models():
    return sorted(
        (m for m in admin.site._registry if m._meta.app_label == "postings"),
        key=lambda model: model._meta.label,
    )


@pytest.mark.parametrize("model", registered_models(), ids=lambda m: m._meta.model_name)
def test_every_admin_page_renders_for_a_superuser(
    admin_client, one_of_everything, model
):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    response = admin_client.get(changelist)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1

    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    # Alert subscriptions and mails are made by subscribers only, never added.
    addable = admin.site._registry[model].has_add_permission(response.wsgi_request)
    assert admin_client.get(add).status_code == (200 if addable else 403)

    obj = model.objects.first()
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    response = admin_client.get(change)
    assert response.status_code == 200
    assert str(obj) in response.content.decode()

    searched = admin_client.get(changelist, {"q": "中"})
    assert searched.status_code == 200


def test_admin_is_in_chinese(admin_client):
    response = admin_client.get(reverse("admin:index"))
    assert "银行招聘岗位管理" in response.content.decode()
    assert "招聘岗位" in response.content.decode()


def test_posting_changelist_filters_by_province_and_status(admin_client, make_posting):
    xinjiang = make_posting(title="喀什岗位", locations=("喀什市",))
    make_posting(title="北京岗位", locations=("北京市",))
    url = reverse("admin:postings_posting_changelist")
    response = admin_client.get(url, {"province": "新疆", "status__exact": "published"})
    assert list(response.context["cl"].result_list) == [xinjiang]


def test_posting_changelist_query_count_does_not_grow_with_rows(
    admin_client, make_posting, django_assert_max_num_queries
):
    for _ in range(3):
        make_posting(department="营业网点")
    url = reverse("admin:postings_posting_changelist")
    with django_assert_max_num_queries(20) as small:
        admin_client.get(url)
    for _ in range(15):
        make_posting(department="营业网点")
    with django_assert_max_num_queries(len(small.captured_queries)):
        admin_client.get(url)


def test_admin_publish_action_uses_the_model_verb(admin_client, make_posting):
    draft = make_posting(status=Posting.Status.DRAFT, published_on=None)
    url = reverse("admin:postings_posting_changelist")
    admin_client.post(
        url, {"action": "publish_selected", "_selected_action": [draft.pk]}
    )
    draft.refresh_from_db()
    assert draft.status == Posting.Status.PUBLISHED
    assert draft.published_on is not None


def test_hr_enters_how_to_apply_and_the_change_is_in_the_history(
    admin_client, make_institution
):
    branch = make_institution("新疆区分行", parent=make_institution("中国银行"))
    add = reverse("admin:postings_posting_add")
    page = admin_client.get(add).content.decode()
    assert 'name="application_url"' in page
    assert 'name="application_instructions"' in page

    bad = posting_form_data(branch, application_url="javascript:alert(1)")
    response = admin_client.post(add, bad)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["application_url"] == [
        "输入一个有效的 URL。"
    ]

    data = posting_form_data(
        branch,
        application_url="jobs.boc.cn/apply/7",
        application_instructions="网申后请留意短信通知。",
    )
    assert admin_client.post(add, data).status_code == 302
    posting = Posting.objects.get(title=data["title"])
    assert posting.application_url == "https://jobs.boc.cn/apply/7"
    data["application_instructions"] = "网申截止后一周内通知笔试。"
    change = reverse("admin:postings_posting_change", args=[posting.pk])
    assert admin_client.post(change, data).status_code == 302
    newest, older = posting.history.all()[:2]
    assert newest.diff_against(older).changed_fields == ["application_instructions"]


def test_institution_form_takes_a_website_and_a_seat_with_its_evidence(
    admin_client, make_institution, make_location
):
    bank = make_institution("重庆银行")
    seat = make_location("重庆市", "重庆")
    change = reverse("admin:postings_institution_change", args=[bank.pk])
    data = {"name": "重庆银行", "parent": "", "description": "", "note": ""}
    data |= {"website": "https://www.cqcbank.com/", "seat": seat.pk}
    response = admin_client.post(change, {**data, "seat_evidence": ""})
    assert response.context["adminform"].form.errors["seat_evidence"] == [
        "请写明机构所在地的依据（来源中的哪句话或哪个名称）。"
    ]
    data["seat_evidence"] = "机构名称“重庆银行”"
    assert admin_client.post(change, data).status_code == 302
    bank.refresh_from_db()
    assert (bank.website, bank.seat) == ("https://www.cqcbank.com/", seat)


def test_department_autocomplete_is_searchable(admin_client, make_institution):
    Department.objects.create(
        institution=make_institution("总行部门"), name="董事会办公室"
    )
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "董事",
            "app_label": "postings",
            "model_name": "posting",
            "field_name": "department",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == [
        "总行部门 · 董事会办公室"
    ]


def test_start_a_posting_from_a_role_description(admin_client):
    role = RoleDescription.objects.create(title="科技员", department_name="科技信息部")
    RoleDescriptionItem.objects.create(
        role=role, position=1, text="负责网络管理和维护。"
    )
    RoleDescriptionItem.objects.create(role=role, position=2, text="负责机房巡查。")
    RoleDescriptionItem.objects.create(
        role=role,
        kind=RoleDescriptionItem.Kind.REQUIREMENT,
        position=1,
        text="熟悉网络设备。",
    )
    change_page = admin_client.get(
        reverse("admin:postings_roledescription_change", args=[role.pk])
    )
    add_url = reverse("admin:postings_posting_add")
    assert f"{add_url}?from_role={role.pk}" in change_page.content.decode()

    response = admin_client.get(add_url, {"from_role": role.pk})
    assert response.status_code == 200
    assert response.context["adminform"].form.initial["title"] == "科技员"
    formsets = {f.formset.prefix: f for f in response.context["inline_admin_formsets"]}
    duties = formsets["duties"].formset
    assert [form.initial for form in duties.forms] == [
        {"position": 1, "text": "负责网络管理和维护。"},
        {"position": 2, "text": "负责机房巡查。"},
    ]
    requirements = formsets["requirements"].formset
    assert [form.initial["text"] for form in requirements.forms] == ["熟悉网络设备。"]
    content = response.content.decode()
    assert "负责机房巡查。" in content


def test_a_posting_started_from_a_role_is_saved_as_a_draft(
    admin_client, make_institution
):
    role = RoleDescription.objects.create(title="业务管理岗")
    RoleDescriptionItem.objects.create(role=role, position=1, text="负责业务管理。")
    institution = make_institution("某银行")
    data = {
        "title": "业务管理岗",
        "institution": institution.pk,
        "headcount": "2",
        "majors": "[]",
        "duties-TOTAL_FORMS": "1",
        "duties-INITIAL_FORMS": "0",
        "duties-0-position": "1",
        "duties-0-text": "负责业务管理。",
    }
    for prefix in ("posting_locations", "requirements", "posting_certificates"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client.post(
        reverse("admin:postings_posting_add") + f"?from_role={role.pk}", data
    )
    assert response.status_code == 302
    posting = Posting.objects.get(title="业务管理岗")
    assert posting.status == Posting.Status.DRAFT
    assert [d.text for d in posting.duties.all()] == ["负责业务管理。"]
    assert "负责业务管理" in posting.search.document
