"""Facets as the listing shows them: options by count, the chosen ones
always present, education counted cumulatively (the counts themselves are
held to the SQL definition in test_board.py)."""

from django.http import QueryDict

from postings import facets
from postings.filters import PostingFilter
from postings.models import Education, Posting


def filterset_for(query):
    filterset = PostingFilter(QueryDict(query), queryset=Posting.objects.none())
    assert filterset.is_valid(), filterset.errors
    return filterset


def test_options_are_ordered_by_count_then_name():
    shown = facets.facets(
        filterset_for(""), {"province": {"北京": 3, "新疆": 9, "上海": 3}}
    )
    (province,) = shown.groups
    assert [(o.value, o.count) for o in province.options] == [
        ("新疆", 9),
        ("上海", 3),
        ("北京", 3),
    ]
    assert province.label == "省份"


def test_a_chosen_value_stays_visible_and_removable_with_no_matches():
    shown = facets.facets(
        filterset_for("location=不存在市"), {"location": {"喀什市": 2}}
    )
    options = {o.value: o for o in shown.groups[0].options}
    assert options["不存在市"].selected and options["不存在市"].count == 0
    assert not options["喀什市"].selected


def test_long_lists_are_cut_to_the_busiest_values():
    counts = {f"地点{i:02}": i for i in range(50)}
    shown = facets.facets(filterset_for(""), {"location": counts})
    values = [o.value for o in shown.groups[0].options]
    assert len(values) == facets.FACET_LIMIT
    assert values[0] == "地点49"


def test_education_counts_what_each_degree_may_apply_for():
    per_floor = {None: 5, Education.ZHUANKE: 1, Education.BENKE: 10}
    shown = facets.facets(filterset_for("education=本科"), {"education": per_floor})
    assert [(o.value, o.count, o.selected) for o in shown.education] == [
        ("专科", 6, False),
        ("本科", 16, True),
        ("硕士", 16, False),
        ("博士", 16, False),
    ]
