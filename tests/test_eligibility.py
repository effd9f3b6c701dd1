"""Each posting's requirements checked against a candidate's situation."""

import json
import re

import pytest
from django.urls import reverse

from postings.eligibility import Status, Verdict, check
from postings.models import Certificate, Education, Posting, PostingCertificate
from postings.situation import Situation

pytestmark = pytest.mark.django_db

CHONGQING = "001_d8b25c18b293cb0b.txt"


def postings_of(employer):
    return (
        Posting.objects.filter(employer__name=employer)
        .prefetch_related("posting_certificates__certificate")
        .order_by("source_row")
    )


def by_requirement(result):
    return {c.requirement: c for c in result.checks}


def test_a_36_year_old_graduate_with_3_years_qualifies_for_no_chongqing_posting(
    seeded,
):
    candidate = Situation(education=Education.BENKE, experience=3, age=36)
    results = {p.title: check(p, candidate) for p in postings_of("重庆银行")}
    assert len(results) == 10
    assert {r.verdict for r in results.values()} == {Verdict.INELIGIBLE}

    business = by_requirement(results["商务拓展岗"])
    assert business["年龄"].status is Status.NOT_MET
    assert business["年龄"].statement == "年龄 36 > 35岁以下"
    assert business["年龄"].evidence == "35岁以下；"
    assert business["学历"].status is Status.MET
    assert business["学历"].statement == "学历 本科 ≥ 本科及以上"
    assert business["学历"].evidence.startswith("全日制本科以上学历")
    assert business["工作年限"].status is Status.MET
    assert business["工作年限"].statement == "工作年限 3 ≥ 3年以上"

    product = by_requirement(results["互联网金融产品开发岗"])
    assert product["年龄"].statement == "年龄 36 > 30岁以下"


def test_a_34_year_old_misses_only_the_five_year_and_the_under_30_postings(seeded):
    candidate = Situation(education=Education.BENKE, experience=3, age=34)
    results = {p.title: check(p, candidate) for p in postings_of("重庆银行")}
    ineligible = {t for t, r in results.items() if r.verdict is Verdict.INELIGIBLE}
    assert ineligible == {"商务合作及解决方案管理岗", "互联网金融产品开发岗"}
    years = by_requirement(results["商务合作及解决方案管理岗"])["工作年限"]
    assert (years.status, years.statement) == (Status.NOT_MET, "工作年限 3 < 5年以上")
    assert {r.verdict for t, r in results.items() if t not in ineligible} == {
        Verdict.ELIGIBLE
    }


def test_a_field_the_candidate_left_empty_is_to_be_confirmed(seeded):
    candidate = Situation(education=Education.BENKE, experience=3)
    posting = postings_of("重庆银行").get(title="商务拓展岗")
    result = check(posting, candidate)
    age = by_requirement(result)["年龄"]
    assert age.status is Status.TO_CONFIRM
    assert age.statement == "年龄 未填写，要求35岁以下"
    assert result.verdict is Verdict.TO_CONFIRM


def test_a_lower_education_is_not_met(seeded):
    candidate = Situation(education=Education.ZHUANKE, experience=10, age=25)
    posting = postings_of("重庆银行").get(title="商务拓展岗")
    education = by_requirement(check(posting, candidate))["学历"]
    assert education.status is Status.NOT_MET
    assert education.statement == "学历 专科 < 本科及以上"


def test_what_a_posting_does_not_state_is_no_condition(seeded):
    # The consumer-finance company states years but neither education nor age.
    posting = (
        postings_of("某消费金融公司")
        .filter(min_education=None, max_age=None, min_years_experience=3)
        .filter(requires_shift_work=False, requires_local_residence=False)
        .filter(posting_certificates__isnull=True)
        .first()
    )
    result = check(posting, Situation(experience=3))
    checks = by_requirement(result)
    assert checks["学历"].status is Status.NOT_STATED
    assert checks["学历"].statement == "学历 未注明要求"
    assert checks["年龄"].status is Status.NOT_STATED
    assert checks["工作年限"].status is Status.MET
    assert result.verdict is Verdict.ELIGIBLE


def test_preferred_certificates_are_advantages_never_conditions(seeded):
    posting = postings_of("中国银行").get(source_row=1)
    assert posting.posting_certificates.filter(is_preferred=True).count() == 4
    result = check(posting, Situation(education=Education.BENKE, experience=5))
    assert result.advantages == ("CFA", "CPA", "英语专业八级", "法律职业资格")
    assert "资格证书" not in by_requirement(result)
    assert result.verdict is Verdict.ELIGIBLE


