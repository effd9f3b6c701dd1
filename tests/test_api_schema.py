"""Schemathesis fuzzes every API operation against the API's own OpenAPI
schema, in process, on the seeded board: no answer is a server error, and
every answer (status, headers, body) is one the schema describes.

Each operation gets generated queries, valid and invalid (random filter
values, control characters, huge ids, made-up cursors and ETags), plus the
coverage phase's boundary values."""

import json
from io import StringIO

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

from postings.api.views import SchemaView

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 60

# The schema /api/v1/openapi.json serves (the same bytes: test_api.py checks
# it), read at collection so each operation is a test of its own; requests
# go to the Django application itself, in process.
schema = schemathesis.openapi.from_dict(json.loads(SchemaView.schema_json()[0]))
schema.app = WSGIHandler()


@pytest.fixture(scope="module")
def seeds(django_db_setup, django_db_blocker):
    """The seed documents, imported once for every operation's test (which
    only read) and rolled back after the last."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("import_seeds", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def fuzzing(seeds, settings):
    # The fuzzer is one client making many requests; the rate limit has its
    # own test (test_api.py).
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api": "1000000/minute"},
    }
    # As Django's test client does: a request must not close the test's
    # database connection, and with it the transaction holding the seeds.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    # The same examples on every run and both databases: a failure here is
    # the code's, never the draw's.
    derandomize=True,
    database=None,  # nothing to remember between runs, and no .hypothesis/
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_answer_conforms_to_the_schema(case):
    # Every check runs but one: the listing's parameters are as lenient as a
    # form needs them (blank values are ignored, values trimmed and repeats
    # merged, so 31 values with a repeat are 30), which some queries outside
    # the schema rely on; JSON Schema cannot say "30 distinct non-blank
    # values". Each refusal that means something is tested with its message
    # in test_api.py.
    excluded = [negative_data_rejection]
    cursor = (case.query or {}).get("cursor")
    made_up_cursor = cursor is not None and str(cursor).strip()
    if made_up_cursor:
        # A cursor is a token the API signed: one made up to fit the schema's
        # string is refused with a 400, never followed.
        excluded.append(positive_data_acceptance)
    response = case.call_and_validate(excluded_checks=excluded)
    if made_up_cursor and case.method.upper() == "GET":
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert any(error.startswith("游标：") for error in errors)
