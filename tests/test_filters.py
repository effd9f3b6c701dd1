"""The listing's filters (postings/filters.py), each on its own: the values
it takes, the values it refuses and the message it gives, what it makes of
untidy input, and how it combines with the others and with a sort.

Every result is read three ways, which must agree: the filter's SQL (what
exports and alerts use), the in-memory board (what the listing shows) and
the filter's test of one posting's facts (what the page cache relies on)."""

import datetime

import pytest
from django.http import QueryDict
from django.utils import timezone

from postings import board, search
from postings.filters import (
    MAX_VALUE_LENGTH,
    MAX_VALUES,
    SORT,
    PostingFilter,
    active_filters,
    filter_errors,
)
from postings.models import Certificate, Education, Posting, PostingCertificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def postings(make_institution, make_posting, today):
    """Five open postings that differ in every filtered field, and one
    closed posting that would match most filters."""
    bank = make_institution("甲银行")
    xinjiang = make_institution("新疆区分行", parent=bank)
    kashgar = make_institution("喀什支行", parent=xinjiang)
    other_bank = make_institution("乙银行")
    cfa = Certificate.objects.create(name="CFA", full_name="特许金融分析师")
    cpa = Certificate.objects.create(name="CPA", full_name="注册会计师")
    made = {
        "客户经理": make_posting(
            title="客户经理",
            institution=xinjiang,
            department="营业网点",
            locations=("喀什市",),
            grade="经理",
            category="综合类",
            headcount=5,
            min_education=Education.BENKE,
            min_years_experience=3,
            max_age=35,
            published_on=today - datetime.timedelta(days=3),
            duties=("负责对公客户营销。",),
        ),
        "风控专员": make_posting(
            title="风控专员",
            institution=bank,
            department="风险管理部",
            locations=("北京市", "上海市"),
            grade="助理经理",
            category="风险管理类",
            headcount=None,
            min_education=Education.MASTER,
            published_on=today - datetime.timedelta(days=10),
            closes_on=today + datetime.timedelta(days=5),
            duties=("负责信用风险模型。",),
        ),
        "Java开发工程师": make_posting(
            title="Java开发工程师",
            institution=other_bank,
            locations=("成都市",),
            grade="经理",
            category="信息科技类",
            headcount=2,
            min_years_experience=5,
            max_age=30,
            published_on=today,
            closes_on=today + datetime.timedelta(days=1),
            duties=("负责核心系统开发。",),
        ),
        "综合柜员": make_posting(
            title="综合柜员",
            institution=kashgar,
            department="营业网点",
            locations=("和田市",),
            category="综合类",
            headcount=10,
            min_education=Education.ZHUANKE,
            max_age=40,
            published_on=today - datetime.timedelta(days=14),
            duties=("负责柜面业务。",),
        ),
        "数据分析岗": make_posting(
            title="数据分析岗",
            institution=other_bank,
            locations=(),
            grade="主管",
            category="信息科技类",
            headcount=1,
            min_education=Education.DOCTORATE,
            min_years_experience=0,
            requires_shift_work=True,
            shift_work_evidence="能够适应轮班工作。",
            published_on=today - datetime.timedelta(days=1),
            duties=("负责客户数据分析。",),
        ),
    }
    PostingCertificate.objects.create(
        posting=made["客户经理"], certificate=cfa, is_preferred=False
    )
    PostingCertificate.objects.create(
        posting=made["风控专员"], certificate=cpa, is_preferred=True
    )
    PostingCertificate.objects.create(
        posting=made["风控专员"], certificate=cfa, is_preferred=True
    )
    for posting in made.values():
        search.index_posting(posting)  # as every path that saves a posting does
    make_posting(
        title="已关闭的客户经理",
        institution=xinjiang,
        locations=("喀什市",),
        grade="经理",
        status=Posting.Status.CLOSED,
    )
    return made


def filterset_for(query):
    return PostingFilter(QueryDict(query), queryset=Posting.objects.open_now())


def valid_filterset(query):
    filterset = filterset_for(query)
    assert filterset.is_valid(), filter_errors(filterset)
    return filterset


