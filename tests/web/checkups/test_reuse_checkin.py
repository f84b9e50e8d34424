"""A recent check-in used again in the full check-up (issue 14): the PHQ-9, GAD-7 or
WAI-SR answered in the last 14 days can be used instead of answering again, in one tap,
and its score is never counted twice in the person's series."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.web.checkups.walk import measure_form, step_form, walk
from therapycheck.core.checkup import parse_answers
from therapycheck.web.accounts.models import Person, SafetyEvent
from therapycheck.web.checkups import services
from therapycheck.web.checkups.models import Checkup

pytestmark = pytest.mark.django_db

# Flat at 14 for eleven sessions: a stuck story.
FLAT = [2, 2, 2, 2, 2, 1, 1, 1, 1]
SESSIONS = {"sessions": 12, "weeks": 14}


def _html(response: Any) -> str:
    return str(response.content.decode())


def _today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def flat_series(make_measurement: Callable[..., Any]) -> Any:
    """PHQ-9 14, 14, 13 and 14, the last one five days ago after session 11."""
    today = _today()
    make_measurement("phq9", FLAT, 1, taken_on=today - dt.timedelta(days=70))
    make_measurement("phq9", FLAT, 4, taken_on=today - dt.timedelta(days=49))
    make_measurement("phq9", [2, 2, 2, 2, 1, 1, 1, 1, 1], 8, taken_on=today - dt.timedelta(days=21))
    return make_measurement("phq9", FLAT, 11, taken_on=today - dt.timedelta(days=5))


def _at_phq9(client: Client) -> tuple[Checkup, str]:
    checkup, url = walk(client, SESSIONS, stop_at="measure:phq9")
    return checkup, url.split("?")[0]


def _reuse(client: Client, checkup: Checkup, url: str) -> Any:
    checkup.refresh_from_db()
    return client.post(url, {"version": str(checkup.version), "nav": "reuse_checkin"})


def _check_in_used_at_phq9(client: Client) -> tuple[Checkup, str]:
    """At the PHQ-9 step with the recent check-in's answers used, the check-up reloaded."""
    checkup, url = _at_phq9(client)
    _reuse(client, checkup, url)
    checkup.refresh_from_db()
    return checkup, url


def test_the_phq9_step_offers_the_check_in_from_five_days_ago(
    client: Client, person: Person, flat_series: Any
) -> None:
    _, url = _at_phq9(client)
    html = _html(client.get(url))
    assert "You answered this 5 days ago" in html
    assert "in your check-in after session 11" in html
    assert "(score 14)" in html
    assert "about the last two weeks" in html
    assert 'value="reuse_checkin"' in html


def test_one_tap_uses_the_answers_and_moves_on_without_counting_them_twice(
    client: Client, person: Person, flat_series: Any
) -> None:
    checkup, url = _at_phq9(client)
    response = _reuse(client, checkup, url)
    assert response.status_code == 302
    assert "/measure/phq9/" not in response["Location"]
    checkup.refresh_from_db()
    assert checkup.answers["measures"]["phq9"] == FLAT
    assert checkup.answers["measured_at"] == {"phq9": 11}
    parsed = parse_answers(services.document_for(checkup))
    assert [p.session for p in parsed.history["phq9"]] == [1, 4, 8, 11]
    assert parsed.scores["phq9"].total == 14


def test_a_check_in_older_than_two_weeks_is_not_offered_and_cannot_be_forced(
    client: Client, person: Person, make_measurement: Callable[..., Any]
) -> None:
    make_measurement("phq9", FLAT, 11, taken_on=_today() - dt.timedelta(days=15))
    checkup, url = _at_phq9(client)
    assert 'value="reuse_checkin"' not in _html(client.get(url))
    response = _reuse(client, checkup, url)
    assert response.status_code == 200
    assert "no longer there, or are now more than two weeks old" in _html(response)
    checkup.refresh_from_db()
    assert "phq9" not in checkup.answers["measures"]
    assert "measured_at" not in checkup.answers


