"""generate_postings: realistic, marked, searchable, recorded and removable."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from postings import search
from postings.models import Duty, Location, Posting, PostingLocation, PostingSearch

pytestmark = pytest.mark.django_db


def generate(*args):
    out, err = StringIO(), StringIO()
    call_command("generate_postings", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_generated_postings_have_the_shape_of_seeded_ones(seeded):
    seed_titles = set(Posting.objects.values_list("title", flat=True))
    seed_duties = set(Duty.objects.values_list("text", flat=True))
    out, err = generate("--count", "120", "--batch-size", "50")
    assert "Generated 120 postings" in out
    assert "120/120 postings" in err  # the progress bar

    generated = Posting.objects.filter(is_generated=True)
    assert generated.count() == 120
    assert Posting.objects.filter(is_generated=False).count() == 77
    for posting in generated.prefetch_related(
        "duties", "requirements", "posting_locations"
    ):
        assert posting.title in seed_titles
        assert posting.employer == posting.institution.employer
        assert 3 <= posting.duties.count() <= 6
        assert 3 <= posting.requirements.count() <= 6
        assert 1 <= posting.posting_locations.count() <= 3
        assert {d.text for d in posting.duties.all()} <= seed_duties
        assert [d.position for d in posting.duties.all()] == list(
            range(1, posting.duties.count() + 1)
        )
        if posting.status == Posting.Status.PUBLISHED:
            assert posting.published_on is not None
        posting.full_clean()  # every invariant holds
    statuses = set(generated.values_list("status", flat=True))
    assert Posting.Status.PUBLISHED in statuses


def test_generated_postings_are_searchable_and_recorded(seeded):
    generate("--count", "60")
    generated = Posting.objects.filter(is_generated=True)
    assert PostingSearch.objects.filter(posting__in=generated).count() == 60
    sample = generated.first()
    expected = search.document_from(search.document_parts(sample))
    assert sample.search.document == expected
    location = sample.posting_locations.first().location.name
    assert sample in search.matching(Posting.objects.all(), location)
    assert (
        Posting.history.filter(
            is_generated=True, history_change_reason="generated"
        ).count()
        == 60
    )
    assert Duty.history.filter(posting_id=sample.pk).count() == sample.duties.count()


def test_generation_is_repeatable_with_a_seed(seeded):
    generate("--count", "30", "--seed", "7")
    first = list(
        Posting.objects.filter(is_generated=True)
        .order_by("pk")
        .values_list("title", "headcount")
    )
    generate("--delete")
    generate("--count", "30", "--seed", "7")
    again = list(
        Posting.objects.filter(is_generated=True)
        .order_by("pk")
        .values_list("title", "headcount")
    )
    assert first == again


def test_delete_removes_generated_postings_and_nothing_else(seeded):
    before_locations = PostingLocation.objects.count()
    generate("--count", "40")
    out, _ = generate("--delete")
    assert "Removed 40 generated postings" in out
    assert not Posting.objects.filter(is_generated=True).exists()
    assert Posting.objects.count() == 77
    assert PostingLocation.objects.count() == before_locations
    assert not Posting.history.filter(is_generated=True).exists()
    assert Location.objects.exists()


def test_generation_needs_seed_data():
    with pytest.raises(CommandError, match="import_seeds"):
        generate("--count", "5")


def test_generation_needs_a_count(seeded):
    with pytest.raises(CommandError, match="--count"):
        generate()
