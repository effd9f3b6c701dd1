"""Keyword search: the same results on SQLite and PostgreSQL, for Chinese
queries of one, two and more characters, Latin words and mixtures."""

import pytest
from django.db import connection
from django.urls import reverse

from postings import board, search
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
def test_search_matches_the_definition(seeded, query):
    expected = naive_matches(query)
    found = set(
        search.matching(Posting.objects.all(), query).values_list("pk", flat=True)
    )
    assert found == expected
    # The board finds the same postings (its keyword mask, from the index).
    current = board.current()
    mask = current.keyword(search.terms(query))
    assert set(current.ids[mask].tolist()) == expected


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


@pytest.mark.postgresql
def test_postgresql_serves_short_queries_from_the_gram_index(seeded):
    plan_sql, params = search.matching_documents(["风控"]).query.sql_with_params()
    assert "LIKE" not in plan_sql.upper()  # two characters: the index is exact
    with connection.cursor() as cursor:
        # On a table this small a scan is cheapest; ask for the path the
        # planner takes on a large board.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {plan_sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Bitmap Index Scan on posting_search_grams_gin" in plan, plan


def test_a_term_matches_as_a_whole_never_as_scattered_pieces(make_posting):
    # 客户户经理 holds every character pair of 客户经理 (客户, 户经, 经理) but
    # not the term; 风险控制 holds 风 and 控 but not the pair 风控.
    scattered = make_posting(title="客户户经理", duties=("负责风险控制。",))
    whole = make_posting(title="客户经理", duties=("负责风控。",))
    for posting in (scattered, whole):
        search.index_posting(posting)
    current = board.current()
    for query, expected in [
        ("客户经理", {whole.pk}),
        ("风控", {whole.pk}),
        ("户经", {scattered.pk, whole.pk}),
        ("控", {scattered.pk, whole.pk}),
        ("户户", {scattered.pk}),
    ]:
        found = search.matching(Posting.objects.all(), query)
        assert set(found.values_list("pk", flat=True)) == expected, query
        mask = current.keyword(search.terms(query))
        assert set(current.ids[mask].tolist()) == expected, query


def test_the_relevance_order_puts_title_matches_first(seeded, client):
    response = client.get(
        reverse("postings:posting_list"), {"q": "客户", "per_page": 100}
    )
    assert response.context["sort"] == "relevance"
    titles = [p.title for p in response.context["posting_list"]]
    in_title = [("客户" in search.normalize(t)) for t in titles]
    assert any(in_title) and not all(in_title)
    assert in_title == sorted(in_title, reverse=True)
    # Every match is there, and the matched terms are marked in the cards.
    assert len(titles) == len(naive_matches("客户"))
    assert "<mark>客户</mark>" in response.content.decode()


def test_matched_terms_are_marked_as_the_search_matches_them():
    from postings.templatetags.postings_extras import highlight

    assert highlight("Java开发（ＪＡＶＡ）", ["java"]) == (
        "<mark>Java</mark>开发（<mark>ＪＡＶＡ</mark>）"
    )
    assert highlight("<b>风控</b>", ["风控"]) == "&lt;b&gt;<mark>风控</mark>&lt;/b&gt;"
    assert highlight("客户经理", []) == "客户经理"


def test_a_query_asks_the_index_for_every_pair_of_its_terms():
    # "客户经理" needs 客户, 户经, 经理 — and then the exact substring.
    candidates = search.tsquery_literal(["客户经理"])
    assert candidates == "'客户' & '户经' & '经理'"
    assert search.tsquery_literal(["岗"]) == "'岗'"
    assert search.tsquery_literal(["it's"]) == "'''s' & 'it' & 't'''"


def test_grams_and_their_literal_form():
    assert search.grams("ab c") == ["a", "ab", "b", "c"]
    assert search.tsvector_literal(["a", "b'c"]) == "'a' 'b''c'"
    assert search.tsvector_literal(["x", "y"]) == "'x' 'y'"