def test_another_persons_check_in_is_never_offered(
    client: Client, person: Person, other_person: Person, make_measurement: Callable[..., Any]
) -> None:
    make_measurement("phq9", FLAT, 11, owner=other_person, taken_on=_today())
    checkup, url = _at_phq9(client)
    assert 'value="reuse_checkin"' not in _html(client.get(url))
    _reuse(client, checkup, url)
    checkup.refresh_from_db()
    assert "phq9" not in checkup.answers["measures"]


def test_a_risk_answer_in_the_check_in_used_again_puts_safety_first(
    client: Client, person: Person, make_measurement: Callable[..., Any]
) -> None:
    make_measurement("phq9", [2, 2, 2, 2, 2, 1, 1, 1, 2], 11, taken_on=_today())
    events = SafetyEvent.objects.filter(person=person).count()
    checkup, url = _at_phq9(client)
    response = _reuse(client, checkup, url)
    html = _html(client.get(response["Location"]))
    assert "Your answers are saved. Carry on when you feel ready" in html
    assert SafetyEvent.objects.filter(person=person).count() > events


def test_changing_an_answer_after_using_the_check_in_makes_them_todays_answers(
    client: Client, person: Person, flat_series: Any
) -> None:
    checkup, url = _check_in_used_at_phq9(client)
    html = _html(client.get(url))
    assert "Using your check-in from" in html
    data = measure_form(checkup, "phq9", [2, 2, 2, 2, 2, 1, 1, 1, 0])
    client.post(url, data)
    checkup.refresh_from_db()
    assert checkup.answers["measured_at"] == {}
    parsed = parse_answers(services.document_for(checkup))
    assert [p.session for p in parsed.history["phq9"]] == [1, 4, 8, 11, 12]


def test_saving_the_same_answers_again_keeps_them_as_the_check_ins(
    client: Client, person: Person, flat_series: Any
) -> None:
    checkup, url = _check_in_used_at_phq9(client)
    client.post(url, step_form(checkup, "measure", "phq9", measures={"phq9": FLAT}))
    checkup.refresh_from_db()
    assert checkup.answers["measured_at"] == {"phq9": 11}


def test_skipping_the_questionnaire_after_using_the_check_in_forgets_both(
    client: Client, person: Person, flat_series: Any
) -> None:
    checkup, url = _check_in_used_at_phq9(client)
    client.post(url, {"version": str(checkup.version), "nav": "skip_measure"})
    checkup.refresh_from_db()
    assert "phq9" not in checkup.answers["measures"]
    assert checkup.answers["measured_at"] == {}


def test_a_check_in_used_again_is_not_offered_to_the_progress_a_second_time(
    client: Client, person: Person, flat_series: Any
) -> None:
    checkup, url = _at_phq9(client)
    _reuse(client, checkup, url)
    checkup, _ = walk(client, SESSIONS)
    assert checkup.status == Checkup.Status.COMPLETED
    assert "phq9" not in dict(services.scores_to_add(checkup))
    assert checkup.answers["measured_at"] == {"phq9": 11}
    # The frozen result read the series as four points, the last at session 11.
    status = checkup.result["statuses"]["phq9"]
    assert status["latest"]["session"] == 11
    assert status["first"]["session"] == 1
    html = _html(client.get(f"/checkup/{checkup.pk}/"))
    scores = html[html.index("Your scores in this check-up") :]
    assert "Your answers from your check-in after session 11." in scores
    assert scores.count("Your answers from your check-in") == 1  # the GAD-7 was answered now


def test_a_newer_check_in_than_the_one_in_use_is_offered_again(
    client: Client, person: Person, flat_series: Any, make_measurement: Callable[..., Any]
) -> None:
    checkup, url = _at_phq9(client)
    _reuse(client, checkup, url)
    assert "Using your check-in from" in _html(client.get(url))
    make_measurement("phq9", [1] * 9, 12, taken_on=_today())
    html = _html(client.get(url))
    assert "Using your check-in from" not in html
    assert "You answered this today" in html
    _reuse(client, checkup, url)
    checkup.refresh_from_db()
    assert checkup.answers["measured_at"] == {"phq9": 12}
    assert checkup.answers["measures"]["phq9"] == [1] * 9
