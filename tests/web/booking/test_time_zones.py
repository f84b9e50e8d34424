"""Times are stored in UTC and shown in each side's zone, right across the spring and autumn
clock changes in two zones (Europe/London: 28 March and 31 October 2027;
America/New_York: 14 March and 7 November 2027)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from tests.web.booking.helpers import at, open_hours
from therapycheck.web.booking import services
from therapycheck.web.booking.models import Booking

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("clinic_mode", "clock", "immediate_tasks"),
]

EVERY_DAY_9 = [{"weekday": d, "start": "09:00", "end": "09:30"} for d in range(7)]


def starts_on(member: Any, now: dt.datetime, *days: str) -> dict[str, dt.datetime]:
    """The one free start on each of these days (the clinician offers 09:00 daily)."""
    slots = services.free_slots(member, now=now)
    zone = services.availability_of(member).timezone
    by_day = {s.local(zone)[0].date().isoformat(): s.start for s in slots}
    return {day: by_day[day] for day in days}


def test_a_new_york_clinicians_9am_moves_in_utc_when_new_york_springs_forward(
    clinician: Any,
) -> None:
    member = clinician.membership
    open_hours(member, timezone="America/New_York", weekly=EVERY_DAY_9)
    now = at("2027-03-10", "12:00")
    starts = starts_on(member, now, "2027-03-13", "2027-03-15", "2027-03-29")
    assert starts["2027-03-13"] == at("2027-03-13", "14:00")  # EST, UTC-5
    assert starts["2027-03-15"] == at("2027-03-15", "13:00")  # EDT, UTC-4
    assert starts["2027-03-29"] == at("2027-03-29", "13:00")
    # Seen from London: 14:00 and 13:00 GMT, then 14:00 BST once London changes too.
    london = [services.clock_text(services.local(s, "Europe/London")) for s in starts.values()]
    assert london == ["14:00 GMT", "13:00 GMT", "14:00 BST"]


def test_a_london_clinicians_9am_is_shown_right_in_new_york_through_the_autumn_weeks(
    clinician: Any,
) -> None:
    member = clinician.membership
    open_hours(member, timezone="Europe/London", weekly=EVERY_DAY_9)
    now = at("2027-10-27", "12:00")
    starts = starts_on(member, now, "2027-10-29", "2027-11-01", "2027-11-08")
    assert starts["2027-10-29"] == at("2027-10-29", "08:00")  # BST, UTC+1
    assert starts["2027-11-01"] == at("2027-11-01", "09:00")  # GMT
    assert starts["2027-11-08"] == at("2027-11-08", "09:00")
    new_york = [services.clock_text(services.local(s, "America/New_York")) for s in starts.values()]
    # Five hours apart, then four for the week only London has changed, then five again.
    assert new_york == ["04:00 EDT", "05:00 EDT", "04:00 EST"]


def test_the_slots_page_shows_both_zones_across_new_yorks_spring_change(
    client: Client, clinician: Any, clock: Any
) -> None:
    member = clinician.membership
    open_hours(member, timezone="America/New_York", weekly=EVERY_DAY_9)
    clock(at("2027-03-10", "12:00"))
    url = reverse("booking:slots", args=[member.pk]) + "?tz=Europe/London"
    html = client.get(url).content.decode()
    assert '14:00 GMT <span class="bk-own">(09:00 EST for the specialist)</span>' in html
    assert '13:00 GMT <span class="bk-own">(09:00 EDT for the specialist)</span>' in html


def test_a_booking_made_across_the_change_is_stored_in_utc_and_shown_in_each_zone(
    client: Client, clinician: Any, clock: Any
) -> None:
    member = clinician.membership
    open_hours(member, timezone="Europe/London", weekly=EVERY_DAY_9)
    clock(at("2027-10-27", "12:00"))
    start = at("2027-11-01", "09:00", "Europe/London")
    query = urlencode({"start": start.isoformat(), "tz": "America/New_York"})
    client.post(
        reverse("booking:book", args=[member.pk]) + f"?{query}",
        {"name": "Robin", "email": "robin@example.org"},
    )
    booking = Booking.objects.get()
    assert booking.start == at("2027-11-01", "09:00")
    assert booking.start.utcoffset() == dt.timedelta(0)
    assert booking.person_timezone == "America/New_York"
    manage = reverse("booking:manage", args=[services.token_for(booking, "manage")])
    html = client.get(manage).content.decode()
    assert "Monday 1 November 2027, 05:00 EDT" in html
    assert "Monday 1 November 2027, 09:00 GMT" in html


def test_the_hour_that_happens_twice_is_offered_once(clinician: Any) -> None:
    # London repeats 01:00-02:00 on 31 October 2027: a window across it gets no extra slots.
    member = clinician.membership
    open_hours(
        member,
        timezone="Europe/London",
        weekly=[{"weekday": 6, "start": "00:30", "end": "02:30"}],
    )
    now = at("2027-10-27", "12:00")
    day = [
        s.start
        for s in services.free_slots(member, now=now)
        if s.local("Europe/London")[0].date() == dt.date(2027, 10, 31)
    ]
    assert len(day) == len(set(day))
    local_clocks = [services.local(s, "Europe/London").strftime("%H:%M") for s in day]
    assert len(local_clocks) == len(set(local_clocks))
