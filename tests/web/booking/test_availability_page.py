"""The clinician sets their consultation hours: validated by core.scheduling's rules, with
errors next to the field and everything typed kept; other roles may never use the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.web.booking.test_booking_pages import check_page
from tests.web.clinic_personas import sign_in
from therapycheck.web.booking import services
from therapycheck.web.booking.models import Availability

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode", "clock")]

URL = "/consultations/availability/"


def form(**changes: str) -> dict[str, str]:
    data = {
        "is_open": "on",
        "timezone": "America/New_York",
        "monday": "09:00-12:00, 13:00-17:00",
        "tuesday": "",
        "wednesday": "10:00-12:00",
        "thursday": "",
        "friday": "",
        "saturday": "",
        "sunday": "",
        "overrides": "2027-01-06: off\n2027-01-08: 14:00-15:00",
        "buffer_before_minutes": "5",
        "buffer_after_minutes": "10",
        "min_notice_hours": "24",
        "daily_cap": "3",
        "horizon_days": "30",
        "cancellation_window_hours": "48",
        "approach": "Acceptance and commitment therapy",
        "frequency": "Weekly at first",
        "fees": "£60, sliding scale",
    }
    data.update(changes)
    return data


def test_the_clinician_saves_hours_exceptions_buffers_notice_and_a_daily_cap(
    client: Client, clinician: Any
) -> None:
    sign_in(client, clinician)
    assert reverse("booking:availability") == URL
    check_page(client.get(URL).content.decode())
    response = client.post(URL, form())
    assert response.status_code == 302
    saved = Availability.objects.get(clinician=clinician.membership)
    assert saved.timezone == "America/New_York"
    assert saved.weekly == [
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 0, "start": "13:00", "end": "17:00"},
        {"weekday": 2, "start": "10:00", "end": "12:00"},
    ]
    assert saved.overrides == [
        {"day": "2027-01-06", "hours": []},
        {"day": "2027-01-08", "hours": [["14:00", "15:00"]]},
    ]
    assert (saved.buffer_before_minutes, saved.buffer_after_minutes) == (5, 10)
    assert (saved.min_notice_minutes, saved.daily_cap, saved.cancellation_window_hours) == (
        1440,
        3,
        48,
    )
    # The page shows them back as typed.
    html = client.get(URL).content.decode()
    assert 'value="09:00-12:00, 13:00-17:00"' in html
    assert "2027-01-08: 14:00-15:00" in html
    # The rules work: Wednesday 6 January is off, Friday 8 January has one hour only.
    days = {
        s.local("America/New_York")[0].date().isoformat()
        for s in services.free_slots(clinician.membership)
    }
    assert "2027-01-06" not in days and "2027-01-08" in days


def test_overlapping_hours_are_refused_next_to_the_day_and_nothing_is_lost(
    client: Client, clinician: Any
) -> None:
    sign_in(client, clinician)
    response = client.post(URL, form(monday="09:00-12:00, 11:00-13:00", fees="£70"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Monday: 09:00-12:00 overlaps 11:00-13:00." in html
    assert 'value="09:00-12:00, 11:00-13:00"' in html and 'value="£70"' in html
    check_page(html)
    assert not Availability.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tuesday", "9 to 5", "is not a time range like 09:00-12:00"),
        ("tuesday", "17:00-09:00", "the end must be after the start"),
        ("tuesday", "09:07-10:00", "Use times on the 5-minute mark"),
        ("overrides", "2027-02-30: off", "has a date that does not exist"),
        ("overrides", "tomorrow", "should look like 2027-12-24"),
        ("buffer_after_minutes", "7", "Use steps of 5 minutes"),
        ("timezone", "Mars/Olympus", "Choose your time zone from the list."),
        ("daily_cap", "0", "Enter at least 1"),
    ],
)
def test_each_mistake_gets_a_plain_message(
    client: Client, clinician: Any, field: str, value: str, message: str
) -> None:
    sign_in(client, clinician)
    html = client.post(URL, form(**{field: value})).content.decode()
    assert message in html
    assert not Availability.objects.exists()


def test_supervisors_admins_and_clients_may_not_set_hours(
    client: Client, supervisor: Any, clinic_admin: Any, client_a: Any
) -> None:
    for user in (supervisor, clinic_admin, client_a):
        sign_in(client, user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, form()).status_code == 403
    assert not Availability.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, clinician: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
