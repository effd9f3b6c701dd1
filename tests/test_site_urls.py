"""Site-wide addresses outside the postings app: the icon browsers ask for."""

from pathlib import Path

from django.contrib.staticfiles import finders


def test_favicon_ico_leads_to_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/postings/favicon.svg"
    icon = finders.find("postings/favicon.svg")
    assert icon and "<svg" in Path(icon).read_text(encoding="utf-8")
