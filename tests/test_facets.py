"""Facet counts: exact in SQL, or estimated from a sample on a large board;
the two ways agree when the sample is the whole table."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict

from postings import facets
from postings.filters import PostingFilter
from postings.models import Posting

pytestmark = pytest.mark.django_db

COMBINATIONS = [
    "",
    "province=新疆",
    "province=新疆&province=黑龙江&grade=经理",
    "employer=中国银行&education=专科",
    "institution=中国银行&location=喀什市",
    "q=客户&category=风险管理类",
    "certificate=CFA&experience=3",
    "department=营业网点&age=30",
    "education=本科&q=风控",
]


@pytest.fixture
def seeded():
    call_command("import_seeds", stdout=StringIO())
    call_command(
        "generate_postings", "--count", "300", stdout=StringIO(), stderr=StringIO()
    )


def filterset_for(query):
    filterset = PostingFilter(QueryDict(query), queryset=Posting.objects.open_now())
    assert filterset.is_valid(), filterset.errors
    return filterset


def as_dict(result):
    groups = {
        g.name: {(o.value, o.count, o.selected) for o in g.options}
        for g in result.groups
    }
    education = [(o.value, o.count, o.selected) for o in result.education]
    return groups, education


@pytest.mark.parametrize("query", COMBINATIONS)
def test_a_full_sample_gives_the_exact_counts(seeded, query):
    filterset = filterset_for(query)
    exact = facets.exact(filterset)
    if connection.vendor != "postgresql":
        # SQLite has no TABLESAMPLE: large results are counted exactly there.
        assert not facets.can_sample()
        assert facets.summarize(filterset, cap=5).facets.estimated is False
        return
    estimate = facets.sampled(filterset, fraction=1.0)
    assert estimate.estimated
    assert as_dict(estimate) == as_dict(exact)
    assert estimate.estimated_total == filterset.qs.count()


def test_selected_values_stay_visible_with_no_matches(seeded):
    result = facets.exact(filterset_for("province=新疆&location=不存在市"))
    locations = {
        o.value: o
        for o in next(g for g in result.groups if g.name == "location").options
    }
    assert locations["不存在市"].selected and locations["不存在市"].count == 0
    assert locations["喀什市"].count > 0


def test_estimates_are_rounded_to_two_significant_figures():
    assert [facets._round(v) for v in (7, 99, 123, 4567, 45317)] == [
        7,
        99,
        120,
        4600,
        45000,
    ]


def test_a_large_result_is_estimated_not_counted(seeded, client, monkeypatch):
    """On PostgreSQL, with the thresholds scaled down to the test's 377 postings."""
    from django.urls import reverse

    from postings import views

    monkeypatch.setattr(facets, "SAMPLE_ROWS", 50)
    monkeypatch.setattr(views, "RESULT_CAP", 5)
    facets._table_rows.update(value=None)
    response = client.get(reverse("postings:posting_list"))
    content = response.content.decode()
    result = response.context["facets"]
    if connection.vendor != "postgresql":
        assert not result.estimated
        assert "找到 <strong>5+</strong> 个岗位" in content
        return
    assert response.context["result_capped"]
    assert result.estimated and result.estimated_total > 5
    assert f"找到约 <strong>{result.estimated_total:,}</strong> 个岗位" in content
    assert "带 ≈ 的数量为抽样估计" in content


@pytest.mark.parametrize("query", COMBINATIONS)
def test_a_small_result_on_a_large_board_is_counted_exactly(seeded, monkeypatch, query):
    """The result is read whole and counted in Python; only facets whose own
    filter is active (they count postings outside the result) are estimated."""
    monkeypatch.setattr(facets, "SAMPLE_ROWS", 50)
    facets._table_rows.update(value=None)
    filterset = filterset_for(query)
    summary = facets.summarize(filterset, cap=10_000)
    expected = facets.exact(filterset)
    assert summary.total == filterset.qs.count() and not summary.capped
    active = {
        name for name in facets.FACET_FILTERS if filterset.form.cleaned_data.get(name)
    }
    if connection.vendor != "postgresql":
        assert as_dict(summary.facets) == as_dict(expected)
        return
    exact_groups, exact_education = as_dict(expected)
    got_groups, got_education = as_dict(summary.facets)
    for group in summary.facets.groups:
        assert group.estimated == (group.name in active)
        if group.name not in active:
            assert got_groups[group.name] == exact_groups[group.name], group.name
    if "education" not in active:
        assert got_education == exact_education


def test_a_table_of_few_pages_is_sampled_row_by_row(monkeypatch):
    """A page sample of a small table can pick no page at all and estimate
    nothing; row sampling keeps every row's chance."""
    import time

    monkeypatch.setattr(
        facets,
        "_table_rows",
        {"value": 1_000_000, "pages": 30_000, "read_at": time.monotonic()},
    )
    assert facets.sample_method(0.008) == "SYSTEM"  # 240 pages
    assert facets.sample_method(0.001) == "BERNOULLI"  # 30 pages
    facets._table_rows.update(value=377, pages=12)
    assert facets.sample_method(50 / 377) == "BERNOULLI"


def _make_samples_find_nothing(monkeypatch):
    """What an unlucky sample of no rows reports as the result's size."""
    from dataclasses import replace

    real_sampled = facets.sampled

    def empty_sample(filterset, fraction=None):
        return replace(real_sampled(filterset, fraction), estimated_total=0)

    monkeypatch.setattr(facets, "sampled", empty_sample)


def test_a_sample_that_undercounts_does_not_set_the_total(seeded, client, monkeypatch):
    """When the sample says "small" but a bounded count says more than the
    cap, the page says "5+" rather than an estimate known to be wrong."""
    from django.urls import reverse

    from postings import views

    monkeypatch.setattr(facets, "SAMPLE_ROWS", 50)
    monkeypatch.setattr(views, "RESULT_CAP", 5)
    facets._table_rows.update(value=None)
    _make_samples_find_nothing(monkeypatch)
    response = client.get(reverse("postings:posting_list"))
    content = response.content.decode()
    assert response.context["result_capped"]
    assert response.context["facets"].estimated_total is None
    assert "找到 <strong>5+</strong> 个岗位" in content
    assert "找到约" not in content


def test_a_result_the_planner_overestimates_is_still_counted_exactly(
    seeded, monkeypatch
):
    """The planner and the sample both guess; when the bounded count shows
    the result is small, its facets are counted from the result itself."""
    monkeypatch.setattr(facets, "SAMPLE_ROWS", 50)
    monkeypatch.setattr(facets, "planner_rows", lambda queryset: 10**9)
    _make_samples_find_nothing(monkeypatch)
    facets._table_rows.update(value=None)
    filterset = filterset_for("province=黑龙江&grade=经理")
    expected = facets.exact(filterset)
    assert filterset.qs.count() > 1
    summary = facets.summarize(filterset, cap=filterset.qs.count())
    assert summary.total == filterset.qs.count() and not summary.capped
    if connection.vendor != "postgresql":
        assert as_dict(summary.facets) == as_dict(expected)
        return
    got_groups, _ = as_dict(summary.facets)
    exact_groups, _ = as_dict(expected)
    for name in ("employer", "institution", "category", "certificate"):
        assert got_groups[name] == exact_groups[name], name
