"""A clinician invites a client by email; the client answers through the emailed link."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from unittest import mock

import pytest
from django.core import mail, signing
from django.core.cache import cache
from django.test import Client

from tests.web.clinic_personas import make_client, make_user, sign_in
from tests.web.sharing.helpers import checked, invite
from therapycheck.web.accounts.models import Person
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.clinic import access
from therapycheck.web.clinic.models import Enrolment
from therapycheck.web.sharing import services
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.tracking.models import JournalEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

NEW_EMAIL = "casey.new@example.org"


def new_client_user(email: str = NEW_EMAIL) -> Any:
    """Someone with a verified account and no clinic yet, as after signing up."""
    user = make_user(email)
    Person.objects.create(key=f"user-{user.pk}", user=user, country="GB", display_name="Casey")
    return user


def test_the_email_names_who_invites_and_holds_no_health_information(
    client: Client, clinician: Any, client_a: Any
) -> None:
    invite(client, clinician, client_a.email)
    message = mail.outbox[-1]
    assert message.to == [client_a.email]
    assert "Ada Rivers" in message.body and "Riverside Demo Clinic" in message.body
    for health_word in ("PHQ", "score", "Work stress", "PRIVATE NOTE", "risk"):
        assert health_word not in message.body + message.subject


def test_a_clinicians_invitation_is_recorded_in_the_audit_log(
    client: Client, clinician: Any, client_a: Any
) -> None:
    invite(client, clinician, client_a.email)
    event = AuditEvent.objects.get(action="create", what="invitation")
    assert event.actor_id == clinician.pk
    assert event.person_id == client_a.person.pk
    assert event.clinic_id == clinician.membership.clinic_id


def test_an_invitation_to_an_unknown_address_is_recorded_without_a_person(
    client: Client, clinician: Any
) -> None:
    invite(client, clinician, NEW_EMAIL)
    assert AuditEvent.objects.get(what="invitation").person_id is None


def test_the_clinician_sees_nothing_before_the_client_accepts(
    client: Client, clinician: Any
) -> None:
    user = new_client_user()
    invite(client, clinician, NEW_EMAIL)
    assert not access.can_open(clinician, user.person)
    assert not access.can_see(clinician, user.person, "measures")


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_up_or_sign_in(
    client: Client, clinician: Any
) -> None:
    path = invite(client, clinician, NEW_EMAIL)
    response = client.get(path)
    assert response.status_code == 200
    assert client.session[services.SESSION_KEY] == path.split("/")[-2]
    page = response.content.decode()
    assert "Ada Rivers invited you" in page
    assert f"/accounts/signup/?next={path.replace('/', '%2F').replace(':', '%3A')}" in page
    assert "/accounts/login/?next=" in page


def test_a_client_accepts_with_only_the_shares_they_chose(client: Client, clinician: Any) -> None:
    user = new_client_user()
    entry = JournalEntry.objects.create(
        person=user.person, session_number=1, entry_date=dt.date(2026, 10, 1), topics="Sleep"
    )
    JournalEntry.objects.create(
        person=user.person, session_number=2, entry_date=dt.date(2026, 10, 8), topics="Other"
    )
    path = invite(client, clinician, NEW_EMAIL)
    sign_in(client, user)
    page = client.get(path)
    assert page.status_code == 200
    assert checked(page.content) == set()  # nothing preselected
    response = client.post(
        path, {"decision": "accept", "share": "checkups", "journal_entries": [entry.pk]}
    )
    assert response.status_code == 302
    link = CareLink.objects.get(invite_email=NEW_EMAIL)
    assert link.status == CareLink.Status.ACTIVE and link.person == user.person
    assert not access.can_see(clinician, user.person, "measures")
    assert access.can_see(clinician, user.person, "checkups")
    assert list(access.shared_journal_entries(clinician, user.person)) == [entry]


def test_accepting_enrols_a_client_without_a_clinic_in_the_clinicians_clinic(
    client: Client, clinician: Any
) -> None:
    user = new_client_user()
    path = invite(client, clinician, NEW_EMAIL)
    sign_in(client, user).post(path, {"decision": "accept"})
    assert Enrolment.objects.get(person=user.person).clinic == clinician.membership.clinic


def test_a_client_of_another_clinic_is_told_they_cannot_accept(
    client: Client, clinician: Any, clinics: Any
) -> None:
    user = make_client(clinics.other, NEW_EMAIL, "Casey (fictional)")
    path = invite(client, clinician, NEW_EMAIL)
    sign_in(client, user)
    page = client.get(path)
    assert page.status_code == 409
    assert b"You are a client of Hillside Demo Clinic" in page.content
    assert b"client of one clinic only" in page.content
    refused = client.post(path, {"decision": "accept", "share": "measures"})
    assert refused.status_code == 409
    link = CareLink.objects.get(invite_email=NEW_EMAIL)
    assert link.status == CareLink.Status.PENDING and link.person is None
    assert Enrolment.objects.get(person=user.person).clinic == clinics.other


def test_a_client_of_another_clinic_can_still_decline(
    client: Client, clinician: Any, clinics: Any
) -> None:
    user = make_client(clinics.other, NEW_EMAIL, "Casey (fictional)")
    path = invite(client, clinician, NEW_EMAIL)
    sign_in(client, user).post(path, {"decision": "decline"})
    link = CareLink.objects.get(invite_email=NEW_EMAIL)
    assert (link.status, link.ended_reason) == ("ended", "declined")


def test_a_client_declines_and_nothing_is_shared(client: Client, clinician: Any) -> None:
    user = new_client_user()
    path = invite(client, clinician, NEW_EMAIL)
    response = sign_in(client, user).post(path, {"decision": "decline", "share": "measures"})
    assert response.status_code == 302
    link = CareLink.objects.get(invite_email=NEW_EMAIL)
    assert link.status == CareLink.Status.ENDED
    assert not access.can_open(clinician, user.person)
    sign_in(client, clinician)
    assert "Declined" in client.get("/sharing/invitations/").content.decode()


def test_a_used_link_no_longer_works(client: Client, clinician: Any) -> None:
    user = new_client_user()
    path = invite(client, clinician, NEW_EMAIL)
    sign_in(client, user).post(path, {"decision": "accept", "share": "measures"})
    again = client.get(path)
    assert again.status_code == 410
    assert b"already been used" in again.content
    assert client.post(path, {"decision": "decline"}).status_code == 410
    assert CareLink.objects.get(invite_email=NEW_EMAIL).status == CareLink.Status.ACTIVE


def test_an_expired_link_is_refused_with_a_clear_page(client: Client, clinician: Any) -> None:
    user = new_client_user()
    invite(client, clinician, NEW_EMAIL)
    link = CareLink.objects.get(invite_email=NEW_EMAIL)
    fifteen_days_ago = time.time() - dt.timedelta(days=15).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=fifteen_days_ago):
        old_token = services.make_token(link)
    response = sign_in(client, user).get(f"/sharing/accept/{old_token}/")
    assert response.status_code == 410
    assert b"has expired" in response.content
    assert client.post(f"/sharing/accept/{old_token}/", {"decision": "accept"}).status_code == 410
    assert CareLink.objects.get(pk=link.pk).status == CareLink.Status.PENDING


def test_a_tampered_link_is_refused_with_a_clear_page(client: Client, clinician: Any) -> None:
    path = invite(client, clinician, NEW_EMAIL)
    forged = signing.dumps({"link": 1}, salt="some other salt")
    for bad in (path[:-3] + "xx/", f"/sharing/accept/{forged}/", "/sharing/accept/nonsense/"):
        response = client.get(bad)
        assert response.status_code == 400, bad
        assert b"does not work" in response.content


def test_a_link_for_one_person_cannot_be_used_by_another_signed_in_person(
    client: Client, clinician: Any, client_b: Any
) -> None:
    new_client_user()
    path = invite(client, clinician, NEW_EMAIL)
    sign_in(client, client_b)
    page = client.get(path)
    assert page.status_code == 403
    assert b"for someone else" in page.content
    assert client.post(path, {"decision": "accept", "share": "measures"}).status_code == 403
    link = CareLink.objects.get(invite_email=NEW_EMAIL)
    assert link.status == CareLink.Status.PENDING and link.person is None
    assert not access.can_open(clinician, client_b.person)


def test_a_staff_member_cannot_answer_a_clients_invitation(
    client: Client, clinician: Any, other_clinician: Any
) -> None:
    path = invite(client, clinician, other_clinician.email)
    response = sign_in(client, other_clinician).get(path)
    assert response.status_code == 403
    assert b"for a client" in response.content


def test_inviting_the_same_address_twice_reuses_the_waiting_invitation(
    client: Client, clinician: Any
) -> None:
    first = invite(client, clinician, NEW_EMAIL)
    second = invite(client, clinician, NEW_EMAIL.upper())
    assert len(mail.outbox) == 2
    link = CareLink.objects.get(invite_email__iexact=NEW_EMAIL)
    for path in (first, second):
        assert services.link_for_token(path.split("/")[-2]) == link


def test_a_client_already_sharing_with_the_clinician_is_told_so(
    client: Client, clinician: Any, client_a: Any
) -> None:
    path = invite(client, clinician, client_a.email)
    response = sign_in(client, client_a).post(path, {"decision": "accept", "share": "measures"})
    assert response.status_code == 400
    assert b"You already share with Ada Rivers" in response.content
    assert CareLink.objects.filter(person=client_a.person, status="active").count() == 1


def test_the_client_sees_the_waiting_invitation_on_their_sharing_page(
    client: Client, clinician: Any
) -> None:
    user = new_client_user()
    invite(client, clinician, NEW_EMAIL)
    page = sign_in(client, user).get("/sharing/").content.decode()
    assert "Answer the invitation from Ada Rivers" in page


def test_a_journal_entry_of_someone_else_cannot_be_shared(
    client: Client, clinician: Any, client_a: Any
) -> None:
    user = new_client_user()
    path = invite(client, clinician, NEW_EMAIL)
    someone_elses = JournalEntry.objects.filter(person=client_a.person).first()
    assert someone_elses is not None
    response = sign_in(client, user).post(
        path, {"decision": "accept", "journal_entries": [someone_elses.pk], "share": "measures"}
    )
    assert response.status_code == 400
    assert b"not yours" in response.content
    assert checked(response.content) == {("share", "measures")}  # the answer is kept
    assert CareLink.objects.get(invite_email=NEW_EMAIL).status == CareLink.Status.PENDING


def test_only_clinicians_have_an_invitations_page(
    client: Client, clinic_admin: Any, supervisor: Any, client_a: Any
) -> None:
    for user in (clinic_admin, supervisor, client_a):
        assert sign_in(client, user).get("/sharing/invitations/").status_code == 403
    client.logout()
    assert client.get("/sharing/invitations/").status_code == 302


def test_a_bad_email_keeps_the_answer_and_says_what_is_wrong(
    client: Client, clinician: Any
) -> None:
    response = sign_in(client, clinician).post("/sharing/invitations/", {"email": "not-an-email"})
    assert response.status_code == 400
    assert b"does not look like an email address" in response.content
    assert b'value="not-an-email"' in response.content
    assert not CareLink.objects.filter(invite_email="not-an-email").exists()


def test_a_clinician_withdraws_a_waiting_invitation_and_its_link_stops_working(
    client: Client, clinician: Any
) -> None:
    user = new_client_user()
    path = invite(client, clinician, NEW_EMAIL)
    link = CareLink.objects.get(invite_email=NEW_EMAIL)
    sign_in(client, clinician)
    assert client.post(f"/sharing/invitations/{link.pk}/withdraw/").status_code == 302
    assert "Withdrawn by you" in client.get("/sharing/invitations/").content.decode()
    assert AuditEvent.objects.filter(what="invitation withdrawn", actor_id=clinician.pk).exists()
    assert client.post(f"/sharing/invitations/{link.pk}/withdraw/").status_code == 404
    response = sign_in(client, user).get(path)
    assert response.status_code == 410
    assert b"already been used" in response.content


def test_a_clinician_cannot_withdraw_another_clinicians_invitation(
    client: Client, clinician: Any, other_clinician: Any
) -> None:
    invite(client, clinician, NEW_EMAIL)
    link = CareLink.objects.get(invite_email=NEW_EMAIL)
    response = sign_in(client, other_clinician).post(f"/sharing/invitations/{link.pk}/withdraw/")
    assert response.status_code == 404
    assert CareLink.objects.get(pk=link.pk).status == CareLink.Status.PENDING


def test_the_invitation_page_shows_crisis_resources_first_after_a_risk_answer(
    client: Client, clinician: Any
) -> None:
    from therapycheck.web.tracking.services import save_measurement

    user = new_client_user()
    save_measurement(
        user.person, "phq9", [1] * 8 + [2], session_number=1, taken_on=dt.date(2026, 10, 1)
    )
    path = invite(client, clinician, NEW_EMAIL)
    for page in (sign_in(client, user).get(path), client.get("/sharing/")):
        html = page.content.decode()
        assert "crisis-banner" in html
        assert html.index("crisis-banner") < html.index("<h1>")


def test_an_invitation_older_than_14_days_cannot_be_answered_even_with_a_new_link(
    client: Client, clinician: Any
) -> None:
    user = new_client_user()
    invite(client, clinician, NEW_EMAIL)
    link = CareLink.objects.get(invite_email=NEW_EMAIL)
    link.created_at -= dt.timedelta(days=15)
    link.save()
    sign_in(client, user)
    assert "Answer the invitation" not in client.get("/sharing/").content.decode()
    response = client.get(f"/sharing/accept/{services.make_token(link)}/")
    assert response.status_code == 410
    assert b"has expired" in response.content
    sign_in(client, clinician)
    assert "Link expired" in client.get("/sharing/invitations/").content.decode()


def test_when_the_email_cannot_be_sent_the_clinician_is_told_and_nothing_is_kept(
    client: Client, clinician: Any
) -> None:
    with mock.patch(
        "therapycheck.web.sharing.services.send_mail", side_effect=ConnectionRefusedError
    ):
        response = sign_in(client, clinician).post("/sharing/invitations/", {"email": NEW_EMAIL})
    assert response.status_code == 503
    assert b"could not be sent" in response.content
    assert f'value="{NEW_EMAIL}"'.encode() in response.content
    assert not CareLink.objects.filter(invite_email=NEW_EMAIL).exists()
    assert not AuditEvent.objects.filter(what="invitation").exists()


def test_opening_a_valid_invitation_link_is_what_opens_sign_up(
    client: Client, clinician: Any, settings: Any
) -> None:
    settings.ACCOUNT_ADAPTER = "therapycheck.web.clinic.adapter.ClinicAccountAdapter"
    settings.THERAPYCHECK_DEMO = False
    path = invite(client, clinician, NEW_EMAIL)
    assert b'name="password1"' not in Client().get("/accounts/signup/").content
    client.get("/sharing/accept/nonsense/")  # a bad link opens nothing
    assert b'name="password1"' not in client.get("/accounts/signup/").content
    client.get(path)
    assert b'name="password1"' in client.get(f"/accounts/signup/?next={path}").content


def _sign_up_from_invitation(clinician: Any) -> tuple[str, Client, str]:
    """(invitation path, the browser that signed up, the emailed confirmation path)."""
    # allauth limits confirmation emails per address (in the cache, across tests).
    cache.clear()
    path = invite(Client(), clinician, NEW_EMAIL)
    visitor = Client()
    visitor.get(path)
    password = "a-long-pass-phrase-9"
    signup = visitor.post(
        f"/accounts/signup/?next={path}",
        {"email": NEW_EMAIL, "password1": password, "password2": password},
    )
    assert signup.status_code == 302
    confirm = next(
        m for m in reversed(mail.outbox) if m.to == [NEW_EMAIL] and "/confirm-email/" in m.body
    )
    link = next(w for w in confirm.body.split() if "/confirm-email/" in w)
    return path, visitor, link[link.index("/accounts/") :]


def test_a_new_client_who_signs_up_and_confirms_their_email_lands_back_on_the_invitation(
    clinician: Any, settings: Any
) -> None:
    settings.THERAPYCHECK_DEMO = False
    path, visitor, confirm_path = _sign_up_from_invitation(clinician)
    landed = visitor.post(confirm_path, follow=True)
    assert landed.redirect_chain[-1][0] == path
    assert b"Ada Rivers" in landed.content


def test_a_confirmation_link_opened_in_another_browser_signs_nobody_in(
    clinician: Any, settings: Any
) -> None:
    settings.THERAPYCHECK_DEMO = False
    _, _, confirm_path = _sign_up_from_invitation(clinician)
    elsewhere = Client()
    landed = elsewhere.post(confirm_path, follow=True)
    assert "_auth_user_id" not in elsewhere.session
    assert landed.redirect_chain[-1][0].startswith("/accounts/login/")
