"""An HR editor at work, for `make bench`: edits a random posting once per
second through the admin's change form, as a browser would submit it (so
every edit is a real save, with its history record, its items and its
search data), for as long as it runs.

    python bench/writer.py URL SESSION_KEY IDS_FILE SECONDS

Prints one JSON line: edits made, failures, and save latency percentiles.
"""

import json
import random
import signal
import sys
import time
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path


class FormFields(HTMLParser):
    """The fields a browser would submit from the page's form#posting_form."""

    def __init__(self):
        super().__init__()
        self.fields, self._in_form, self._select, self._textarea = [], False, None, None
        self._select_options = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "posting_form":
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append(
                [name, attrs.get("value", "on" if kind == "checkbox" else "")]
            )
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select, self._select_options = [name, None], []
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            self._select_options.append(value)
            if "selected" in attrs:
                self._select[1] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append(self._textarea)
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, value = self._select
            if value is None and self._select_options:
                value = self._select_options[0]
            if value is not None:
                self.fields.append([name, value])
            self._select = None


def edit(url, session, pk, rng):
    """One save of the posting's change form; True when the admin took it."""
    page_url = f"{url}/admin/postings/posting/{pk}/change/"
    request = urllib.request.Request(
        page_url, headers={"Cookie": f"sessionid={session}"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        html = response.read().decode()
        token = next(
            cookie.split(";", 1)[0].split("=", 1)[1]
            for cookie in response.headers.get_all("Set-Cookie") or []
            if cookie.startswith("csrftoken=")
        )
    form = FormFields()
    form.feed(html)
    fields = form.fields
    # Change the headcount: a fact every listing shows and sorts by.
    for field in fields:
        if field[0] == "headcount":
            field[1] = str(rng.randint(1, 30))
    fields.append(["_save", "保存"])
    request = urllib.request.Request(
        page_url,
        # urlencode takes pairs as tuples, not the lists edited above.
        data=urllib.parse.urlencode([tuple(field) for field in fields]).encode(),
        headers={
            "Cookie": f"sessionid={session}; csrftoken={token}",
            "Referer": page_url,
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        # A valid save redirects to the changelist; an invalid one re-renders.
        return response.geturl().rstrip("/").endswith("/admin/postings/posting")


def main(url, session, ids_file, seconds):
    ids = [line.rsplit("/", 2)[-2] for line in Path(ids_file).read_text().split()]
    rng = random.Random(2026)
    done, failed, timings = 0, 0, []
    deadline = time.monotonic() + seconds
    stop = []
    signal.signal(signal.SIGTERM, lambda *args: stop.append(True))
    while time.monotonic() < deadline and not stop:
        started = time.monotonic()
        try:
            ok = edit(url, session, rng.choice(ids), rng)
        except Exception as error:  # counted and reported
            print(f"edit failed: {error}", file=sys.stderr)
            ok = False
        elapsed = time.monotonic() - started
        done += ok
        failed += not ok
        timings.append(elapsed * 1000)
        time.sleep(max(0.0, 1.0 - elapsed))
    timings.sort()

    def percentile(share):
        return round(timings[min(len(timings) - 1, int(len(timings) * share))], 1)

    summary = {"edits": done, "failed": failed}
    if timings:
        summary.update(p50_ms=percentile(0.5), p95_ms=percentile(0.95))
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]))
