"""Adding a finished check-up's questionnaire scores to the progress charts.

The check-up embeds PHQ-9, GAD-7 and WAI-SR; the results page offers to save them as one
progress entry each for a session the person names, all or none.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.web.checkups.walk import walk
from therapycheck.core import scoring
from therapycheck.core.instruments import get_instrument
from therapycheck.web.accounts.models import Person, SafetyEvent
from therapycheck.web.checkups import services, wizard
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.tracking.models import Measurement

pytestmark = pytest.mark.django_db

PHQ9 = [2, 1, 2, 1, 2, 1, 2, 1, 0]
GAD7 = [1, 2, 1, 2, 1, 2, 1]


def _html(response: Any) -> str:
    return response.content.decode()


def _wai_sr() -> list[int]:
    """A mid-scale answer to every WAI-SR item, built from the instrument's own options."""
    items = wizard.measure_items("wai_sr")
    return [item["options"][len(item["options"]) // 2]["value"] for item in items]


def _finished(client: Client, sessions: Any = 4, phq9: list[int] | None = None) -> Checkup:
    measures = {"phq9": phq9 or PHQ9, "gad7": GAD7, "wai_sr": _wai_sr()}
    checkup, _url = walk(client, {"sessions": sessions, "weeks": 8}, measures)
    assert checkup.status == Checkup.Status.COMPLETED
    return checkup


def _add_url(checkup: Checkup) -> str:
    return reverse("checkups:add_scores", args=[checkup.pk])


def _results_url(checkup: Checkup) -> str:
    return reverse("checkups:results", args=[checkup.pk])


def _today() -> str:
    return timezone.localdate().isoformat()


def _input(html: str, name: str) -> str:
    """The value="" of the input named `name` ("" when it has none)."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag, f"no input named {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


# --- the offer -----------------------------------------------------------------------------


def test_the_results_page_offers_the_form_with_the_session_and_today_prefilled(
    client: Client, person: Person
) -> None:
    checkup = _finished(client, sessions=4)
    html = _html(client.get(_results_url(checkup)))
    assert "Add these scores to my progress" in html
    assert f'action="{_add_url(checkup)}"' in html
    assert "csrfmiddlewaretoken" in html
    assert _input(html, "session_number") == "4"
    assert _input(html, "taken_on") == _today()
    # Every control has a label tied to it.
    assert '<label for="add-session_number">Session number</label>' in html
    assert '<label for="add-taken_on">Date</label>' in html


def test_the_session_is_left_empty_when_the_person_skipped_that_question(
    client: Client, person: Person
) -> None:
    checkup = _finished(client, sessions="skip")
    html = _html(client.get(_results_url(checkup)))
    assert _input(html, "session_number") == ""
    assert _input(html, "taken_on") == _today()


# --- saving --------------------------------------------------------------------------------


def test_adding_saves_one_scored_entry_per_questionnaire_and_confirms(
    client: Client, person: Person
) -> None:
    checkup = _finished(client)
    response = client.post(_add_url(checkup), {"session_number": "4", "taken_on": _today()})
    assert response.status_code == 302
    assert response["Location"] == _results_url(checkup)
    rows = {m.instrument: m for m in Measurement.objects.filter(person=person)}
    assert set(rows) == {"phq9", "gad7", "wai_sr"}
    for instrument_id, answers in checkup.measure_map().items():
        expected = scoring.score(get_instrument(instrument_id), answers)
        assert rows[instrument_id].total == float(expected.total)
        assert rows[instrument_id].answers == list(answers)
        assert rows[instrument_id].session_number == 4
        assert rows[instrument_id].taken_on == timezone.localdate()
    html = _html(client.get(response["Location"]))
    assert "Added PHQ-9, GAD-7 and WAI-SR to your progress as session 4." in html
    assert Checkup.objects.get(pk=checkup.pk).scores_added_session == 4


def test_added_scores_show_on_the_progress_page(client: Client, person: Person) -> None:
    checkup = _finished(client)
    assert "No scores yet" in _html(client.get("/progress/"))
    client.post(_add_url(checkup), {"session_number": "4", "taken_on": _today()})
    html = _html(client.get("/progress/"))
    for instrument_id in ("phq9", "gad7", "wai_sr"):
        assert f'id="p-{instrument_id}"' in html
    phq9_total = scoring.score(get_instrument("phq9"), PHQ9).total
    assert re.search(rf"<td>4</td><td>[^<]*</td><td>{phq9_total:g}</td>", html)


def test_after_adding_the_form_is_not_offered_again(client: Client, person: Person) -> None:
    checkup = _finished(client)
    client.post(_add_url(checkup), {"session_number": "4", "taken_on": _today()})
    html = _html(client.get(_results_url(checkup)))
    assert 'name="session_number"' not in html
    assert "These scores are in your progress" in html
    assert "as session 4" in html


def test_a_repeated_post_after_success_adds_nothing_twice(client: Client, person: Person) -> None:
    checkup = _finished(client)
    data = {"session_number": "4", "taken_on": _today()}
    client.post(_add_url(checkup), data)
    again = client.post(_add_url(checkup), data)
    other_session = client.post(_add_url(checkup), {"session_number": "5", "taken_on": _today()})
    assert again.status_code == 302 and other_session.status_code == 302
    assert Measurement.objects.filter(person=person).count() == 3
    assert set(Measurement.objects.values_list("session_number", flat=True)) == {4}
    html = _html(client.get(again["Location"]))
    assert "already in your progress as session 4" in html


# --- refusals --------------------------------------------------------------------------------


def test_a_session_that_already_has_an_entry_saves_nothing_and_names_the_questionnaire(
    client: Client, person: Person, make_measurement: Any
) -> None:
    make_measurement("gad7", [0] * 7, 4)
    checkup = _finished(client)
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(_add_url(checkup), {"session_number": "4", "taken_on": yesterday})
    assert response.status_code == 400
    html = _html(response)
    assert "You already have GAD-7 saved for session 4" in html
    assert "PHQ-9 saved" not in html
    # Nothing from this check-up was saved, not even the questionnaires that were free.
    assert list(Measurement.objects.values_list("instrument", flat=True)) == ["gad7"]
    assert Checkup.objects.get(pk=checkup.pk).scores_added_session is None
    # What was typed is kept, and the error summary links to the field.
    assert _input(html, "session_number") == "4"
    assert _input(html, "taken_on") == yesterday
    assert 'href="#add-session_number"' in html
    assert 'aria-invalid="true"' in html


def test_choosing_a_free_session_after_a_clash_adds_everything(
    client: Client, person: Person, make_measurement: Any
) -> None:
    make_measurement("phq9", [0] * 9, 4)
    make_measurement("gad7", [0] * 7, 4)
    checkup = _finished(client)
    clash = client.post(_add_url(checkup), {"session_number": "4", "taken_on": _today()})
    assert "You already have PHQ-9 and GAD-7 saved for session 4" in _html(clash)
    client.post(_add_url(checkup), {"session_number": "5", "taken_on": _today()})
    assert Measurement.objects.filter(session_number=5).count() == 3


def test_a_date_in_the_future_is_refused_and_the_typed_values_are_kept(
    client: Client, person: Person
) -> None:
    checkup = _finished(client)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.post(_add_url(checkup), {"session_number": "4", "taken_on": tomorrow})
    assert response.status_code == 400
    html = _html(response)
    assert "The date cannot be in the future." in html
    assert 'href="#add-taken_on"' in html
    assert _input(html, "session_number") == "4"
    assert _input(html, "taken_on") == tomorrow
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("typed", ["four", "-1", "2.5", "", "99999999999999999999999"])
def test_a_session_that_is_not_a_whole_number_in_range_is_refused(
    client: Client, person: Person, typed: str
) -> None:
    checkup = _finished(client)
    response = client.post(_add_url(checkup), {"session_number": typed, "taken_on": _today()})
    assert response.status_code == 400
    html = _html(response)
    assert 'href="#add-session_number"' in html
    assert _input(html, "session_number") == typed
    assert not Measurement.objects.exists()


# --- ownership and methods ------------------------------------------------------------------


def test_another_persons_check_up_is_not_found(
    client: Client, person: Person, other_person: Person
) -> None:
    checkup = _finished(client)
    Checkup.objects.filter(pk=checkup.pk).update(person=other_person)
    response = client.post(_add_url(checkup), {"session_number": "4", "taken_on": _today()})
    assert response.status_code == 404
    assert not Measurement.objects.exists()


def test_a_get_to_the_add_address_changes_nothing(client: Client, person: Person) -> None:
    checkup = _finished(client)
    response = client.get(_add_url(checkup), {"session_number": "4", "taken_on": _today()})
    assert response.status_code == 302
    assert response["Location"] == _results_url(checkup)
    assert not Measurement.objects.exists()
    assert Checkup.objects.get(pk=checkup.pk).scores_added_session is None


def test_an_unfinished_check_up_cannot_add_scores(client: Client, person: Person) -> None:
    checkup, _url = walk(client, stop_at="measure:gad7")
    response = client.post(_add_url(checkup), {"session_number": "4", "taken_on": _today()})
    assert response.status_code == 302
    assert not Measurement.objects.exists()


# --- safety ----------------------------------------------------------------------------------


def test_a_phq9_safety_answer_among_the_added_scores_raises_the_crisis_banner(
    client: Client, person: Person
) -> None:
    # PHQ-9 item 9 above zero is the safety signal (Kroenke, Spitzer & Williams 2001).
    checkup = _finished(client, phq9=[1, 1, 1, 1, 1, 1, 1, 1, 1])
    # The person has already seen the crisis resources the check-up raised.
    client.post(reverse("accounts:acknowledge_crisis"), {"next": _results_url(checkup)})
    assert 'class="crisis-banner"' not in _html(client.get("/"))
    client.post(_add_url(checkup), {"session_number": "4", "taken_on": _today()})
    assert SafetyEvent.objects.filter(person=person, source="measurement:phq9").exists()
    assert 'class="crisis-banner"' in _html(client.get("/"))


def test_a_second_add_from_a_stale_copy_of_the_check_up_saves_nothing_more(
    client: Client, person: Person
) -> None:
    # Two tabs: both loaded the check-up before either added the scores.
    checkup = _finished(client)
    stale = Checkup.objects.get(pk=checkup.pk)
    first = services.add_scores_to_progress(checkup, session_number=4, taken_on=dt.date.today())
    second = services.add_scores_to_progress(stale, session_number=5, taken_on=dt.date.today())
    assert not first.already and second.already and second.session_number == 4
    assert Measurement.objects.count() == 3


def test_a_check_up_without_questionnaire_answers_offers_nothing_to_add(
    client: Client, person: Person
) -> None:
    checkup = _finished(client)
    Checkup.objects.filter(pk=checkup.pk).update(
        answers={"answers": checkup.answer_map(), "measures": {}}
    )
    assert 'name="session_number"' not in _html(client.get(_results_url(checkup)))
    client.post(_add_url(checkup), {"session_number": "4", "taken_on": _today()})
    assert not Measurement.objects.exists()
    assert Checkup.objects.get(pk=checkup.pk).scores_added_session is None
