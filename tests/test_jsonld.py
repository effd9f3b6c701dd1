"""A posting page as a search engine reads it: JobPosting JSON-LD (extracted
with extruct, as crawlers do), held to Google's job-posting rules, and the
page's canonical link and OpenGraph tags."""

import datetime
import re
from collections import Counter
from io import StringIO

import extruct
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from postings.models import Institution, Location, Posting

pytestmark = pytest.mark.django_db

# https://developers.google.com/search/docs/appearance/structured-data/job-posting
# Required: these, and jobLocation (or jobLocationType TELECOMMUTE for a job
# done entirely from home, with applicantLocationRequirements).
GOOGLE_REQUIRED = ("title", "description", "datePosted", "hiringOrganization")
SEATS = {"重庆银行": "重庆市"}
WEBSITES = {"中国银行": "https://www.boc.cn/", "重庆银行": "https://www.cqcbank.com/"}


def read_page(client, posting):
    response = client.get(posting.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    data = extruct.extract(
        html,
        base_url="http://testserver/",
        syntaxes=["json-ld", "opengraph"],
        uniform=True,
    )
    (job,) = [item for item in data["json-ld"] if item.get("@type") == "JobPosting"]
    (opengraph,) = data["opengraph"]
    canonical = re.findall(r'<link rel="canonical" href="([^"]+)">', html)
    return job, opengraph, canonical, html


def test_every_seeded_posting_meets_googles_job_posting_rules(client):
    call_command("import_seeds", stdout=StringIO())
    where = Counter()
    postings = Posting.objects.public().for_detail().order_by("pk")
    assert postings.count() == 77
    for posting in postings:
        job, opengraph, canonical, html = read_page(client, posting)
        page = f"http://testserver{posting.get_absolute_url()}"

        for name in GOOGLE_REQUIRED:
            assert job.get(name), (posting.pk, name)
        assert job["title"] == posting.title
        for duty in posting.duties.all():
            assert f"<li>{duty.text}</li>" in job["description"]
        assert job["datePosted"] == posting.published_on.isoformat()
        employer = posting.employer.name
        assert job["hiringOrganization"]["@type"] == "Organization"
        assert job["hiringOrganization"]["name"] == employer
        assert job["hiringOrganization"].get("sameAs") == WEBSITES.get(employer)

        # A place that is known, or no place at all: never an empty list,
        # and no remote-work claim in its stead.
        assert "jobLocationType" not in job
        assert "applicantLocationRequirements" not in job
        locations = posting.ordered_locations
        if locations:
            where["work locations"] += 1
            assert [place["address"] for place in job["jobLocation"]] == [
                {
                    "@type": "PostalAddress",
                    "addressCountry": "CN",
                    "addressRegion": location.get_province_display(),
                    "addressLocality": location.name,
                }
                for location in locations
            ]
        elif employer in SEATS:
            where["institution's seat"] += 1
            place = job["jobLocation"]
            assert place["@type"] == "Place"
            assert place["name"] == f"{employer}（机构所在地）"
            assert "招聘机构所在地" in place["description"]
            assert place["address"]["addressLocality"] == SEATS[employer]
            assert place["address"]["addressRegion"] == SEATS[employer]
            assert f"机构所在地：{SEATS[employer]}" in html
        else:
            where["unknown"] += 1
            assert "jobLocation" not in job

        # Recommended properties: what is known, nothing invented.
        assert job["employmentType"] == "FULL_TIME"
        assert job["identifier"]["value"] == str(posting.pk)
        assert job["directApply"] is False  # the sources give no way to apply
        assert job["url"] == job["mainEntityOfPage"] == page
        assert "validThrough" not in job  # the sources state no deadline
        assert "baseSalary" not in job  # nor a salary

        assert canonical == [page]
        assert opengraph["og:url"] == page
        assert opengraph["@type"] == "website"  # og:type, as extruct names it
        assert opengraph["og:title"] == f"{posting.title} · {employer}"
        description = re.search(r'<meta name="description" content="([^"]+)">', html)
        assert opengraph["og:description"] == description.group(1)
        assert posting.title in opengraph["og:description"]

    assert where == {"work locations": 44, "institution's seat": 10, "unknown": 23}


def test_a_deadline_and_an_application_page_are_in_the_json_ld(
    client, make_posting, today
):
    posting = make_posting(
        closes_on=today + datetime.timedelta(days=10),
        application_url="https://jobs.example.com/apply/42",
    )
    job, *_ = read_page(client, posting)
    deadline = (today + datetime.timedelta(days=10)).isoformat()
    assert job["validThrough"] == f"{deadline}T23:59:59+08:00"
    assert job["directApply"] is True
    assert job["url"] == "https://jobs.example.com/apply/42"
    assert job["mainEntityOfPage"] == f"http://testserver{posting.get_absolute_url()}"


def test_instructions_alone_are_not_a_direct_application(client, make_posting):
    posting = make_posting(application_instructions="请将简历发送至 hr@example.com。")
    job, *_ = read_page(client, posting)
    assert job["directApply"] is False
    assert job["url"] == f"http://testserver{posting.get_absolute_url()}"


def test_a_posting_with_no_place_and_a_seatless_institution_has_no_job_location(
    client, make_posting, make_institution
):
    posting = make_posting(locations=(), institution=make_institution("某银行"))
    job, *_ = read_page(client, posting)
    assert "jobLocation" not in job and "jobLocationType" not in job


def test_a_branch_does_not_borrow_its_banks_seat(
    client, make_posting, make_institution, make_location
):
    bank = make_institution(
        "某城市银行", seat=make_location("重庆市", "重庆"), seat_evidence="行名"
    )
    posting = make_posting(
        locations=(), institution=make_institution("成都分行", parent=bank)
    )
    job, _, _, html = read_page(client, posting)
    assert "jobLocation" not in job
    assert "机构所在地" not in html


def test_an_institutions_seat_needs_its_evidence(make_location):
    seat = make_location("重庆市", "重庆")
    institution = Institution(name="某银行", seat=seat)
    with pytest.raises(ValidationError) as error:
        institution.full_clean()
    assert error.value.error_dict["seat_evidence"][0].code == "seat_without_evidence"
    with pytest.raises(IntegrityError), transaction.atomic():
        institution.save()
    institution.seat_evidence = "机构名称“某银行”"
    institution.full_clean()
    institution.save()
    assert Institution.objects.get(seat=seat) == institution
    assert Location.objects.get(pk=seat.pk).name == "重庆市"
