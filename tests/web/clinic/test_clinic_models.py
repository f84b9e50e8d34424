"""Not on track by the clinic's own expected-response model, with the documented fallback
when the clinic has too few clients; refitted when a day old."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.web.clinic_personas import make_client, sign_in
from therapycheck.core.change import REVIEW_AFTER_SESSIONS
from therapycheck.core.trajectory import MIN_CLIENTS_PER_STRATUM
from therapycheck.web.accounts.models import Person
from therapycheck.web.clinic.clinic_models import clinic_models
from therapycheck.web.clinic.models import ClinicModel, Enrolment
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.tracking.models import Measurement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


def _clients_with_phq9(clinics: Any, clinician: Any, count: int) -> list[Any]:
    """`count` clients sharing PHQ-9 series that mostly improve (a spread of intakes)."""
    people = []
    measurements = []
    for n in range(count):
        # No account needed (and none made: hashing 30 passwords per test is slow).
        person = Person.objects.create(
            key=f"model-{n}", country="GB", display_name=f"Model client {n} (fictional)"
        )
        Enrolment.objects.create(person=person, clinic=clinics.demo)
        CareLink.objects.create(
            person=person,
            clinician=clinician.membership,
            status=CareLink.Status.ACTIVE,
            invited_by=CareLink.InvitedBy.CLIENT,
        )
        intake = 12 + n % 12
        for session in range(1, 7):
            total = max(0, intake - (session - 1) * (1 + n % 3) + (n % 4) - 1)
            measurements.append(
                Measurement(
                    person=person,
                    instrument="phq9",
                    session_number=session,
                    taken_on=dt.date(2026, 9, 1) + dt.timedelta(weeks=session),
                    answers=[],
                    total=min(27, total),
                )
            )
        people.append(person)
    Measurement.objects.bulk_create(measurements)
    return people


def test_with_enough_clients_the_clinic_gets_its_own_model(clinics: Any, clinician: Any) -> None:
    _clients_with_phq9(clinics, clinician, MIN_CLIENTS_PER_STRATUM)
    fitted = clinic_models(clinics.demo, now=timezone.now())
    assert set(fitted.models) == {"phq9"}
    stored = ClinicModel.objects.get(clinic=clinics.demo, instrument="phq9")
    assert stored.document is not None
    assert stored.n_clients == MIN_CLIENTS_PER_STRATUM
    assert "usual range of this clinic's clients" in fitted.rule_line
    assert f"PHQ-9 ({MIN_CLIENTS_PER_STRATUM} clients)" in fitted.rule_line


def test_with_too_few_clients_the_fallback_rule_is_used_and_said(
    client: Client, clinics: Any, clinician: Any
) -> None:
    _clients_with_phq9(clinics, clinician, MIN_CLIENTS_PER_STRATUM - 1)
    page = sign_in(client, clinician).get("/clinic/caseload/").content.decode()
    assert f"no clear change after {REVIEW_AFTER_SESSIONS} sessions" in page
    assert "the fallback rule" in page
    stored = ClinicModel.objects.get(clinic=clinics.demo, instrument="phq9")
    assert stored.document is None
    assert stored.n_clients == MIN_CLIENTS_PER_STRATUM - 1


def test_the_caseload_page_says_when_the_clinics_model_is_in_use(
    client: Client, clinics: Any, clinician: Any
) -> None:
    _clients_with_phq9(clinics, clinician, MIN_CLIENTS_PER_STRATUM)
    page = sign_in(client, clinician).get("/clinic/caseload/").content.decode()
    assert "usual range of this clinic&#x27;s clients" in page


def test_a_client_above_the_clinics_usual_range_is_not_on_track_before_the_review_point(
    clinics: Any, clinician: Any
) -> None:
    from therapycheck.web.clinic.caseload import caseload

    _clients_with_phq9(clinics, clinician, MIN_CLIENTS_PER_STRATUM)
    stuck = make_client(clinics.demo, "stuck@example.org", "Stuck (fictional)")
    CareLink.objects.create(
        person=stuck.person,
        clinician=clinician.membership,
        status=CareLink.Status.ACTIVE,
        invited_by=CareLink.InvitedBy.CLIENT,
    )
    Measurement.objects.bulk_create(
        Measurement(
            person=stuck.person,
            instrument="phq9",
            session_number=session,
            taken_on=dt.date(2026, 9, 1) + dt.timedelta(weeks=session),
            answers=[],
            total=20,
        )
        for session in range(1, 6)
    )
    fitted = clinic_models(clinics.demo, now=timezone.now())
    today = dt.date(2026, 10, 10)
    with_model = {r.person.pk: r for r in caseload(clinician, today=today, models=fitted.models)}
    without = {r.person.pk: r for r in caseload(clinician, today=today)}
    assert with_model[stuck.person.pk].not_on_track
    # Five sessions are before the fallback's review point: no alert without the model.
    assert not without[stuck.person.pk].not_on_track


def test_models_are_refitted_when_a_day_old(clinics: Any, clinician: Any) -> None:
    _clients_with_phq9(clinics, clinician, MIN_CLIENTS_PER_STRATUM - 1)
    now = timezone.now()
    clinic_models(clinics.demo, now=now)
    first = ClinicModel.objects.get(clinic=clinics.demo).fitted_at
    clinic_models(clinics.demo, now=now + dt.timedelta(hours=23))
    assert ClinicModel.objects.get(clinic=clinics.demo).fitted_at == first
    clinic_models(clinics.demo, now=now + dt.timedelta(days=1))
    assert ClinicModel.objects.get(clinic=clinics.demo).fitted_at == now + dt.timedelta(days=1)


def test_only_scores_shared_with_the_clinic_are_used(clinics: Any, clinician: Any) -> None:
    people = _clients_with_phq9(clinics, clinician, MIN_CLIENTS_PER_STRATUM)
    CareLink.objects.filter(person=people[0]).update(status=CareLink.Status.ENDED)
    clinic_models(clinics.demo, now=timezone.now())
    stored = ClinicModel.objects.get(clinic=clinics.demo, instrument="phq9")
    assert stored.document is None
    assert stored.n_clients == MIN_CLIENTS_PER_STRATUM - 1
