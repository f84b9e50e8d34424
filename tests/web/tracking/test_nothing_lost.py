"""What a person typed is never lost: a busy database or an over-long entry keeps it on screen."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

from tests.web.tracking.test_journal_views import entry_post
from tests.web.tracking.test_measure_views import answers_post, check_in_post, checked
from therapycheck.web.accounts.models import Person
from therapycheck.web.tracking import services
from therapycheck.web.tracking.models import NOTES_MAX_LENGTH, JournalEntry, Measurement
from therapycheck.web.tracking.views import BUSY_MESSAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every save fails the way SQLite fails when the lock never comes free."""

    def locked(*args: object, **kwargs: object) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "save_measurement", locked)
    monkeypatch.setattr(JournalEntry, "save", locked)


@pytest.mark.usefixtures("busy_database")
def test_a_check_in_the_database_cannot_take_keeps_every_answer(
    client: Client, person: Person
) -> None:
    response = client.post("/measures/check-in/", check_in_post(session=7))
    html = response.content.decode()
    assert response.status_code == 200
    assert "could not be saved just now" in html
    assert {"phq9-item_1=1", "gad7-item_7=1", "wai_sr-item_1=4"} <= checked(html)
    assert 'value="7"' in html
    assert Measurement.objects.count() == 0


@pytest.mark.usefixtures("busy_database")
def test_a_single_questionnaire_the_database_cannot_take_keeps_every_answer(
    client: Client, person: Person
) -> None:
    response = client.post("/measures/gad7/new/", answers_post([2, 1, 0, 3, 2, 1, 0]))
    html = response.content.decode()
    assert "could not be saved just now" in html
    assert checked(html) == {"item_1=2", "item_2=1", "item_3=0", "item_4=3", "item_5=2",
                             "item_6=1", "item_7=0"}  # fmt: skip


@pytest.mark.usefixtures("busy_database")
def test_a_journal_entry_the_database_cannot_take_keeps_the_text(
    client: Client, person: Person
) -> None:
    response = client.post("/journal/new/", entry_post(notes="Three pages about my week."))
    html = response.content.decode()
    assert BUSY_MESSAGE.split(".")[0] in html
    assert "Three pages about my week." in html


def test_an_over_long_journal_entry_says_so_and_keeps_every_character(
    client: Client, person: Person
) -> None:
    text = "All of it. " * 300_000  # 3.3 MB: above Django's default 2.5 MB form limit
    response = client.post("/journal/new/", entry_post(notes=text))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"at most {NOTES_MAX_LENGTH} characters" in html
    assert text.strip() in html
    assert 'maxlength="' not in html  # the browser would cut a long paste short, silently
    assert JournalEntry.objects.count() == 0


def test_a_post_far_beyond_any_form_gets_a_page_that_explains_and_saves_nothing(
    client: Client, person: Person
) -> None:
    response = client.post("/journal/new/", entry_post(notes="x" * (40 * 1024 * 1024)))
    html = response.content.decode()
    assert response.status_code == 400
    assert "That could not be sent" in html and "Back" in html
    assert JournalEntry.objects.count() == 0
