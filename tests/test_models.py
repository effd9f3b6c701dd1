import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from postings.models import Department, Institution, Posting

pytestmark = pytest.mark.django_db


def test_headcount_below_one_is_rejected_with_a_clear_message(make_posting):
    posting = make_posting(headcount=1)
    posting.headcount = 0
    with pytest.raises(ValidationError) as excinfo:
        posting.full_clean()
    error = excinfo.value.error_dict["headcount"][0]
    assert error.code == "headcount_min"
    assert "至少为 1" in error.messages[0]


def test_database_refuses_headcount_below_one(make_posting):
    posting = make_posting()
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.filter(pk=posting.pk).update(headcount=0)


def test_unknown_headcount_is_allowed(make_posting):
    posting = make_posting(headcount=None)
    posting.full_clean()
    assert Posting.objects.get(pk=posting.pk).headcount is None


def test_deadline_before_publication_is_rejected(make_posting, today):
    posting = make_posting(published_on=today)
    posting.closes_on = today - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        posting.full_clean()
    error = excinfo.value.error_dict["closes_on"][0]
    assert error.code == "deadline_before_publication"
    assert "不能早于发布日期" in error.messages[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.filter(pk=posting.pk).update(
            closes_on=today - datetime.timedelta(days=1)
        )


def test_published_posting_needs_a_publication_date(make_posting):
    posting = make_posting()
    posting.published_on = None
    with pytest.raises(ValidationError) as excinfo:
        posting.full_clean()
    assert excinfo.value.error_dict["published_on"][0].code == "published_without_date"
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.filter(pk=posting.pk).update(published_on=None)


def test_implausible_age_limit_is_rejected(make_posting):
    posting = make_posting()
    posting.max_age = 7
    with pytest.raises(ValidationError) as excinfo:
        posting.full_clean()
    assert excinfo.value.error_dict["max_age"][0].code == "age_range"


def test_department_must_belong_to_the_posting_institution(
    make_posting, make_institution
):
    posting = make_posting()
    other = Department.objects.create(institution=make_institution(), name="营业网点")
    posting.department = other
    with pytest.raises(ValidationError) as excinfo:
        posting.full_clean()
    assert (
        excinfo.value.error_dict["department"][0].code
        == "department_institution_mismatch"
    )


def test_posting_employer_is_the_root_of_its_institution(
    make_institution, make_posting
):
    bank = make_institution("中国银行")
    branch = make_institution("新疆区分行", parent=bank)
    posting = make_posting(institution=branch)
    assert posting.employer == bank
    assert str(branch) == "中国银行 · 新疆区分行"


def test_employer_with_descendants_includes_every_branch(
    make_institution, make_posting
):
    bank = make_institution("中国银行")
    head_office = make_institution("总行部门", parent=bank)
    branch = make_institution("黑龙江省分行", parent=bank)
    sub_branch = make_institution("哈尔滨分行", parent=branch)
    other_bank = make_institution("重庆银行")
    mine = [
        make_posting(institution=i) for i in (bank, head_office, branch, sub_branch)
    ]
    make_posting(institution=other_bank)

    institutions = Institution.objects.with_descendants([bank])
    postings = Posting.objects.filter(institution__in=institutions)
    assert set(postings) == set(mine)
    assert set(Posting.objects.filter(employer=bank)) == set(mine)

    branch_only = Posting.objects.filter(
        institution__in=Institution.objects.with_descendants([branch])
    )
    assert set(branch_only) == {mine[2], mine[3]}


def test_institution_cannot_be_its_own_ancestor(make_institution):
    bank = make_institution("中国银行")
    branch = make_institution("分行", parent=bank)
    bank.parent = branch
    with pytest.raises(ValidationError) as excinfo:
        bank.full_clean()
    assert excinfo.value.error_dict["parent"][0].code == "cycle"


def test_two_employers_cannot_share_a_name(make_institution):
    make_institution("中国银行")
    with pytest.raises(IntegrityError), transaction.atomic():
        Institution.objects.create(name="中国银行")


def test_open_on_excludes_drafts_future_and_past_deadline(make_posting, today):
    open_posting = make_posting()
    no_deadline = make_posting(closes_on=None)
    make_posting(status=Posting.Status.DRAFT, published_on=None)
    make_posting(status=Posting.Status.CLOSED)
    make_posting(published_on=today + datetime.timedelta(days=3))
    make_posting(
        published_on=today - datetime.timedelta(days=10),
        closes_on=today - datetime.timedelta(days=1),
    )
    closing_today = make_posting(closes_on=today)
    assert set(Posting.objects.open_on(today)) == {
        open_posting,
        no_deadline,
        closing_today,
    }


def test_str_is_what_hr_reads(make_posting):
    posting = make_posting(title="信息披露岗")
    assert str(posting) == "信息披露岗"
    assert str(posting.duties.first()) == "负责日常工作。"


# --- Publishing workflow ------------------------------------------------------------


def test_publish_moves_a_draft_to_published_today(make_posting, today):
    draft = make_posting(status=Posting.Status.DRAFT, published_on=None)
    draft.publish()
    draft.refresh_from_db()
    assert (draft.status, draft.published_on) == (Posting.Status.PUBLISHED, today)
    assert Posting.objects.open_now().filter(pk=draft.pk).exists()


def test_publish_with_a_deadline_before_today_is_refused(make_posting, today):
    draft = make_posting(status=Posting.Status.DRAFT, published_on=None)
    with pytest.raises(ValidationError) as excinfo:
        draft.publish(closes_on=today - datetime.timedelta(days=1))
    assert "closes_on" in excinfo.value.error_dict
    draft.refresh_from_db()
    assert draft.status == Posting.Status.DRAFT


def test_close_and_reopen(make_posting, today):
    posting = make_posting()
    posting.close()
    assert posting.status == Posting.Status.CLOSED
    assert not Posting.objects.open_now().filter(pk=posting.pk).exists()
    posting.reopen()
    assert posting.status == Posting.Status.PUBLISHED
    assert Posting.objects.open_now().filter(pk=posting.pk).exists()


def test_reopening_clears_a_deadline_that_has_passed(make_posting, today):
    posting = make_posting(
        published_on=today - datetime.timedelta(days=20),
        closes_on=today - datetime.timedelta(days=2),
    )
    assert not posting.is_open
    posting.close()
    posting.reopen()
    assert posting.closes_on is None and posting.is_open


@pytest.mark.parametrize(
    ("status", "verb", "code"),
    [
        (Posting.Status.PUBLISHED, "publish", "already_published"),
        (Posting.Status.CLOSED, "publish", "closed_use_reopen"),
        (Posting.Status.DRAFT, "close", "close_not_published"),
        (Posting.Status.CLOSED, "close", "close_not_published"),
        (Posting.Status.DRAFT, "reopen", "reopen_not_closed"),
        (Posting.Status.PUBLISHED, "reopen", "reopen_not_closed"),
    ],
)
def test_invalid_transitions_are_refused(make_posting, status, verb, code):
    published_on = None if status == Posting.Status.DRAFT else datetime.date(2026, 1, 5)
    posting = make_posting(status=status, published_on=published_on)
    with pytest.raises(ValidationError) as excinfo:
        getattr(posting, verb)()
    assert excinfo.value.code == code
    posting.refresh_from_db()
    assert posting.status == status


def test_a_past_deadline_takes_the_posting_off_the_listing_by_itself(
    client, make_posting, today
):
    from django.urls import reverse

    posting = make_posting(
        title="明天截止的岗位",
        published_on=today - datetime.timedelta(days=5),
        closes_on=today + datetime.timedelta(days=1),
    )
    listing = reverse("postings:posting_list")
    assert "明天截止的岗位" in client.get(listing).content.decode()
    Posting.objects.filter(pk=posting.pk).update(
        closes_on=today - datetime.timedelta(days=1)
    )
    assert "明天截止的岗位" not in client.get(listing).content.decode()
    detail = client.get(posting.get_absolute_url())
    assert detail.status_code == 200 and "已截止" in detail.content.decode()
