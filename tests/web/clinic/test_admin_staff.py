"""The clinic admin's staff page (/clinic/admin/): list, add, change; nobody else's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.web.clinic_personas import sign_in
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.clinic.models import Membership

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

URL = "/clinic/admin/"


def add(client: Client, **values: str) -> Any:
    data = {"email": "nia.new@example.org", "display_name": "Nia New", "role": "clinician"}
    return client.post(URL, {**data, **values})


def test_the_admin_sees_their_clinics_staff_with_roles_and_supervisors(
    client: Client, clinic_admin: Any, clinician: Any, other_clinic_admin: Any
) -> None:
    page = sign_in(client, clinic_admin).get(URL).content.decode()
    assert "Staff of Riverside Demo Clinic" in page
    row = re.search(r"<th scope=\"row\">Ada Rivers</th>(.*?)</tr>", page, re.S)
    assert row is not None
    assert "Clinician" in row.group(1) and "Sam Okafor" in row.group(1)
    # Nobody from another clinic.
    assert "Dan Admin" not in page


@pytest.mark.parametrize("persona", ["clinician", "supervisor", "client_a"])
def test_other_roles_are_refused(
    client: Client, persona: str, request: Any, clinic_admin: Any
) -> None:
    user = request.getfixturevalue(persona)
    assert sign_in(client, user).get(URL).status_code == 403
    assert add(client).status_code == 403
    change = f"{URL}staff/{clinic_admin.membership.pk}/"
    assert client.get(change).status_code == 403
    assert (
        client.post(change, {f"staff-{clinic_admin.membership.pk}-role": "clinician"}).status_code
        == 403
    )
    clinic_admin.membership.refresh_from_db()
    assert clinic_admin.membership.role == "admin"
    assert not get_user_model().objects.filter(email="nia.new@example.org").exists()


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, clinics: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_adding_staff_makes_an_account_without_a_password_and_emails_a_link(
    client: Client, clinic_admin: Any, supervisor: Any, mailoutbox: list[Any]
) -> None:
    response = add(sign_in(client, clinic_admin), supervisor=str(supervisor.membership.pk))
    assert response.status_code == 302
    user = get_user_model().objects.get(email="nia.new@example.org")
    assert not user.has_usable_password()
    member = user.membership
    assert (member.clinic, member.role, member.display_name) == (
        clinic_admin.membership.clinic,
        "clinician",
        "Nia New",
    )
    assert member.supervisor == supervisor.membership
    assert [m.to for m in mailoutbox] == [["nia.new@example.org"]]
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mailoutbox[0].body)
    assert link is not None
    assert "two-factor sign-in" in mailoutbox[0].body
    event = AuditEvent.objects.get(action="change")
    assert event.what == "staff: added Nia New as clinician, supervised by Sam Okafor"
    assert event.person_id is None


def test_the_emailed_link_sets_the_password_and_then_two_factor_set_up_follows(
    client: Client, clinic_admin: Any, mailoutbox: list[Any]
) -> None:
    add(sign_in(client, clinic_admin))
    client.logout()
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mailoutbox[0].body)
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    new = "a brand new password 4821"
    response = client.post(form_page.redirect_chain[-1][0], {"password1": new, "password2": new})
    assert response.status_code == 302
    user = get_user_model().objects.get(email="nia.new@example.org")
    user.refresh_from_db()
    assert user.check_password(new)
    response = client.post("/accounts/login/", {"login": user.email, "password": new})
    assert client.session.get("_auth_user_id") == str(user.pk)
    assert client.get("/clinic/")["Location"] == "/accounts/2fa/totp/activate/"


def test_an_address_that_has_an_account_is_refused_and_answers_are_kept(
    client: Client, clinic_admin: Any, client_a: Any
) -> None:
    response = add(sign_in(client, clinic_admin), email="ALEX.client@example.org")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please check your answers" in page
    assert "already has an account here" in page
    assert 'value="Nia New"' in page
    assert Membership.objects.filter(display_name="Nia New").count() == 0


def test_bad_input_says_what_to_fix_and_saves_nothing(
    client: Client, clinic_admin: Any, supervisor: Any
) -> None:
    response = add(
        sign_in(client, clinic_admin),
        email="not an email",
        role="supervisor",
        supervisor=str(supervisor.membership.pk),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Email address: Enter a valid email address." in page
    assert "Only a clinician has a supervisor" in page
    assert not AuditEvent.objects.exists()


def test_a_supervisor_from_another_clinic_cannot_be_chosen(
    client: Client, clinic_admin: Any, clinics: Any
) -> None:
    from tests.web.clinic_personas import make_staff

    elsewhere = make_staff(clinics.other, "zed@example.org", "supervisor", "Zed Elsewhere")
    response = add(sign_in(client, clinic_admin), supervisor=str(elsewhere.membership.pk))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not get_user_model().objects.filter(email="nia.new@example.org").exists()


def test_the_admin_changes_a_role_and_a_supervisor(
    client: Client, clinic_admin: Any, other_clinician: Any, supervisor: Any
) -> None:
    member = other_clinician.membership
    response = sign_in(client, clinic_admin).post(
        f"{URL}staff/{member.pk}/",
        {
            f"staff-{member.pk}-role": "clinician",
            f"staff-{member.pk}-supervisor": supervisor.membership.pk,
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.supervisor == supervisor.membership
    assert AuditEvent.objects.get().what == (
        "staff: Ben Marsh as clinician is now Ben Marsh as clinician, supervised by Sam Okafor"
    )


def test_a_supervisor_made_clinician_no_longer_supervises_anyone(
    client: Client, clinic_admin: Any, clinician: Any, supervisor: Any
) -> None:
    member = supervisor.membership
    sign_in(client, clinic_admin).post(
        f"{URL}staff/{member.pk}/", {f"staff-{member.pk}-role": "clinician"}
    )
    member.refresh_from_db()
    clinician.membership.refresh_from_db()
    assert member.role == "clinician"
    assert clinician.membership.supervisor is None
    whats = sorted(AuditEvent.objects.values_list("what", flat=True))
    assert whats == [
        "staff: Ada Rivers no longer supervised by Sam Okafor",
        "staff: Sam Okafor as supervisor is now Sam Okafor as clinician",
    ]


def test_the_last_admin_cannot_give_up_the_admin_role(client: Client, clinic_admin: Any) -> None:
    member = clinic_admin.membership
    response = sign_in(client, clinic_admin).post(
        f"{URL}staff/{member.pk}/", {f"staff-{member.pk}-role": "clinician"}
    )
    assert response.status_code == 200
    assert "The clinic needs an admin" in response.content.decode()
    member.refresh_from_db()
    assert member.role == "admin"


def test_the_change_address_only_takes_a_form_post(client: Client, clinic_admin: Any) -> None:
    response = sign_in(client, clinic_admin).get(f"{URL}staff/{clinic_admin.membership.pk}/")
    assert response.status_code == 405


def test_another_clinics_staff_cannot_be_changed(
    client: Client, clinic_admin: Any, other_clinic_admin: Any
) -> None:
    member = other_clinic_admin.membership
    response = sign_in(client, clinic_admin).post(
        f"{URL}staff/{member.pk}/", {f"staff-{member.pk}-role": "clinician"}
    )
    assert response.status_code == 404
    member.refresh_from_db()
    assert member.role == "admin"
    assert not AuditEvent.objects.exists()


def test_another_clinics_admin_sees_only_their_own_staff(
    client: Client, clinician: Any, other_clinic_admin: Any
) -> None:
    page = sign_in(client, other_clinic_admin).get(URL).content.decode()
    assert "Staff of Hillside Demo Clinic" in page
    assert "Ada Rivers" not in page
    member = clinician.membership
    response = client.post(f"{URL}staff/{member.pk}/", {f"staff-{member.pk}-role": "admin"})
    assert response.status_code == 404
