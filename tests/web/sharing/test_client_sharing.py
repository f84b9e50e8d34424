"""The client's sharing page: invite a clinician, change what is shared, stop sharing,
and see who looked at their record."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client

from tests.web.clinic_personas import make_client, sign_in
from tests.web.sharing.helpers import checked
from therapycheck.web.audit.log import record
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.clinic import access
from therapycheck.web.sharing.models import CareLink, ClientInvitation
from therapycheck.web.sharing.services import close_client_invitation
from therapycheck.web.tracking.models import JournalEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def a_link(user: Any) -> CareLink:
    return CareLink.objects.get(person=user.person, status="active")


# ----------------------------------------------------------------------------- the page


def test_the_client_sees_who_they_share_with_and_what(client: Client, client_a: Any) -> None:
    page = sign_in(client, client_a).get("/sharing/").content.decode()
    assert "Ada Rivers" in page
    assert "Measures: yes" in page and "Check-up results: yes" in page
    assert "Journal entries: 1 you picked" in page
    assert "Ben Marsh" not in page  # client_b's clinician


def test_staff_have_no_sharing_page(client: Client, clinician: Any, clinic_admin: Any) -> None:
    for user in (clinician, clinic_admin):
        assert sign_in(client, user).get("/sharing/").status_code == 403


def test_someone_not_signed_in_is_sent_to_sign_in(client: Client, clinics: Any) -> None:
    response = client.get("/sharing/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# ----------------------------------------------------------------------------- invite a clinician


def test_a_client_invites_a_clinician_who_then_sees_the_invitation(
    client: Client, client_b: Any, clinician: Any
) -> None:
    response = sign_in(client, client_b).post(
        "/sharing/invite/", {"email": "ADA.clinician@example.org", "share": "measures"}
    )
    assert response.status_code == 302
    link = CareLink.objects.get(person=client_b.person, clinician=clinician.membership)
    assert (link.status, link.share_measures, link.share_checkups) == ("pending", True, False)
    assert mail.outbox[-1].to == [clinician.email]
    assert "/sharing/invitations/" in mail.outbox[-1].body
    assert not access.can_open(clinician, client_b.person)  # nothing before acceptance
    page = sign_in(client, clinician).get("/sharing/invitations/").content.decode()
    assert "Accept the invitation from Blake (fictional)" in page


def test_the_client_gets_the_same_answer_whether_or_not_the_clinician_exists(
    client: Client, client_b: Any, clinician: Any, clinic_admin: Any
) -> None:
    pages = []
    for email in (clinician.email, "nobody@example.org", clinic_admin.email):
        response = sign_in(client, client_b).post("/sharing/invite/", {"email": email}, follow=True)
        assert response.status_code == 200
        page = response.content.decode()
        # What the client sees: the message, and their sent invitation with its state.
        said = page.split('<main id="main"')[1].split('<h2 id="audit-heading"')[0]
        said = re.sub(r"/sharing/sent/\d+/", "/sharing/sent/N/", said.replace(email, "EMAIL"))
        pages.append([part.split('">', 1)[-1] for part in said.split("csrfmiddlewaretoken")])
        close_client_invitation(client_b.person, ClientInvitation.objects.latest("pk").pk)
    assert pages[0] == pages[1] == pages[2]
    assert "Thank you." in "".join(pages[0]) and "No answer yet" in "".join(pages[0])
    # Only the real clinician got an invitation; the admin is not a clinician.
    assert CareLink.objects.filter(person=client_b.person, clinician=clinician.membership).count()
    assert not CareLink.objects.filter(clinician=clinic_admin.membership).exists()
    assert len(mail.outbox) == 1


def test_a_clinician_of_another_clinic_gets_no_invitation(
    client: Client, clinics: Any, client_b: Any
) -> None:
    from tests.web.clinic_personas import make_staff

    far = make_staff(clinics.other, "far.clinician@example.org", "clinician", "Far Away")
    response = sign_in(client, client_b).post("/sharing/invite/", {"email": far.email})
    assert response.status_code == 302
    assert not CareLink.objects.filter(clinician=far.membership).exists()
    assert mail.outbox == []


def test_a_clinician_accepts_a_clients_invitation_and_then_sees_what_is_shared(
    client: Client, client_b: Any, clinician: Any
) -> None:
    sign_in(client, client_b).post(
        "/sharing/invite/", {"email": clinician.email, "share": "checkups"}
    )
    link = CareLink.objects.get(person=client_b.person, clinician=clinician.membership)
    response = sign_in(client, clinician).post(
        f"/sharing/invitations/{link.pk}/answer/", {"decision": "accept"}
    )
    assert response.status_code == 302
    assert access.can_see(clinician, client_b.person, "checkups")
    assert not access.can_see(clinician, client_b.person, "measures")
    assert AuditEvent.objects.filter(
        person_id=client_b.person.pk, what="care link accepted", actor_id=clinician.pk
    ).exists()


def test_a_clinician_declines_a_clients_invitation(
    client: Client, client_b: Any, clinician: Any
) -> None:
    sign_in(client, client_b).post("/sharing/invite/", {"email": clinician.email})
    link = CareLink.objects.get(person=client_b.person, clinician=clinician.membership)
    sign_in(client, clinician).post(
        f"/sharing/invitations/{link.pk}/answer/", {"decision": "decline"}
    )
    link.refresh_from_db()
    assert (link.status, link.ended_reason) == ("ended", "declined")
    assert not access.can_open(clinician, client_b.person)


def test_a_clinician_cannot_answer_another_clinicians_invitation(
    client: Client, client_b: Any, clinician: Any, other_clinician: Any
) -> None:
    sign_in(client, client_b).post("/sharing/invite/", {"email": clinician.email})
    link = CareLink.objects.get(person=client_b.person, clinician=clinician.membership)
    response = sign_in(client, other_clinician).post(
        f"/sharing/invitations/{link.pk}/answer/", {"decision": "accept"}
    )
    assert response.status_code == 404
    assert CareLink.objects.get(pk=link.pk).status == "pending"


def test_a_bad_email_keeps_the_choices_and_says_what_is_wrong(
    client: Client, client_a: Any
) -> None:
    response = sign_in(client, client_a).post(
        "/sharing/invite/", {"email": "ada at clinic", "share": "checkups"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "does not look like an email address" in page
    assert 'value="ada at clinic"' in page
    assert checked(page) == {("share", "checkups")}


# ----------------------------------------------------------------------------- change and stop


def test_the_client_changes_what_they_share_and_it_applies_at_once(
    client: Client, client_a: Any, clinician: Any
) -> None:
    link = a_link(client_a)
    private = JournalEntry.objects.get(person=client_a.person, notes="PRIVATE NOTE")
    response = sign_in(client, client_a).post(
        f"/sharing/links/{link.pk}/change/",
        {"share": "checkups", "journal_entries": [private.pk]},
    )
    assert response.status_code == 302
    assert not access.can_see(clinician, client_a.person, "measures")
    assert access.can_see(clinician, client_a.person, "checkups")
    assert list(access.shared_journal_entries(clinician, client_a.person)) == [private]


def test_the_change_page_starts_from_the_current_choices(client: Client, client_a: Any) -> None:
    link = a_link(client_a)
    page = sign_in(client, client_a).get(f"/sharing/links/{link.pk}/change/").content.decode()
    shared = JournalEntry.objects.get(person=client_a.person, topics="Work stress")
    assert checked(page) == {
        ("share", "measures"),
        ("share", "checkups"),
        ("journal_entries", str(shared.pk)),
    }


def test_a_client_cannot_change_someone_elses_link(
    client: Client, client_a: Any, client_b: Any
) -> None:
    link = a_link(client_a)
    sign_in(client, client_b)
    assert client.get(f"/sharing/links/{link.pk}/change/").status_code == 404
    assert client.post(f"/sharing/links/{link.pk}/change/", {}).status_code == 404
    assert client.post(f"/sharing/links/{link.pk}/stop/").status_code == 404
    assert a_link(client_a).share_measures


def test_stopping_asks_first_and_then_ends_the_clinicians_access_at_once(
    client: Client, client_a: Any, clinician: Any, supervisor: Any
) -> None:
    link = a_link(client_a)
    sign_in(client, client_a)
    confirm = client.get(f"/sharing/links/{link.pk}/stop/")
    assert b"Stop sharing with Ada Rivers?" in confirm.content
    assert access.can_see(clinician, client_a.person, "measures")  # asking changes nothing
    response = client.post(f"/sharing/links/{link.pk}/stop/")
    assert response.status_code == 302
    for user in (clinician, supervisor):
        assert not access.can_open(user, client_a.person)
        assert not access.can_see(user, client_a.person, "measures")
        assert not access.can_see(user, client_a.person, "checkups")
        assert not access.shared_journal_entries(user, client_a.person).exists()
    link.refresh_from_db()
    assert (link.status, link.ended_reason) == ("ended", "revoked")
    assert "no longer see anything" in " ".join(messages_of(response))


def test_a_client_can_cancel_their_own_waiting_invitation(
    client: Client, client_b: Any, clinician: Any
) -> None:
    sign_in(client, client_b).post("/sharing/invite/", {"email": clinician.email})
    link = CareLink.objects.get(person=client_b.person, clinician=clinician.membership)
    invitation = ClientInvitation.objects.get(link=link)
    assert client.post(f"/sharing/links/{link.pk}/stop/").status_code == 404  # not sharing yet
    client.post(f"/sharing/sent/{invitation.pk}/close/")
    link.refresh_from_db()
    assert link.status == "ended"
    assert "No answer yet" not in client.get("/sharing/").content.decode()
    response = sign_in(client, clinician).post(
        f"/sharing/invitations/{link.pk}/answer/", {"decision": "accept"}
    )
    assert response.status_code == 404
    assert not access.can_open(clinician, client_b.person)


# ----------------------------------------------------------------------------- who looked


def test_the_client_sees_who_looked_at_their_record_newest_first(
    client: Client, client_a: Any, clinician: Any, client_b: Any
) -> None:
    record(None, client_a.person, "view", "measures", user=clinician)
    later = record(None, client_a.person, "change", "review 3", user=clinician)
    record(None, client_b.person, "view", "BLAKES MEASURES", user=clinician)
    assert later is not None
    page = sign_in(client, client_a).get("/sharing/").content.decode()
    section = page.split('id="audit-heading"')[1]
    assert "Ada Rivers (Clinician)" in section
    assert section.index("Changed review 3") < section.index("Looked at measures")
    assert "BLAKES MEASURES" not in page


def test_the_client_is_told_when_nobody_looked(client: Client, client_b: Any) -> None:
    page = sign_in(client, client_b).get("/sharing/").content.decode()
    assert "Nobody else has looked at your record." in page


def test_the_record_of_who_looked_is_paged(client: Client, client_a: Any, clinician: Any) -> None:
    for n in range(30):
        record(None, client_a.person, "view", f"check-up {n}", user=clinician)
    sign_in(client, client_a)
    first = client.get("/sharing/").content.decode()
    assert "check-up 29" in first and "check-up 0<" not in first
    second = client.get("/sharing/?page=2").content.decode()
    assert "check-up 0<" in second
    assert client.get("/sharing/?page=nonsense").status_code == 200


def test_a_client_with_no_clinic_yet_can_use_the_page(client: Client, clinics: Any) -> None:
    user = make_client(clinics.demo, "new@example.org", "New (fictional)")
    user.person.enrolment.delete()
    assert sign_in(client, user).get("/sharing/").status_code == 200


def test_accepted_dates_are_shown_in_plain_words(client: Client, client_a: Any) -> None:
    link = a_link(client_a)
    link.accepted_at = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC)
    link.save()
    assert "since 1 September 2026" in sign_in(client, client_a).get("/sharing/").content.decode()


def test_a_clients_invitation_waits_for_the_clinician_even_if_the_email_fails(
    client: Client, client_b: Any, clinician: Any
) -> None:
    from unittest import mock

    with mock.patch(
        "therapycheck.web.sharing.services.send_mail", side_effect=ConnectionRefusedError
    ):
        response = sign_in(client, client_b).post("/sharing/invite/", {"email": clinician.email})
    assert response.status_code == 302
    assert "Thank you." in " ".join(messages_of(response))
    page = sign_in(client, clinician).get("/sharing/invitations/").content.decode()
    assert "Accept the invitation from Blake (fictional)" in page


def test_the_clinician_is_told_by_email_when_the_client_stops_sharing(
    client: Client, client_a: Any, clinician: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from therapycheck.web.sharing import services

    link = client_a.person.care_links.get(status="active")
    with django_capture_on_commit_callbacks(execute=True):
        services.revoke(link)
    assert [m.to for m in mail.outbox] == [[clinician.email]]
    assert "stopped sharing with you" in mail.outbox[0].body
    assert "PHQ" not in mail.outbox[0].body


def test_stopping_sharing_works_even_when_the_email_cannot_be_sent(
    client_a: Any, clinician: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    from therapycheck.web.clinic import access
    from therapycheck.web.sharing import services

    settings.EMAIL_BACKEND = "tests.web.sharing.test_client_sharing.BrokenMail"
    link = client_a.person.care_links.get(status="active")
    with django_capture_on_commit_callbacks(execute=True):
        services.revoke(link)
    assert not access.can_open(clinician, client_a.person)


class BrokenMail:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise OSError("mail server down")