def errors_of(query):
    filterset = filterset_for(query)
    assert not filterset.is_valid(), query
    return filter_errors(filterset)


def found(query):
    """Titles the filter finds, in its order, after checking that the SQL,
    the board and each posting's facts agree on them."""
    filterset = valid_filterset(query)
    sql = list(filterset.qs.values_list("pk", flat=True))
    current = board.current()
    today = timezone.localdate()
    shown = current.page(
        filterset, today, sort=filterset.chosen_sort, offset=0, limit=100
    )
    assert shown == sql, query
    assert current.summary(filterset, today).total == len(sql), query
    if not filterset.keyword:  # a keyword's facts are known only once kept
        for posting in Posting.objects.open_now():
            facts = current.facts_of(posting.pk)
            passes = all(
                filter_.test(facts, value) for _, filter_, value in filterset.active()
            )
            assert passes == (posting.pk in sql), (query, posting.title)
    titles = dict(Posting.objects.values_list("pk", "title"))
    return [titles[pk] for pk in sql]


def found_set(query):
    return set(found(query))


ALL_OPEN = {"客户经理", "风控专员", "Java开发工程师", "综合柜员", "数据分析岗"}


# --- No filter -----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["", "unknown=1", "province=", "q=", "q=%20%20", "education=&age=&experience="],
)
def test_no_filter_or_only_empty_ones_show_every_open_posting(postings, query):
    assert found_set(query) == ALL_OPEN
    assert valid_filterset(query).active() == []


# --- Values: any of the given ones ------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("employer=甲银行", {"客户经理", "风控专员", "综合柜员"}),
        ("employer=乙银行", {"Java开发工程师", "数据分析岗"}),
        ("employer=甲银行&employer=乙银行", ALL_OPEN),
        ("employer=新疆区分行", set()),  # a branch is not an employer
        ("department=营业网点", {"客户经理", "综合柜员"}),
        (
            "department=风险管理部&department=营业网点",
            {"客户经理", "综合柜员", "风控专员"},
        ),
        ("province=新疆", {"客户经理", "综合柜员"}),
        ("province=北京&province=四川", {"风控专员", "Java开发工程师"}),
        ("location=上海市", {"风控专员"}),
        ("location=喀什市&location=成都市", {"客户经理", "Java开发工程师"}),
        ("grade=经理", {"客户经理", "Java开发工程师"}),
        ("grade=主管&grade=助理经理", {"数据分析岗", "风控专员"}),
        ("category=综合类", {"客户经理", "综合柜员"}),
        ("certificate=CFA", {"客户经理", "风控专员"}),  # required or preferred
        ("certificate=CPA", {"风控专员"}),
        ("certificate=FRM", set()),
        ("location=不存在市", set()),
    ],
)
def test_a_values_filter_matches_any_of_its_values(postings, query, expected):
    assert found_set(query) == expected


def test_a_posting_with_two_matching_values_is_listed_once(postings):
    assert found("province=北京&province=上海") == ["风控专员"]
    assert found("certificate=CFA&certificate=CPA").count("风控专员") == 1


# --- Institution: it and every institution below it ---------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("institution=甲银行", {"客户经理", "风控专员", "综合柜员"}),
        ("institution=新疆区分行", {"客户经理", "综合柜员"}),
        ("institution=喀什支行", {"综合柜员"}),
        (
            "institution=喀什支行&institution=乙银行",
            {"综合柜员", "Java开发工程师", "数据分析岗"},
        ),
        ("institution=不存在", set()),
    ],
)
def test_an_institution_includes_the_institutions_below_it(postings, query, expected):
    assert found_set(query) == expected


