"""Property-based fuzzing of the API from its own OpenAPI schema (Schemathesis 4).

The schema is loaded from the WSGI app itself (/api/v1/openapi.json), and every operation
gets generated requests, valid and invalid, with the token of a client and of a
clinician: at least 1,000 in all. No answer may be a server error, and every answer must
match the schema: a documented status code, the documented content type and headers, and
a body that validates against the response schema.

Schemathesis' negative_data_rejection check is not used: it counts a request as invalid
when an extra query parameter it generated is never sent (an empty list serializes to
nothing), so it fails on a valid request. Invalid input is still generated (negative mode)
and must never cause a 5xx or an undocumented answer.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.api.helpers import token_for
from tests.web.booking.helpers import open_hours
from therapycheck.web.booking import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Per operation, persona and mode; operations without parameters run out of distinct
# requests far sooner, so the total is counted, not assumed.
EXAMPLES = 45
MINIMUM_REQUESTS = 1000


@pytest.fixture
def wsgi_app() -> Iterator[WSGIHandler]:
    """The clinic's WSGI app, in this test's database transaction.

    Django closes "old" connections when a request starts and ends; inside the test's
    transaction that would drop it, so (like django.test.Client) the signal is held off.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(operation: Any, mode: GenerationMode, token: str, counter: Counter[str]) -> None:
    auth = {"Authorization": f"Bearer {token}"}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(mode))
    def run(case: Any) -> None:
        response = case.call(headers=auth)
        counter[f"{response.status_code}"] += 1
        counter[f"{case.method} {case.path} {response.status_code}"] += 1
        counter["requests"] += 1
        case.validate_response(response, checks=CHECKS, headers=auth)

    run()


def test_generated_requests_never_fail_and_always_match_the_schema(
    wsgi_app: WSGIHandler, client_a: Any, client_b: Any, clinician: Any
) -> None:
    # Open hours and a booking of Alex's, so the consultation operations answer from real
    # rows too (free times, moving, the hours a PUT replaces), not only "not found".
    open_hours(clinician.membership)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    later = next(s.start for s in services.free_slots(clinician.membership) if s.start > soon)
    services.book(clinician.membership, later, person=client_a.person, base_url="http://t/")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7
    counter: Counter[str] = Counter()
    for user in (client_a, clinician):
        token = token_for(user)
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                _fuzz(operation, mode, token, counter)
    print(dict(counter))
    assert counter["requests"] >= MINIMUM_REQUESTS
    assert not [code for code in counter if code.startswith("5")]
