"""The clinician's notes of a consultation, under the agenda's headings: private unless
shared, and, when the person goes on as the clinician's client, the treatment agreement."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.web.booking.helpers import at, open_hours
from tests.web.booking.test_booking_pages import check_page
from tests.web.clinic_personas import sign_in
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.booking import services
from therapycheck.web.booking.models import Booking, ConsultationNotes
from therapycheck.web.reviews.models import Agreement, Frequency

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("clinic_mode", "clock", "immediate_tasks"),
]

TUESDAY_10 = at("2027-01-05", "10:00")
NOTES = {
    "hopes": "Sleep through the night; worry less at work",
    "approach": "CBT for worry, because it fits what you want to practise",
    "frequency": "Weekly for 12 weeks, then review",
    "session_frequency": Frequency.WEEKLY,
    "fees": "£80, sliding scale",
    "cancellation": "48 hours",
    "confidentiality": "Explained, with the limits",
    "next_steps": "Alex will think it over and write by Friday",
}


def client_booking(member: Any, person: Any) -> Booking:
    return services.book(
        member, TUESDAY_10, person=person, hopes="Sleep better", base_url="http://testserver/"
    )


def person_page(booking: Booking) -> str:
    url = reverse("booking:manage", args=[services.token_for(booking, "manage")])
    return Client().get(url).content.decode()


def save(client: Client, booking: Booking, **changes: Any) -> Any:
    data = {**NOTES, **changes}
    return client.post(reverse("booking:notes", args=[booking.pk]), data)


def test_the_notes_start_from_the_agenda_and_are_private_unless_shared(
    client: Client, clinician: Any, client_b: Any
) -> None:
    member = clinician.membership
    open_hours(member, frequency="Weekly", fees="£80")
    booking = client_booking(member, client_b.person)
    sign_in(client, clinician)
    html = client.get(reverse("booking:detail", args=[booking.pk])).content.decode()
    check_page(html)
    # Started from what the agenda already says, in the agenda's order.
    assert re.search(r">\s*Sleep better</textarea>", html)
    labels = re.findall(r'<label for="id_(\w+)">', html)
    assert labels[:8] == [
        "hopes",
        "approach",
        "frequency",
        "session_frequency",
        "fees",
        "cancellation",
        "confidentiality",
        "next_steps",
    ]
    assert "Not shared:" in html
    assert save(client, booking).status_code == 302
    notes = ConsultationNotes.objects.get(booking=booking)
    assert notes.hopes == NOTES["hopes"] and not notes.shared
    assert AuditEvent.objects.filter(
        person_id=client_b.person.pk, action="change", what__contains="notes of consultation"
    ).exists()
    private = person_page(booking)
    check_page(private)
    assert "private to the specialist" in private
    assert NOTES["approach"] not in private
    save(client, booking, shared="on")
    shared = person_page(booking)
    assert "chose to share their notes" in shared
    assert NOTES["approach"] in shared and "Every week" in shared


def test_notes_that_are_too_long_are_refused_and_every_answer_is_kept(
    client: Client, clinician: Any, client_b: Any
) -> None:
    member = clinician.membership
    open_hours(member)
    booking = client_booking(member, client_b.person)
    sign_in(client, clinician)
    response = save(client, booking, fees="x" * 4001)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Please check your answers" in html
    check_page(html)
    assert NOTES["approach"] in html and NOTES["next_steps"] in html
    assert not ConsultationNotes.objects.exists()


def test_a_clients_notes_become_their_treatment_agreement_and_it_is_audited(
    client: Client, clinician: Any, client_a: Any
) -> None:
    member = clinician.membership
    open_hours(member)
    booking = client_booking(member, client_a.person)
    sign_in(client, clinician)
    save(client, booking)
    html = client.get(reverse("booking:detail", args=[booking.pk])).content.decode()
    assert "Use these notes as the treatment agreement" in html
    assert "becomes the agreement's goals" in html
    client.post(reverse("booking:use_notes", args=[booking.pk]))
    agreement = Agreement.objects.get(person=client_a.person)
    assert agreement.goals == NOTES["hopes"]
    assert agreement.session_frequency == Frequency.WEEKLY
    assert agreement.updated_by == member
    assert agreement.next_review == timezone.localdate() + services.NEW_AGREEMENT_REVIEW
    assert AuditEvent.objects.filter(
        person_id=client_a.person.pk, action="create", what__contains="treatment agreement"
    ).exists()
    # Used again after a change: the goals and frequency change, the rest stays.
    Agreement.objects.filter(pk=agreement.pk).update(
        measures=["phq9"], next_review=dt.date(2027, 3, 1)
    )
    save(client, booking, hopes="Sleep, and feel calmer", session_frequency=Frequency.FORTNIGHTLY)
    client.post(reverse("booking:use_notes", args=[booking.pk]))
    agreement.refresh_from_db()
    assert agreement.goals == "Sleep, and feel calmer"
    assert agreement.session_frequency == Frequency.FORTNIGHTLY
    assert agreement.measures == ["phq9"] and agreement.next_review == dt.date(2027, 3, 1)
    assert AuditEvent.objects.filter(
        person_id=client_a.person.pk, action="change", what__contains="treatment agreement"
    ).exists()
    # The client reads it on their own agreement page.
    sign_in(client, client_a)
    assert "Sleep, and feel calmer" in client.get(reverse("reviews:my_agreement")).content.decode()


def test_without_goals_or_a_frequency_nothing_is_written(
    client: Client, clinician: Any, client_a: Any
) -> None:
    member = clinician.membership
    open_hours(member)
    booking = client_booking(member, client_a.person)
    sign_in(client, clinician)
    save(client, booking, session_frequency="")
    response = client.post(reverse("booking:use_notes", args=[booking.pk]), follow=True)
    assert "choose and save how often" in response.content.decode()
    save(client, booking, hopes="  ")
    response = client.post(reverse("booking:use_notes", args=[booking.pk]), follow=True)
    assert "what the person hopes for" in response.content.decode()
    assert not Agreement.objects.exists()


def test_someone_who_is_not_the_clinicians_client_keeps_the_notes_with_the_consultation(
    client: Client, clinician: Any, client_b: Any
) -> None:
    # Blake is a client of the clinic, but shares with another clinician only.
    member = clinician.membership
    open_hours(member)
    booking = client_booking(member, client_b.person)
    sign_in(client, clinician)
    save(client, booking)
    html = client.get(reverse("booking:detail", args=[booking.pk])).content.decode()
    assert "not your client in this clinic (yet)" in html
    assert "Use these notes as the treatment agreement" not in html
    response = client.post(reverse("booking:use_notes", args=[booking.pk]), follow=True)
    assert "only once the person is a client" in response.content.decode()
    assert not Agreement.objects.exists()


def test_a_guest_who_later_joins_with_the_same_address_and_shares_can_get_the_agreement(
    client: Client, clinician: Any, clinics: Any
) -> None:
    from tests.web.clinic_personas import make_client
    from therapycheck.web.sharing.models import CareLink

    member = clinician.membership
    open_hours(member)
    booking = services.book(
        member,
        TUESDAY_10,
        guest=services.Guest("Robin", "Robin@Example.org"),
        base_url="http://testserver/",
    )
    assert services.confirm_guest(booking)
    sign_in(client, clinician)
    save(client, booking)
    html = client.get(reverse("booking:detail", args=[booking.pk])).content.decode()
    assert "booked as a guest" in html
    # Robin joins the clinic with that address and shares with the clinician.
    robin = make_client(clinics.demo, "robin@example.org", "Robin (fictional)")
    CareLink.objects.create(
        person=robin.person,
        clinician=member,
        status=CareLink.Status.ACTIVE,
        invited_by=CareLink.InvitedBy.CLIENT,
    )
    html = client.get(reverse("booking:detail", args=[booking.pk])).content.decode()
    assert "Use these notes as the treatment agreement" in html
    client.post(reverse("booking:use_notes", args=[booking.pk]))
    assert Agreement.objects.get(person=robin.person).goals == NOTES["hopes"]


def test_another_clinician_can_neither_write_notes_nor_use_them(
    client: Client, clinician: Any, other_clinician: Any, client_a: Any, clinic_admin: Any
) -> None:
    member = clinician.membership
    open_hours(member)
    booking = client_booking(member, client_a.person)
    sign_in(client, other_clinician)
    assert save(client, booking).status_code == 404
    assert client.post(reverse("booking:use_notes", args=[booking.pk])).status_code == 404
    sign_in(client, clinic_admin)
    assert save(client, booking).status_code == 403
    sign_in(client, client_a)
    assert client.post(reverse("booking:use_notes", args=[booking.pk])).status_code == 403
    assert not ConsultationNotes.objects.exists() and not Agreement.objects.exists()


def test_two_quick_saves_of_new_notes_keep_one_row_with_the_last_words(
    clinician: Any, client_b: Any
) -> None:
    member = clinician.membership
    open_hours(member)
    booking = client_booking(member, client_b.person)
    # Both presses started from the same unsaved draft.
    first, second = services.draft_notes(booking), services.draft_notes(booking)
    first.fees = "£80"
    second.fees = "£60"
    services.save_notes(clinician, booking, first)
    services.save_notes(clinician, booking, second)
    assert ConsultationNotes.objects.get(booking=booking).fees == "£60"