# --- The candidate: floors and limits, and postings that state none ------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # 客户经理 needs 本科, 风控专员 硕士, 综合柜员 专科, 数据分析岗 博士;
        # Java开发工程师 states no education and is open to everyone.
        ("education=专科", {"综合柜员", "Java开发工程师"}),
        ("education=本科", {"综合柜员", "Java开发工程师", "客户经理"}),
        ("education=硕士", ALL_OPEN - {"数据分析岗"}),
        ("education=博士", ALL_OPEN),
        # Several values: the candidate's highest degree counts.
        ("education=专科&education=硕士", ALL_OPEN - {"数据分析岗"}),
    ],
)
def test_education_is_what_a_candidate_with_that_degree_may_apply_for(
    postings, query, expected
):
    assert found_set(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Floors: 客户经理 3 years, Java开发工程师 5, 数据分析岗 0, others none.
        ("experience=0", {"风控专员", "综合柜员", "数据分析岗"}),
        ("experience=3", {"风控专员", "综合柜员", "数据分析岗", "客户经理"}),
        ("experience=4", {"风控专员", "综合柜员", "数据分析岗", "客户经理"}),
        ("experience=60", ALL_OPEN),
        ("experience=1&experience=5", ALL_OPEN),  # the most years count
    ],
)
def test_experience_is_a_floor_the_candidate_reaches(postings, query, expected):
    assert found_set(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Limits: 客户经理 35, Java开发工程师 30, 综合柜员 40, others none.
        ("age=30", ALL_OPEN),  # at the limit is still allowed
        ("age=31", ALL_OPEN - {"Java开发工程师"}),
        ("age=36", {"风控专员", "数据分析岗", "综合柜员"}),
        ("age=41", {"风控专员", "数据分析岗"}),
        ("age=41&age=30", ALL_OPEN),  # the youngest age counts
    ],
)
def test_age_is_a_limit_the_candidate_must_not_pass(postings, query, expected):
    assert found_set(query) == expected


# --- Only what the candidate fully meets ----------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Without 只看符合 the candidate filters keep what may still be 待确认.
        ("education=博士&experience=5", ALL_OPEN),
        # 客户经理 requires CFA, 数据分析岗 shift work: only the candidate
        # can confirm those, so they never fit.
        (
            "education=博士&experience=5&age=30&fit=符合",
            ALL_OPEN - {"客户经理", "数据分析岗"},
        ),
        # No age given: Java开发工程师 (30岁以下) and 综合柜员 (40岁以下) ask
        # one, which is left to confirm.
        ("education=博士&experience=5&fit=符合", {"风控专员"}),
        ("education=硕士&fit=符合", {"风控专员"}),
        ("education=本科&fit=符合", set()),  # 风控专员 needs 硕士
        ("fit=符合", set()),  # every posting here asks something
        (
            "education=博士&experience=5&age=30&fit=%20符合%20",
            ALL_OPEN - {"客户经理", "数据分析岗"},
        ),
    ],
)
def test_fit_keeps_only_postings_whose_every_requirement_is_met(
    postings, query, expected
):
    assert found_set(query) == expected


def test_fit_combines_with_the_other_filters_and_a_sort(postings):
    situation = "education=博士&experience=5&age=30&fit=符合"
    assert found(f"{situation}&sort=headcount") == [
        "综合柜员",
        "Java开发工程师",
        "风控专员",
    ]
    assert found_set(f"{situation}&employer=乙银行") == {"Java开发工程师"}


# --- Week of publication ------------------------------------------------------------


def iso_week(date):
    year, week, _ = date.isocalendar()
    return f"{year}-W{week:02}"


def test_week_takes_the_postings_published_monday_to_sunday(postings, today):
    for posting in Posting.objects.open_now():
        week = iso_week(posting.published_on)
        monday = posting.published_on - datetime.timedelta(
            days=posting.published_on.weekday()
        )
        same_week = {
            p.title
            for p in Posting.objects.open_now()
            if monday <= p.published_on <= monday + datetime.timedelta(days=6)
        }
        assert found_set(f"week={week}") == same_week
        assert posting.title in same_week
    two_weeks = (
        f"week={iso_week(today)}&week={iso_week(today - datetime.timedelta(days=14))}"
    )
    assert "综合柜员" in found_set(two_weeks)
    assert found_set("week=2001-W01") == set()


def test_week_without_leading_zero_is_the_same_week(postings, today):
    year, week, _ = (today - datetime.timedelta(days=14)).isocalendar()
    assert found_set(f"week={year}-W{week}") == found_set(f"week={year}-W{week:02}")