def test_required_certificate_shift_work_and_local_residence_are_to_confirm(
    make_posting,
):
    posting = make_posting(
        min_education=Education.BENKE,
        requires_shift_work=True,
        shift_work_evidence="能够接受轮班工作制度。",
        requires_local_residence=True,
        local_residence_evidence="家庭或生活基础位于相应机构所在地区。",
    )
    cpa = Certificate.objects.create(name="CPA", full_name="注册会计师")
    PostingCertificate.objects.create(
        posting=posting, certificate=cpa, is_preferred=False, evidence="须持有CPA。"
    )
    result = check(posting, Situation(education=Education.MASTER))
    checks = by_requirement(result)
    assert checks["资格证书"].status is Status.TO_CONFIRM
    assert checks["资格证书"].statement == "须持有 CPA，请自行确认"
    assert checks["资格证书"].evidence == "须持有CPA。"
    assert checks["倒班"].status is Status.TO_CONFIRM
    assert checks["倒班"].evidence == "能够接受轮班工作制度。"
    assert checks["属地"].status is Status.TO_CONFIRM
    assert result.verdict is Verdict.TO_CONFIRM
    # Not meeting a checkable condition outweighs what is left to confirm.
    assert check(posting, Situation(education=Education.ZHUANKE)).verdict is (
        Verdict.INELIGIBLE
    )


def test_age_at_the_limit_is_met_as_the_listing_filter_says(make_posting):
    posting = make_posting(max_age=35, max_age_evidence="35周岁（含）以下")
    age = by_requirement(check(posting, Situation(age=35)))["年龄"]
    assert (age.status, age.statement) == (Status.MET, "年龄 35 ≤ 35岁以下")


@pytest.mark.parametrize(
    "situation",
    [
        Situation(education=Education.BENKE, experience=3, age=36),
        Situation(education=Education.ZHUANKE, experience=2, age=28),
        Situation(education=Education.MASTER, experience=1, age=31),
    ],
)
def test_nothing_unmet_exactly_when_the_listing_filters_show_the_posting(
    seeded, client, situation
):
    """The checks and the listing's education/experience/age filters agree
    on every seed posting, so marks and filtered lists never contradict."""
    listed = (
        client.get(
            reverse("postings:posting_list"), {**situation.as_query(), "per_page": 100}
        )
        .context["filterset"]
        .qs
    )
    shown = set(listed.values_list("pk", flat=True))
    open_postings = Posting.objects.open_now().prefetch_related(
        "posting_certificates__certificate"
    )
    not_excluded = {p.pk for p in open_postings if not check(p, situation).unmet}
    assert shown == not_excluded
    assert 0 < len(shown) < open_postings.count()


# --- The listing's marks and 只看符合 ----------------------------------------------


def listing_verdicts(response):
    """{posting id: the card's mark (None when unmarked)} on a listing page."""
    cards = response.content.decode().split('<li class="posting-card">')[1:]
    verdicts = {}
    for card in cards:
        posting_id = int(re.search(r'href="/postings/(\d+)/"', card).group(1))
        mark = re.search(r'class="verdict card-verdict verdict-(\w+)"', card)
        verdicts[posting_id] = mark.group(1) if mark else None
    return verdicts


def test_the_listing_marks_each_card_for_a_remembered_situation(seeded, client):
    candidate = Situation(education=Education.BENKE, experience=3, age=34)
    client.cookies["situation"] = "e2.y3.a34"
    response = client.get(reverse("postings:posting_list"), {"per_page": 100})
    assert response.status_code == 200
    assert "Cookie" in response["Vary"]
    marks = listing_verdicts(response)
    postings = Posting.objects.open_now().prefetch_related(
        "posting_certificates__certificate"
    )
    expected = {p.pk: check(p, candidate).verdict.slug for p in postings}
    assert marks == expected
    # Every kind of mark is on the seeded board for this candidate.
    assert set(marks.values()) == {"eligible", "ineligible", "to_confirm"}
    # Without a situation, no card is marked.
    client.cookies.pop("situation")
    plain = client.get(reverse("postings:posting_list"), {"per_page": 100})
    assert set(listing_verdicts(plain).values()) == {None}
    assert "填写我的情况" in plain.content.decode()


def test_only_fit_shows_exactly_the_postings_marked_fit(seeded, client):
    client.cookies["situation"] = "e2.y3.a34"
    page = client.get(reverse("postings:posting_list")).content.decode()
    # The link states the remembered situation, so it can be shared.
    assert "只看符合" in page
    query = {"education": "本科", "experience": "3", "age": "34", "fit": "符合"}
    client.cookies.pop("situation")
    response = client.get(reverse("postings:posting_list"), {**query, "per_page": 100})
    assert response.status_code == 200
    candidate = Situation(education=Education.BENKE, experience=3, age=34)
    postings = Posting.objects.open_now().prefetch_related(
        "posting_certificates__certificate"
    )
    fit = {p.pk for p in postings if check(p, candidate).verdict is Verdict.ELIGIBLE}
    marks = listing_verdicts(response)
    assert set(marks) == fit
    assert set(marks.values()) == {"eligible"}
    assert response.context["total"] == len(fit) > 0
    # The export and the SQL path agree with the board.
    assert set(response.context["filterset"].qs.values_list("pk", flat=True)) == fit
    exported = client.get(reverse("postings:posting_export", args=["json"]), query)
    assert exported.status_code == 200
    body = json.loads(b"".join(exported.streaming_content))
    assert len(body) == len(fit)
    assert "显示全部岗位" in response.content.decode()


def test_only_fit_refuses_other_values_with_a_message(client, seeded):
    response = client.get(reverse("postings:posting_list"), {"fit": "yes"})
    assert response.status_code == 400
    assert "只看符合：只能为“符合”" in response.content.decode()
