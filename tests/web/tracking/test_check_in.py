"""The after-session check-in people repeat: pick the questionnaires, each saved on its own,
the WAI-SR never at session 0, one error summary that links to each field, and a calendar
reminder the person adds themselves."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from icalendar import Calendar

from tests.web.tracking.test_journal_views import entry_post
from tests.web.tracking.test_measure_views import answers_post, check_in_post, checked
from therapycheck.core.instruments import get_instrument
from therapycheck.web.accounts.models import Person
from therapycheck.web.tracking.models import Measurement
from therapycheck.web.tracking.services import default_check_in_measures

pytestmark = pytest.mark.django_db

WAI_ITEMS = len(get_instrument("wai_sr").items)


def ticked(html: str) -> set[str]:
    """The questionnaires the page shows as picked."""
    found = set()
    for tag in re.findall(r'<input[^>]*name="measures"[^>]*>', html):
        if " checked" in tag:
            found.add(re.search(r'value="([^"]+)"', tag).group(1))  # type: ignore[union-attr]
    return found


def summary_links(html: str) -> list[tuple[str, str]]:
    """(target id, text) of every link in the error summary."""
    start = html.index('class="error-summary"')
    box = html[start : html.index("</div>", start)]
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', box)


@pytest.mark.parametrize("session", range(13))
def test_the_check_in_suggests_phq9_and_gad7_each_session_and_wai_sr_every_third(
    session: int,
) -> None:
    expected = ["phq9", "gad7"] + (["wai_sr"] if session in (3, 6, 9, 12) else [])
    assert default_check_in_measures(session) == expected


def test_a_first_check_in_asks_only_phq9_and_gad7_on_one_page(
    client: Client, person: Person
) -> None:
    html = client.get("/measures/check-in/").content.decode()
    assert ticked(html) == {"phq9", "gad7"}
    assert "Questionnaires this time: PHQ-9, GAD-7." in html
    assert 'id="q-phq9"' in html and 'id="q-gad7"' in html
    assert 'id="q-wai_sr"' not in html and 'id="q-who5"' not in html


def test_the_third_session_check_in_also_suggests_the_wai_sr(
    client: Client, person: Person, make_measurement: Any
) -> None:
    make_measurement("phq9", [1] * 9, 2)
    html = client.get("/measures/check-in/").content.decode()
    assert 'name="session_number" value="3"' in html
    assert ticked(html) == {"phq9", "gad7", "wai_sr"}
    assert 'id="q-wai_sr"' in html


def test_the_wai_sr_is_never_saved_at_session_0_but_the_others_are(
    client: Client, person: Person
) -> None:
    data = {**check_in_post(session=0), "measures": ["phq9", "gad7", "wai_sr"]}
    response = client.post("/measures/check-in/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "not asked at session 0" in html
    saved = set(Measurement.objects.values_list("instrument", flat=True))
    assert saved == {"phq9", "gad7"}
    assert "wai_sr-item_1=4" in checked(html)


def test_unticking_the_wai_sr_at_session_0_then_finishes_the_check_in(
    client: Client, person: Person
) -> None:
    data = {**check_in_post(session=0, token="zero"), "measures": ["phq9", "gad7", "wai_sr"]}
    client.post("/measures/check-in/", data)
    response = client.post("/measures/check-in/", {**data, "measures": ["phq9", "gad7"]})
    assert response.status_code == 302
    assert Measurement.objects.count() == 2


def test_a_questionnaire_with_a_missing_answer_keeps_its_answers_and_the_others_are_saved(
    client: Client, person: Person
) -> None:
    data = {**check_in_post(token="part"), "measures": ["phq9", "gad7"]}
    del data["gad7-item_3"]
    response = client.post("/measures/check-in/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert list(Measurement.objects.values_list("instrument", flat=True)) == ["phq9"]
    assert "Already saved:" in html and 'id="q-phq9"' not in html
    assert {"gad7-item_1=1", "gad7-item_7=1"} <= checked(html)
    # Sending the same page again with the missing answer saves only what was left.
    data["gad7-item_3"] = "2"
    finished = client.post("/measures/check-in/", data)
    assert finished.status_code == 302
    rows = list(Measurement.objects.all())
    assert sorted(r.instrument for r in rows) == ["gad7", "phq9"]
    assert len({r.checkin for r in rows}) == 1
    assert str(rows[0].checkin) in finished["Location"]


def test_show_my_choice_changes_the_questionnaires_keeps_answers_and_saves_nothing(
    client: Client, person: Person
) -> None:
    data = {**check_in_post(), "measures": ["phq9", "gad7", "who5"], "action": "choose"}
    response = client.post("/measures/check-in/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert ticked(html) == {"phq9", "gad7", "who5"}
    assert 'id="q-who5"' in html and 'id="q-wai_sr"' not in html
    assert "phq9-item_1=1" in checked(html)
    assert 'class="error-summary"' not in html
    assert Measurement.objects.count() == 0


def test_an_untouched_questionnaire_gets_one_message_that_links_to_its_first_question(
    client: Client, person: Person
) -> None:
    data = {**check_in_post(), "measures": ["phq9", "gad7", "who5"]}
    html = client.post("/measures/check-in/", data).content.decode()
    assert summary_links(html) == [
        ("id_who5-item_1_0", "You have not answered the WHO-5 yet. Answer its questions, "
         "or leave it out for this session."),
    ]  # fmt: skip
    assert 'id="id_who5-item_1_0"' in html
    assert sorted(Measurement.objects.values_list("instrument", flat=True)) == ["gad7", "phq9"]


def test_choosing_no_questionnaire_says_so_in_the_apps_own_words(
    client: Client, person: Person
) -> None:
    response = client.post("/measures/check-in/", answers_post([], session=2))
    assert ("id_measures_0", "Questionnaires for this session: Choose at least one "
            "questionnaire.") in summary_links(response.content.decode())  # fmt: skip


def test_the_check_in_error_summary_links_to_each_field_in_error(
    client: Client, person: Person
) -> None:
    data = {**check_in_post(), "measures": ["phq9", "gad7"], "taken_on": "2020-13-45"}
    del data["phq9-item_3"]
    del data["gad7-item_7"]
    html = client.post("/measures/check-in/", data).content.decode()
    links = summary_links(html)
    assert links == [
        ("id_taken_on", "Date: Enter a real date, with the day, month and year."),
        ("id_phq9-item_3_0", "PHQ-9, question 3: Please choose an answer."),
        ("id_gad7-item_7_0", "GAD-7, question 7: Please choose an answer."),
    ]
    for target, _ in links:
        assert f'id="{target}"' in html, target
    assert Measurement.objects.count() == 0


def test_a_single_questionnaire_has_the_same_linked_error_summary(
    client: Client, person: Person
) -> None:
    html = client.post("/measures/gad7/new/", answers_post([1] * 6, session="x")).content.decode()
    assert summary_links(html) == [
        ("id_session_number", "Session number: Enter the session number as a whole number, "
         "for example 4."),
        ("id_item_7_0", "GAD-7, question 7: Please choose an answer."),
    ]  # fmt: skip


def test_the_journal_error_summary_links_to_each_field_in_its_own_words(
    client: Client, person: Person
) -> None:
    html = client.post(
        "/journal/new/", entry_post(session="", entry_date="", homework="maybe")
    ).content.decode()
    links = summary_links(html)
    assert links == [
        ("id_session_number", "Session number: Enter the session number, for example 4."),
        ("id_entry_date", "Date of the session: Enter the date."),
        ("id_homework_0", "Did you do the homework from last time?: Choose one of the answers "
         "about homework."),
    ]  # fmt: skip
    for target, _ in links:
        assert f'id="{target}"' in html, target
    assert "This field is required" not in html and "Select a valid choice" not in html


def test_the_journal_suggests_session_1_when_nothing_is_logged(
    client: Client, person: Person
) -> None:
    html = client.get("/journal/new/").content.decode()
    assert 'name="session_number" value="1"' in html


def test_the_journal_suggests_the_session_just_checked_in(
    client: Client, person: Person, make_measurement: Any
) -> None:
    client.post("/journal/new/", entry_post(session=2))
    make_measurement("phq9", [1] * 9, 4)
    html = client.get("/journal/new/").content.decode()
    assert 'name="session_number" value="4"' in html


def test_the_journal_suggests_the_session_after_the_latest_entry(
    client: Client, person: Person, make_measurement: Any
) -> None:
    make_measurement("phq9", [1] * 9, 4)
    client.post("/journal/new/", entry_post(session=4))
    html = client.get("/journal/new/").content.decode()
    assert 'name="session_number" value="5"' in html


def test_the_check_in_done_page_opens_the_journal_for_that_session(
    client: Client, person: Person
) -> None:
    done = client.post("/measures/check-in/", check_in_post(session=7))
    html = client.get(done["Location"]).content.decode()
    assert 'href="/journal/new/?session=7"' in html
    journal = client.get("/journal/new/?session=7").content.decode()
    assert 'name="session_number" value="7"' in journal


def test_the_reminder_is_a_calendar_file_with_a_weekly_repeating_event(
    client: Client, person: Person
) -> None:
    response = client.get("/measures/reminders/?weekday=2&at=18:30&every_weeks=2")
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    rule = event["RRULE"]
    assert (rule["FREQ"], rule["INTERVAL"], rule["BYDAY"]) == (["WEEKLY"], [2], ["WE"])
    start = event.decoded("DTSTART")
    assert start.weekday() == 2 and (start.hour, start.minute) == (18, 30)
    assert start.tzinfo is None  # the person's own clock time, wherever they are
    assert 0 <= (start.date() - dt.date.today()).days < 7
    assert str(event["SUMMARY"]) == "Therapy check-in"
    assert "/measures/check-in/" in str(event["DESCRIPTION"])
    assert len(calendar.walk("VALARM")) == 1


def test_a_reminder_with_a_bad_time_explains_in_the_apps_words_and_makes_no_file(
    client: Client, person: Person
) -> None:
    response = client.get("/measures/reminders/?weekday=2&at=late&every_weeks=1")
    assert response["Content-Type"].startswith("text/html")
    assert ("id_at", "Time: Enter a time as hours and minutes, for example 18:30.") in (
        summary_links(response.content.decode())
    )
