"""Clinic-mode personas, shared by every clinic test (imported by tests/web/conftest.py).

    clinic_mode              the clinic settings (settings.for_mode("clinic")) for one test
    demo_clinic / other_clinic
    client_a                 a client with an account; an active care link to `clinician`
                             sharing measures and check-ups and one journal entry
    client_a_at_risk         client_a with a risk answer (PHQ-9 item 9) at sessions 0 and 1
    client_b                 a client of the same clinic linked to `other_clinician` only
    clinician                A's clinician (supervised by `supervisor`), TOTP set up
    other_clinician          another clinician of the same clinic
    supervisor               supervises `clinician`
    clinic_admin             the clinic admin
    other_clinic_admin       the admin of another clinic
    sign_in(client, user)    a signed-in test client (MFA done for staff)

Staff users have an authenticator already (secret TOTP_SECRET), so pages are not
redirected to the two-factor set-up; `totp_code()` gives a current code for browser tests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from therapycheck.web.accounts.models import Person
from therapycheck.web.settings import for_mode

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "a long test password 12345"


def totp_code(secret: str = TOTP_SECRET) -> str:
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


@pytest.fixture
def clinic_mode() -> Iterator[None]:
    with override_settings(**for_mode("clinic")):
        yield


def make_user(email: str, *, verified: bool = True) -> Any:
    from allauth.account.models import EmailAddress

    user = get_user_model().objects.create_user(
        username=email.split("@")[0], email=email, password=PASSWORD
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    return user


def make_staff(clinic: Any, email: str, role: str, name: str, supervisor: Any = None) -> Any:
    from allauth.mfa.totp.internal.auth import TOTP

    from therapycheck.web.clinic.models import Membership

    user = make_user(email)
    Membership.objects.create(
        user=user, clinic=clinic, role=role, display_name=name, supervisor=supervisor
    )
    TOTP.activate(user, TOTP_SECRET)
    return user


def make_client(clinic: Any, email: str, name: str, country: str = "GB") -> Any:
    from therapycheck.web.clinic.models import Enrolment

    user = make_user(email)
    person = Person.objects.create(
        key=f"user-{user.pk}", user=user, country=country, display_name=name
    )
    Enrolment.objects.create(person=person, clinic=clinic)
    return user


@dataclass
class Clinics:
    demo: Any
    other: Any


@pytest.fixture
def clinics(db: Any) -> Clinics:
    from therapycheck.web.clinic.models import Clinic

    return Clinics(
        demo=Clinic.objects.create(name="Riverside Demo Clinic", slug="riverside", is_demo=True),
        other=Clinic.objects.create(name="Hillside Demo Clinic", slug="hillside", is_demo=True),
    )


@pytest.fixture
def supervisor(clinics: Clinics) -> Any:
    return make_staff(clinics.demo, "sam.supervisor@example.org", "supervisor", "Sam Okafor")


@pytest.fixture
def clinician(clinics: Clinics, supervisor: Any) -> Any:
    return make_staff(
        clinics.demo,
        "ada.clinician@example.org",
        "clinician",
        "Ada Rivers",
        supervisor=supervisor.membership,
    )


@pytest.fixture
def other_clinician(clinics: Clinics) -> Any:
    return make_staff(clinics.demo, "ben.clinician@example.org", "clinician", "Ben Marsh")


@pytest.fixture
def clinic_admin(clinics: Clinics) -> Any:
    return make_staff(clinics.demo, "cleo.admin@example.org", "admin", "Cleo Admin")


@pytest.fixture
def other_clinic_admin(clinics: Clinics) -> Any:
    return make_staff(clinics.other, "dan.admin@example.org", "admin", "Dan Admin")


def _scores(person: Person, totals: list[list[int]], instrument: str = "phq9") -> None:
    from therapycheck.web.tracking.services import save_measurement

    for session, answers in enumerate(totals):
        save_measurement(
            person,
            instrument,
            answers,
            session_number=session,
            taken_on=dt.date(2026, 9, 1) + dt.timedelta(weeks=session),
        )


@pytest.fixture
def client_a(clinics: Clinics, clinician: Any) -> Any:
    """Alex: PHQ-9 from 16 to 15 over 8 sessions (not improving), a shared and a private
    journal entry, an active link to `clinician` sharing measures, check-ups, one entry."""
    from therapycheck.web.sharing.models import CareLink
    from therapycheck.web.tracking.models import JournalEntry

    user = make_client(clinics.demo, "alex.client@example.org", "Alex (fictional)")
    person = user.person
    # PHQ-9 16 at sessions 0-7, 15 at session 8; item 9 (thoughts of self-harm) always 0.
    _scores(person, [[2] * 8 + [0]] * 8 + [[2] * 7 + [1, 0]])
    shared = JournalEntry.objects.create(
        person=person, session_number=3, entry_date=dt.date(2026, 9, 22), topics="Work stress"
    )
    JournalEntry.objects.create(
        person=person, session_number=4, entry_date=dt.date(2026, 9, 29), notes="PRIVATE NOTE"
    )
    link = CareLink.objects.create(
        person=person,
        clinician=clinician.membership,
        status=CareLink.Status.ACTIVE,
        invited_by=CareLink.InvitedBy.CLINICIAN,
        accepted_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
    )
    link.journal_entries.add(shared)
    return user


@pytest.fixture
def client_a_at_risk(client_a: Any) -> Any:
    """Alex, whose PHQ-9 at sessions 0 and 1 answered the safety item (item 9) "Several
    days": two risk answers, each raising a safety event, as an edited entry would."""
    from therapycheck.web.tracking.services import update_measurement

    for measurement in client_a.person.measurements.filter(session_number__in=(0, 1)):
        update_measurement(
            measurement,
            [2] * 8 + [1],
            session_number=measurement.session_number,
            taken_on=measurement.taken_on,
        )
    return client_a


@pytest.fixture
def client_b(clinics: Clinics, other_clinician: Any) -> Any:
    """Blake: a client of the same clinic, linked to `other_clinician` only."""
    from therapycheck.web.sharing.models import CareLink

    user = make_client(clinics.demo, "blake.client@example.org", "Blake (fictional)")
    _scores(user.person, [[1] * 8 + [0], [1] * 8 + [0], [0] * 9])
    CareLink.objects.create(
        person=user.person,
        clinician=other_clinician.membership,
        status=CareLink.Status.ACTIVE,
        invited_by=CareLink.InvitedBy.CLIENT,
        accepted_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
    )
    return user


def sign_in(client: Client, user: Any) -> Client:
    """Sign `user` in on this test client (past the password and the two-factor step)."""
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return client
