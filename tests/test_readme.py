"""The README's example URLs, opened on the seeded board: each must find postings."""

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

import openpyxl
import pytest
from django.core.cache import cache
from django.urls import Resolver404, resolve

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parent.parent / "README.md"
ATOM = "{http://www.w3.org/2005/Atom}"


def _body(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _csv_rows(response):
    rows = list(csv.reader(io.StringIO(_body(response).decode("utf-8-sig"))))
    return len(rows) - 1  # the header


def _xlsx_rows(response):
    sheet = openpyxl.load_workbook(io.BytesIO(_body(response)), read_only=True).active
    return sheet.max_row - 1  # the header


EXPORT_COUNTS = {
    "csv": _csv_rows,
    "xlsx": _xlsx_rows,
    "json": lambda response: len(json.loads(_body(response))),
}

# How many postings each kind of page shows, by URL name.
POSTING_COUNTS = {
    "postings:posting_list": lambda response: response.context["total"],
    "postings:posting_insights": lambda response: response.context["insights"]["total"][
        "postings"
    ],
    "postings:posting_export": lambda response: EXPORT_COUNTS[
        response.resolver_match.kwargs["export_format"]
    ](response),
    "api:posting_list": lambda response: len(response.json()["results"]),
    "postings:posting_feed": lambda response: len(
        ElementTree.fromstring(_body(response)).findall(f"{ATOM}entry")
    ),
}


def example_urls():
    """Every local URL the README quotes in backticks that is an example,
    not a pattern (`/postings/<id>/`, `/alerts/subscribe/?…`,
    `/export.csv|xlsx|json`)."""
    quoted = re.findall(r"`(/[^`\s]*)`", README.read_text(encoding="utf-8"))
    return sorted({url for url in quoted if not any(mark in url for mark in "<>|…")})


def _url_name(url):
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


def test_every_filtered_example_url_is_of_a_kind_whose_postings_can_be_counted():
    filtered = [url for url in example_urls() if "?" in url]
    assert len(filtered) >= 5
    assert [url for url in filtered if _url_name(url) not in POSTING_COUNTS] == []
    kinds = {_url_name(url) for url in filtered}
    assert {
        "postings:posting_list",
        "postings:posting_insights",
        "postings:posting_export",
    } <= kinds


def test_every_readme_example_url_finds_postings_on_the_seeded_board(client, seeded):
    # One seeded board for all of them: the examples only read it.
    results = {}
    for url in example_urls():
        name = _url_name(url)
        if name not in POSTING_COUNTS:
            continue  # a page quoted as a page (/reference/, /healthz)
        cache.clear()  # counted from the rendering's context, not a cached copy
        response = client.get(quote(url, safe="/?&=+%"))
        results[url] = (
            POSTING_COUNTS[name](response) if response.status_code == 200 else None
        )
    assert {url: found for url, found in results.items() if not found} == {}
    assert len(results) >= 8
