import gettext
import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.validators import URLValidator
from django.urls import reverse

from postings.models import (
    AlertDelivery,
    AlertMail,
    AlertSubscription,
    Certificate,
    Department,
    DepartmentDescription,
    Duty,
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
    # A superuser's changelist holds every row.
    assert response.context["cl"].result_count == model._default_manager.count() > 0

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
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 3
    for _ in range(15):
        make_posting(title="又一个岗位", department="营业网点")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 18
    assert response.content.decode().count("又一个岗位") >= 15


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
    # Django's own wording, as the installed catalogues translate it.
    assert response.context["adminform"].form.errors["application_url"] == [
        str(URLValidator.message)
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


# --- Posting form: numbering and reordering items, 专业 as text ------------------


def posting_form(posting, *, duties=None, **overrides):
    """The posting's change form as posted back, with ``duties`` as
    (id or None, position, text) rows when given."""
    data = {
        "title": posting.title,
        "institution": posting.institution_id,
        "headcount": posting.headcount or "",
        "published_on": posting.published_on.isoformat(),
        "majors": "、".join(posting.majors),
    }
    for prefix in ("posting_locations", "requirements", "posting_certificates"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    if duties is None:
        duties = [(d.pk, d.position, d.text) for d in posting.duties.all()]
    data["duties-TOTAL_FORMS"] = str(len(duties))
    data["duties-INITIAL_FORMS"] = str(sum(1 for pk, _, _ in duties if pk))
    for index, (pk, position, text) in enumerate(duties):
        data[f"duties-{index}-id"] = pk or ""
        data[f"duties-{index}-posting"] = posting.pk
        data[f"duties-{index}-position"] = "" if position is None else position
        data[f"duties-{index}-text"] = text
    data.update(overrides)
    return data


def save_posting(client, posting, data):
    return client.post(
        reverse("admin:postings_posting_change", args=[posting.pk]), data
    )


@pytest.fixture
def posting_with_duties(make_posting, make_institution):
    # No locations or requirements: the form below posts only the duties.
    return make_posting(
        institution=make_institution("新疆区分行"),
        locations=(),
        requirements=(),
        duties=("负责客户营销。", "负责客户维护。"),
    )


def duty_order(posting):
    return list(posting.duties.values_list("position", "text"))


def test_a_new_duty_left_without_a_number_goes_after_the_others(
    admin_client, posting_with_duties
):
    first, second = posting_with_duties.duties.all()
    data = posting_form(
        posting_with_duties,
        duties=[
            (first.pk, 1, first.text),
            (second.pk, 2, second.text),
            (None, None, "负责贷后管理。"),
            (None, None, "完成领导交办的其他工作。"),
        ],
    )
    response = save_posting(admin_client, posting_with_duties, data)
    assert response.status_code == 302
    assert duty_order(posting_with_duties) == [
        (1, "负责客户营销。"),
        (2, "负责客户维护。"),
        (3, "负责贷后管理。"),
        (4, "完成领导交办的其他工作。"),
    ]


def test_a_new_posting_numbers_its_duties_in_the_order_given(
    admin_client, make_institution
):
    institution = make_institution("某银行")
    data = {
        "title": "柜员",
        "institution": institution.pk,
        "duties-TOTAL_FORMS": "2",
        "duties-INITIAL_FORMS": "0",
        "duties-0-text": "负责柜面业务。",
        "duties-1-text": "负责现金管理。",
    }
    for prefix in ("posting_locations", "requirements", "posting_certificates"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client.post(reverse("admin:postings_posting_add"), data)
    assert response.status_code == 302
    assert duty_order(Posting.objects.get(title="柜员")) == [
        (1, "负责柜面业务。"),
        (2, "负责现金管理。"),
    ]


def test_two_duties_swap_places_and_the_history_records_both_moves(
    admin_client, posting_with_duties
):
    first, second = posting_with_duties.duties.all()
    data = posting_form(
        posting_with_duties,
        duties=[(first.pk, 2, first.text), (second.pk, 1, second.text)],
    )
    response = save_posting(admin_client, posting_with_duties, data)
    assert response.status_code == 302
    assert duty_order(posting_with_duties) == [
        (1, "负责客户维护。"),
        (2, "负责客户营销。"),
    ]
    for duty, old, new in ((first, 1, 2), (second, 2, 1)):
        versions = Duty.history.filter(id=duty.pk).order_by("history_date")
        assert [v.position for v in versions] == [old, new]


def test_a_duty_moves_into_the_place_of_one_deleted(admin_client, posting_with_duties):
    first, second = posting_with_duties.duties.all()
    data = posting_form(
        posting_with_duties,
        duties=[(first.pk, 1, first.text), (second.pk, 2, second.text)],
    )
    data["duties-0-DELETE"] = "on"
    data["duties-1-position"] = "1"
    response = save_posting(admin_client, posting_with_duties, data)
    assert response.status_code == 302
    assert duty_order(posting_with_duties) == [(1, "负责客户维护。")]


def test_every_duty_can_be_deleted_at_once(admin_client, posting_with_duties):
    data = posting_form(posting_with_duties)
    data["duties-0-DELETE"] = data["duties-1-DELETE"] = "on"
    response = save_posting(admin_client, posting_with_duties, data)
    assert response.status_code == 302
    assert duty_order(posting_with_duties) == []


def test_a_number_given_to_two_duties_is_refused_with_a_message(
    admin_client, posting_with_duties
):
    first, second = posting_with_duties.duties.all()
    data = posting_form(
        posting_with_duties,
        duties=[(first.pk, 1, first.text), (second.pk, 1, second.text)],
    )
    response = save_posting(admin_client, posting_with_duties, data)
    assert response.status_code == 200
    assert "顺序 1 用了不止一次" in response.content.decode()
    assert duty_order(posting_with_duties) == [
        (1, "负责客户营销。"),
        (2, "负责客户维护。"),
    ]


def test_majors_are_shown_and_typed_as_a_list_of_names(
    admin_client, posting_with_duties
):
    posting_with_duties.majors = ["中文", "新闻"]
    posting_with_duties.save()
    url = reverse("admin:postings_posting_change", args=[posting_with_duties.pk])
    page = admin_client.get(url).content.decode()
    assert re.search(r'<input type="text" name="majors" value="中文、新闻"', page)

    data = posting_form(posting_with_duties, majors="会计，金融; 法律、会计,计算机类")
    response = save_posting(admin_client, posting_with_duties, data)
    assert response.status_code == 302
    posting_with_duties.refresh_from_db()
    assert posting_with_duties.majors == ["会计", "金融", "法律", "计算机类"]

    response = save_posting(
        admin_client, posting_with_duties, posting_form(posting_with_duties, majors="")
    )
    assert response.status_code == 302
    posting_with_duties.refresh_from_db()
    assert posting_with_duties.majors == []


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ('["中文", "新闻"', "不要加括号或引号"),
        ("{中文}", "不要加括号或引号"),
        ("中文 新闻 法律 经济 金融 会计 管理 计算机 统计 数学 英语", "太长"),
    ],
)
def test_majors_typed_wrongly_get_a_clear_message(
    admin_client, posting_with_duties, typed, message
):
    data = posting_form(posting_with_duties, majors=typed)
    response = save_posting(admin_client, posting_with_duties, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["majors"]
    assert message in errors[0]
    posting_with_duties.refresh_from_db()
    assert posting_with_duties.majors == []


def test_majors_pasted_as_a_json_list_are_read_as_that_list(
    admin_client, posting_with_duties
):
    data = posting_form(posting_with_duties, majors='["中文", "新闻"]')
    assert save_posting(admin_client, posting_with_duties, data).status_code == 302
    posting_with_duties.refresh_from_db()
    assert posting_with_duties.majors == ["中文", "新闻"]


# --- django-axes in Chinese --------------------------------------------------------

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_the_admin_names_login_throttling_and_its_records_in_chinese(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    for name in ("登录保护", "登录尝试", "登录失败记录", "登录日志"):
        assert name in page
    for english in ("Axes", "Access attempts", "Access failures", "Access logs"):
        assert english not in page
    AccessAttempt.objects.create(
        username="wang",
        ip_address="127.0.0.1",
        user_agent="Firefox",
        path_info="/admin/login/",
        failures_since_start=2,
    )
    columns = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    for heading in ("IP 地址", "浏览器标识", "用户名", "尝试时间", "失败次数"):
        assert heading in columns.content.decode()


def test_the_committed_compiled_catalogue_matches_its_source():
    source = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', source, re.MULTILINE)
    assert len(entries) >= 20
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    # An entry added or changed without `make messages` is missing here.
    assert [(m, catalogue.gettext(m)) for m, _ in entries] == entries
