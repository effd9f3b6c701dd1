"""Keyword search: the same results on SQLite and PostgreSQL, for Chinese
queries of one, two and more characters, Latin words and mixtures."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from postings import search
from postings.models import Posting

pytestmark = pytest.mark.django_db

QUERIES = [
    "岗",  # one character
    "倒",
    "风控",  # two characters
    "喀什",
    "客户经理",  # three or more
    "分布式数据库",
    "java",
    "JAVA",  # width and case folded
    "Ｊａｖａ",
    "IT岗",
    "Spring Boot",  # two terms
    "喀什 客户",
    "CFA 风险",
    "SQL性能",
    "C/C++",
    "（CFA）",
    "3年",
    "不存在的词",
]


@pytest.fixture
def seeded():
    call_command("import_seeds", stdout=StringIO())


def naive_matches(query):
    """The definition: every term is a substring of the posting's text."""
    found = set()
    query_terms = search.normalize(query).split()
    for posting in Posting.objects.all():
        text = search.normalize("\n".join(search.document_parts(posting)))
        if all(term in text for term in query_terms):
            found.add(posting.pk)
    return found


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize(
    "common_share",
    [0.0, 2.0],
    ids=["walk-in-listing-order", "semi-join-through-index"],
)
def test_search_matches_the_definition(seeded, monkeypatch, query, common_share):
    # PostgreSQL picks one of two plans by how common the keyword is; both
    # must give the definition's answer.
    monkeypatch.setattr(search, "COMMON_SHARE", common_share)
    found = set(
        search.matching(Posting.objects.all(), query).values_list("pk", flat=True)
    )
    assert found == naive_matches(query)


def test_known_results_from_the_seed_data(seeded):
    def titles(query):
        return sorted(
            search.matching(Posting.objects.all(), query).values_list(
                "title", flat=True
            )
        )

    assert titles("喀什") == ["客户经理（公司/个人）", "综合服务经理"]
    assert titles("倒班") == [
        "英文及小语种客户服务代表",
        "高级工程师/工程师（基础环境）",
        "高级工程师/工程师（网络安全运营）",
    ]
    assert len(titles("岗")) > 40
    assert titles("IT岗") == []
    assert "大模型算法工程师" in titles("PyTorch")


def test_a_query_does_not_match_across_two_fields(seeded):
    # Row 13 lists 北京市 (a location) right before 北京 (its province).
    assert search.matching(Posting.objects.all(), "北京市").exists()
    assert not search.matching(Posting.objects.all(), "市北").exists()


def test_listing_keyword_search_through_the_url(seeded, client):
    response = client.get(
        reverse("postings:posting_list"), {"q": "风控", "per_page": 100}
    )
    assert {p.pk for p in response.context["page_obj"].object_list} == naive_matches(
        "风控"
    )


def test_postgresql_serves_short_queries_from_the_gram_index(seeded, monkeypatch):
    # Every seed keyword is common on a board this small; treat "风控" as rare
    # so the query takes the semi-join through the index, as it would among
    # a million postings.
    monkeypatch.setattr(search, "COMMON_SHARE", 2.0)
    plan_sql, params = search.matching(
        Posting.objects.open_now(), "风控"
    ).query.sql_with_params()
    if connection.vendor != "postgresql":
        assert "LIKE" in plan_sql.upper()  # SQLite scans its small table
        return
    assert "LIKE" not in plan_sql.upper()  # two characters: the index answer is exact
    with connection.cursor() as cursor:
        # On a table this small, scans and nested loops are cheapest; ask for
        # the path the planner takes on a large board (a bitmap scan of the
        # GIN index feeding a hash semi-join).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(f"EXPLAIN {plan_sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on posting_search_grams_gin" in plan, plan


def test_long_terms_are_checked_exactly_after_the_index(seeded):
    # "客户经理" needs 客户, 户经, 经理 — and then the exact substring.
    candidates = search.tsquery_literal(["客户经理"])
    assert candidates == "'客户' & '户经' & '经理'"
    assert search.tsquery_literal(["岗"]) == "'岗'"
    assert search.tsquery_literal(["it's"]) == "'''s' & 'it' & 't'''"


def test_grams_and_their_literal_form():
    assert search.grams("ab c") == ["a", "ab", "b", "c"]
    assert search.tsvector_literal(["a", "b'c"]) == "'a' 'b''c'"
    assert search.tsvector_literal(["x", "y"]) == "'x' 'y'"


def test_postgresql_knows_gram_matching_is_not_free():
    if connection.vendor != "postgresql":
        assert connection.vendor == "sqlite"
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT procost FROM pg_proc WHERE oid = 'ts_match_vq(tsvector, tsquery)'::regprocedure"
        )
        assert cursor.fetchone()[0] == 100


def test_the_memo_of_keyword_shares_is_bounded(seeded, monkeypatch):
    """Visitors choose the keywords, so the per-process memo of how common
    each one is must not grow without limit."""
    if connection.vendor != "postgresql":
        # SQLite never samples: it has no keyword shares to remember.
        assert search.matching(Posting.objects.all(), "风控").exists()
        assert search._estimates == {}
        return
    monkeypatch.setattr(search, "_ESTIMATES_KEPT", 3)
    monkeypatch.setattr(search, "_estimates", {})
    for keyword in ("风控", "客户", "经理", "岗位", "银行"):
        share = search.matching_share(search.terms(keyword))
        assert 0.0 <= share <= 1.0
        assert 1 <= len(search._estimates) <= 3
    assert tuple(search.terms("银行")) in search._estimates  # the newest is kept