# --- Keyword ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=客户", {"客户经理", "数据分析岗"}),  # in a title or in a duty
        ("q=客户 营销", {"客户经理"}),  # every term
        ("q=风", {"风控专员"}),
        ("q=喀什", {"客户经理", "综合柜员"}),  # a location, or the institution
        ("q=甲银行 北京", {"风控专员"}),
        ("q=不存在的词", set()),
    ],
)
def test_keyword_matches_every_term_anywhere_in_the_posting(postings, query, expected):
    assert found_set(query) == expected


@pytest.mark.parametrize("query", ["q=java", "q=JAVA", "q=Ｊａｖａ", "q=%20java%20%20"])
def test_keyword_ignores_case_width_and_surrounding_spaces(postings, query):
    assert found(query) == ["Java开发工程师"]


def test_keyword_repeated_terms_count_once(postings):
    assert valid_filterset("q=客户 客户").keyword == "客户 客户"
    assert found_set("q=客户 客户") == found_set("q=客户")


# --- Combinations and sorts -------------------------------------------------------


def test_different_filters_must_all_match(postings):
    assert found_set("employer=甲银行&category=综合类") == {"客户经理", "综合柜员"}
    assert found_set("employer=甲银行&category=综合类&age=36") == {"综合柜员"}
    assert found_set("province=新疆&education=专科&q=柜面") == {"综合柜员"}
    assert found_set("province=新疆&grade=主管") == set()


def test_every_sort_orders_the_filtered_postings(postings):
    base = "employer=甲银行&employer=乙银行&age=36"
    assert found(base) == found(f"{base}&sort=newest")
    assert found(f"{base}&sort=newest") == ["数据分析岗", "风控专员", "综合柜员"]
    assert found(f"{base}&sort=headcount") == ["综合柜员", "数据分析岗", "风控专员"]
    # The only deadline first; postings without one after, newest first.
    assert found(f"{base}&sort=deadline") == ["风控专员", "数据分析岗", "综合柜员"]
    assert found(f"{base}&sort=title") == sorted(["数据分析岗", "风控专员", "综合柜员"])


def test_a_keyword_sorts_by_relevance_unless_another_sort_is_chosen(postings):
    # 客户经理 holds 客户 in its title; 数据分析岗 only in a duty, though newer.
    assert valid_filterset("q=客户").chosen_sort == SORT.RELEVANCE
    assert found("q=客户") == ["客户经理", "数据分析岗"]
    assert found("q=客户&sort=newest") == ["数据分析岗", "客户经理"]
    assert found("q=客户&sort=relevance") == ["客户经理", "数据分析岗"]
    # Without a keyword, relevance is the newest first.
    assert found("sort=relevance") == found("sort=newest")
    assert valid_filterset("").chosen_sort == SORT.NEWEST


# --- Untidy input ----------------------------------------------------------------


def test_values_are_trimmed_and_repeats_dropped(postings):
    filterset = valid_filterset(
        "province=%20新疆%20&province=新疆&province=&grade=经理"
    )
    assert filterset.form.cleaned_data["province"] == ["新疆"]
    assert found_set("province=%20新疆%20&province=新疆") == {"客户经理", "综合柜员"}


def test_the_query_keeps_only_non_empty_parameters_the_filter_reads(postings):
    filterset = valid_filterset(
        "province=新疆&education=&experience=&utm_source=x&page=2&q=%20"
    )
    assert filterset.query().urlencode() == "page=2&province=%E6%96%B0%E7%96%86"


def test_the_same_search_written_differently_has_the_same_key(postings):
    one = valid_filterset("province=新疆&province=北京&grade=经理")
    other = valid_filterset("grade=经理&province=北京&province=新疆&province=北京&q=")
    assert one.key() == other.key()
    assert one.key() != valid_filterset("province=新疆&grade=经理").key()


def test_chips_name_each_value_and_remove_only_it(postings):
    filterset = valid_filterset(
        "province=新疆&province=北京&experience=3&age=30&page=2"
    )
    chips = {
        (chip.label, chip.value): chip.remove_query
        for chip in active_filters(filterset)
    }
    assert set(chips) == {
        ("省份", "新疆"),
        ("省份", "北京"),
        ("我的工作年限", "3 年"),
        ("我的年龄", "30 岁"),
    }
    remaining = QueryDict(chips[("省份", "新疆")])
    assert remaining.getlist("province") == ["北京"]
    assert "page" not in remaining  # a narrower or wider result starts at page 1
    assert remaining["age"] == "30"


