"""The clinic admin's audit log: only their clinic, filters, pages and a CSV download."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client

from tests.web.clinic_personas import make_staff, sign_in
from therapycheck.web.audit.log import actor_label, record
from therapycheck.web.audit.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]


def event_at(day: dt.date, user: Any, what: str, person: Any = None) -> AuditEvent:
    """An event on a given day, written as record() writes it (events are never updated,
    and on PostgreSQL a trigger refuses it, so the day is set when it is made)."""
    return AuditEvent.objects.create(
        at=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
        actor=user,
        actor_label=actor_label(user),
        clinic_id=user.membership.clinic_id,
        person_id=None if person is None else person.pk,
        action="view",
        what=what,
    )


@pytest.fixture
def far_clinician(clinics: Any) -> Any:
    return make_staff(clinics.other, "far.clinician@example.org", "clinician", "Far Away")


def test_the_admin_sees_only_their_own_clinics_events(
    client: Client, clinic_admin: Any, clinician: Any, far_clinician: Any, client_a: Any
) -> None:
    record(None, client_a.person, "view", "measures", user=clinician)
    record(None, None, "view", "OTHER CLINIC EVENT", user=far_clinician)
    page = sign_in(client, clinic_admin).get("/audit/").content.decode()
    assert "Ada Rivers (Clinician)" in page and "Looked at measures" in page
    assert "OTHER CLINIC EVENT" not in page


def test_the_other_clinics_admin_sees_none_of_this_clinics_events(
    client: Client, other_clinic_admin: Any, clinician: Any, client_a: Any
) -> None:
    record(None, client_a.person, "view", "measures", user=clinician)
    page = sign_in(client, other_clinic_admin).get("/audit/").content.decode()
    assert "Ada Rivers" not in page
    assert "No entries match these filters." in page


def test_everyone_but_a_clinic_admin_is_refused(
    client: Client, clinician: Any, supervisor: Any, client_a: Any
) -> None:
    for user in (clinician, supervisor, client_a):
        assert sign_in(client, user).get("/audit/").status_code == 403
        assert sign_in(client, user).get("/audit/?format=csv").status_code == 403
    client.logout()
    response = client.get("/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_admin_filters_by_date_range(client: Client, clinic_admin: Any, clinician: Any) -> None:
    event_at(dt.date(2026, 9, 30), clinician, "before the range")
    event_at(dt.date(2026, 10, 1), clinician, "first day")
    event_at(dt.date(2026, 10, 31), clinician, "last day")
    event_at(dt.date(2026, 11, 1), clinician, "after the range")
    page = (
        sign_in(client, clinic_admin)
        .get("/audit/", {"start": "2026-10-01", "end": "2026-10-31"})
        .content.decode()
    )
    assert "first day" in page and "last day" in page
    assert "before the range" not in page and "after the range" not in page


def test_the_admin_filters_by_staff_member(
    client: Client, clinic_admin: Any, clinician: Any, other_clinician: Any
) -> None:
    record(None, None, "view", "by Ada", user=clinician)
    record(None, None, "view", "by Ben", user=other_clinician)
    page = sign_in(client, clinic_admin).get("/audit/", {"staff": clinician.pk}).content.decode()
    assert "by Ada" in page and "by Ben" not in page


def test_staff_of_another_clinic_cannot_be_chosen(
    client: Client, clinic_admin: Any, far_clinician: Any
) -> None:
    record(None, None, "view", "far away", user=far_clinician)
    response = sign_in(client, clinic_admin).get("/audit/", {"staff": far_clinician.pk})
    assert response.status_code == 400
    assert b"Choose a staff member from the list." in response.content
    assert b"far away" not in response.content


def test_bad_dates_are_explained_and_kept(client: Client, clinic_admin: Any) -> None:
    response = sign_in(client, clinic_admin).get("/audit/", {"start": "31/31/2026"})
    assert response.status_code == 400
    assert b"Type the first day as a date" in response.content
    assert b'value="31/31/2026"' in response.content
    swapped = client.get("/audit/", {"start": "2026-10-31", "end": "2026-10-01"})
    assert swapped.status_code == 400
    assert b"The last day is before the first day" in swapped.content


def test_the_log_is_paged_newest_first(client: Client, clinic_admin: Any, clinician: Any) -> None:
    for n in range(55):
        event_at(dt.date(2026, 9, 1) + dt.timedelta(days=n), clinician, f"event {n:02d}")
    sign_in(client, clinic_admin)
    first = client.get("/audit/", {"staff": clinician.pk}).content.decode()
    assert "event 54" in first and "event 05" in first and "event 04" not in first
    assert first.index("event 54") < first.index("event 53")
    assert "Page 1 of 2" in first
    assert f"?staff={clinician.pk}&amp;page=2" in first  # the filter stays on the next page
    second = client.get("/audit/", {"staff": clinician.pk, "page": 2}).content.decode()
    assert "event 04" in second and "event 05" not in second


def test_the_csv_has_the_filtered_events_of_this_clinic_only(
    client: Client, clinic_admin: Any, clinician: Any, far_clinician: Any, client_a: Any
) -> None:
    event_at(dt.date(2026, 10, 2), clinician, "=HYPERLINK(1)", client_a.person)
    event_at(dt.date(2026, 8, 2), clinician, "too early")
    event_at(dt.date(2026, 10, 2), far_clinician, "far away")
    response = sign_in(client, clinic_admin).get(
        "/audit/", {"format": "csv", "start": "2026-10-01"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    assert rows[0]["what"] == "'=HYPERLINK(1)"  # a spreadsheet does not run it
    assert rows[0]["who"] == "Ada Rivers (Clinician)"
    assert rows[0]["client_record_id"] == str(client_a.person.pk)
    assert rows[0]["when_utc"] == "2026-10-02T12:00:00+00:00"
