"""The journal: an entry per session, list, patterns, edit, delete and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from therapycheck.web.accounts.models import Person
from therapycheck.web.tracking.models import JournalEntry

TODAY = dt.date.today().isoformat()


def entry_post(session: int | str = 1, token: str = "j1", **extra: str) -> dict[str, str]:
    data = {
        "session_number": str(session),
        "entry_date": TODAY,
        "feeling_before": "3",
        "feeling_after": "6",
        "topics": "work, sleep",
        "avoided_topics": "money",
        "homework": "partly",
        "notes": "Felt lighter afterwards.",
        "form_token": token,
    }
    data.update(extra)
    return data


@pytest.mark.django_db
def test_a_new_entry_is_saved_and_listed(client: Client, person: Person) -> None:
    response = client.post("/journal/new/", entry_post())
    assert response.status_code == 302
    entry = JournalEntry.objects.get()
    assert (entry.person, entry.feeling_before, entry.feeling_after) == (person, 3, 6)
    html = client.get("/journal/").content.decode()
    assert "Session 1" in html and "Felt lighter afterwards." in html
    assert "Partly" in html


@pytest.mark.django_db
def test_every_field_has_a_label(client: Client, person: Person) -> None:
    html = client.get("/journal/new/").content.decode()
    for name in (
        "session_number",
        "entry_date",
        "feeling_before",
        "feeling_after",
        "topics",
        "avoided_topics",
        "notes",
    ):
        assert f'<label for="id_{name}">' in html, name
    assert "<legend>Did you do the homework from last time?</legend>" in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("feeling_before", "11", "Choose a number less than or equal to 10, or Not noted."),
        ("session_number", "-2", "The session number cannot be below 0."),
        ("entry_date", "31/12/2020", "Enter a real date, with the day, month and year."),
        ("homework", "sometimes", "Choose one of the answers about homework."),
    ],
)
def test_bad_input_keeps_everything_typed(
    client: Client, person: Person, field: str, value: str, message: str
) -> None:
    response = client.post("/journal/new/", entry_post(**{field: value}))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "Felt lighter afterwards." in html and "work, sleep" in html
    assert JournalEntry.objects.count() == 0


@pytest.mark.django_db
def test_a_second_entry_for_the_same_session_is_refused_with_text_kept(
    client: Client, person: Person
) -> None:
    client.post("/journal/new/", entry_post(session=2, token="a"))
    response = client.post("/journal/new/", entry_post(session=2, token="b", notes="Second go"))
    html = response.content.decode()
    assert "already have a journal entry for session 2" in html
    assert "Second go" in html
    assert JournalEntry.objects.count() == 1


@pytest.mark.django_db
def test_a_double_submitted_entry_is_saved_once(client: Client, person: Person) -> None:
    client.post("/journal/new/", entry_post(token="same"))
    again = client.post("/journal/new/", entry_post(token="same"))
    assert again.status_code == 302
    assert JournalEntry.objects.count() == 1


@pytest.mark.django_db
def test_patterns_are_shown_in_plain_words(client: Client, person: Person) -> None:
    for session in (1, 2, 3):
        client.post("/journal/new/", entry_post(session=session, token=f"t{session}"))
    html = client.get("/journal/").content.decode()
    assert "On average you feel 3 points better after a session" in html
    assert "You held back from talking about “money” in 3 sessions" in html


@pytest.mark.django_db
def test_editing_saves_changes(client: Client, person: Person) -> None:
    client.post("/journal/new/", entry_post())
    entry = JournalEntry.objects.get()
    form = client.get(f"/journal/{entry.pk}/edit/").content.decode()
    assert "Felt lighter afterwards." in form
    data = entry_post(notes="Changed my mind.", revision=str(entry.revision))
    assert client.post(f"/journal/{entry.pk}/edit/", data).status_code == 302
    entry.refresh_from_db()
    assert entry.notes == "Changed my mind." and entry.revision == 2


@pytest.mark.django_db
def test_a_stale_edit_is_caught_with_text_kept(client: Client, person: Person) -> None:
    client.post("/journal/new/", entry_post())
    entry = JournalEntry.objects.get()
    client.post(f"/journal/{entry.pk}/edit/", entry_post(notes="Newer", revision="1"))
    response = client.post(f"/journal/{entry.pk}/edit/", entry_post(notes="Older", revision="1"))
    html = response.content.decode()
    assert "changed in another window" in html
    assert "Older" in html
    entry.refresh_from_db()
    assert entry.notes == "Newer"


@pytest.mark.django_db
def test_delete_asks_first_and_a_second_delete_is_harmless(client: Client, person: Person) -> None:
    client.post("/journal/new/", entry_post())
    entry = JournalEntry.objects.get()
    assert "Delete this entry?" in client.get(f"/journal/{entry.pk}/delete/").content.decode()
    client.post(f"/journal/{entry.pk}/delete/")
    assert JournalEntry.objects.count() == 0
    again = client.post(f"/journal/{entry.pk}/delete/", follow=True)
    assert "already deleted" in again.content.decode()


@pytest.mark.django_db
def test_another_persons_journal_is_invisible(
    client: Client, person: Person, other_person: Person
) -> None:
    theirs = JournalEntry.objects.create(
        person=other_person, session_number=1, entry_date=dt.date(2026, 1, 1), notes="private"
    )
    assert "private" not in client.get("/journal/").content.decode()
    assert client.get(f"/journal/{theirs.pk}/edit/").status_code == 404
    client.post(f"/journal/{theirs.pk}/delete/")
    assert JournalEntry.objects.filter(pk=theirs.pk).exists()