# --- Bad values: a message in Chinese, never a crash --------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("age=abc", "我的年龄：年龄须为整数，收到“abc”。"),
        ("age=15", "我的年龄：年龄须在 16 到 80 之间。"),
        ("age=81", "我的年龄：年龄须在 16 到 80 之间。"),
        ("age=30.5", "我的年龄：年龄须为整数，收到“30.5”。"),
        ("experience=-1", "我的工作年限：工作年限须在 0 到 60 之间。"),
        ("experience=三", "我的工作年限：工作年限须为整数，收到“三”。"),
        (
            "education=小学",
            "我的学历：学历须为 专科、本科、硕士、博士 之一，收到“小学”。",
        ),
        ("education=2", "我的学历：学历须为 专科、本科、硕士、博士 之一，收到“2”。"),
        (
            "week=2026-W60",
            "发布周：发布周须形如 2026-W05（年份-W周数），收到“2026-W60”。",
        ),
        (
            "week=2026-05-01",
            "发布周：发布周须形如 2026-W05（年份-W周数），收到“2026-05-01”。",
        ),
        (
            "week=2025-W53",
            "发布周：发布周须形如 2026-W05（年份-W周数），收到“2025-W53”。",
        ),
        ("page=0", "页码：页码须在 1 到 1000000 之间。"),
        ("page=abc", "页码：页码须为整数，收到“abc”。"),
        ("per_page=101", "每页条数：每页条数须在 1 到 100 之间。"),
        (
            "location=" + "长" * (MAX_VALUE_LENGTH + 1),
            "工作地点：取值过长（最多 100 个字符）。",
        ),
        (
            "&".join(f"province=省{i}" for i in range(MAX_VALUES + 1)),
            "省份：同一条件最多选择 30 项。",
        ),
        ("sort=random", "排序：选择一个有效的选项。 random 不在可用的选项中。"),
        ("fit=是", "只看符合：只能为“符合”（只看符合我的情况的岗位）。"),
    ],
)
def test_a_bad_value_is_refused_with_a_message_in_chinese(query, message):
    assert errors_of(query) == [message]


def test_the_longest_value_and_the_most_values_allowed_are_taken(postings):
    assert found_set("location=" + "长" * MAX_VALUE_LENGTH) == set()
    many = "&".join(f"province=省{i}" for i in range(MAX_VALUES - 1))
    assert found_set(f"{many}&province=新疆") == {"客户经理", "综合柜员"}


def test_a_keyword_over_a_hundred_characters_is_refused():
    [message] = errors_of("q=" + "长" * 101)
    assert message.startswith("关键词：") and "100" in message


@pytest.mark.parametrize(
    "name", ["q", "employer", "province", "location", "week", "age", "fit"]
)
@pytest.mark.parametrize("character", ["%00", "%01", "%1B", "%7F", "%C2%85"])
def test_control_characters_are_refused_in_every_parameter(name, character):
    assert errors_of(f"{name}=a{character}b") == [
        f"{PostingFilter.base_filters[name].label}：不能包含控制字符（例如空字符）。"
    ]


def test_every_bad_parameter_is_reported_at_once_in_the_forms_order():
    assert errors_of("age=abc&education=小学&province=%00&page=x") == [
        "页码：页码须为整数，收到“x”。",
        "省份：不能包含控制字符（例如空字符）。",
        "我的学历：学历须为 专科、本科、硕士、博士 之一，收到“小学”。",
        "我的年龄：年龄须为整数，收到“abc”。",
    ]


def test_a_bad_value_never_filters_the_listing_it_was_given_to(client, postings):
    from django.urls import reverse

    response = client.get(reverse("postings:posting_list"), {"age": "abc"})
    assert response.status_code == 400
    assert "我的年龄：年龄须为整数，收到“abc”。" in response.content.decode()
