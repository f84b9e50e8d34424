"""No double booking, ever: the database, not a check before the insert, lets exactly one
of many simultaneous attempts in. Each attempt runs in its own thread with its own database
connection (a transactional test), so the race is real, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from tests.web.booking.helpers import NOW, at, open_hours
from tests.web.racing import Racer
from therapycheck.web.booking import services
from therapycheck.web.booking.models import Booking, SlotClaim

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clinic_mode")]

ATTEMPTS = 50
NO_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def no_task_queue(settings: Any) -> None:
    # Emails are not the subject here; the dummy backend keeps them out of the race.
    settings.TASKS = NO_TASKS


def no_early_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the friendly check before the insert, so every attempt reaches the database
    and only the constraint can stop it."""

    def availability_only(member: Any, start: dt.datetime, **_: Any) -> Any:
        return services.availability_of(member)

    monkeypatch.setattr(services, "check_bookable", availability_only)


def guest(i: int) -> services.Guest:
    return services.Guest(f"Guest {i}", f"guest{i}@example.org")


def test_fifty_people_booking_the_same_time_end_with_exactly_one_booking(
    clinician: Any, racer: Racer, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = clinician.membership
    open_hours(member, buffer_after_minutes=10)
    racer.copy_database()
    no_early_check(monkeypatch)
    start = at("2027-01-05", "10:00")

    def attempt(i: int) -> str:
        try:
            services.book(member, start, guest=guest(i), base_url="http://testserver/", now=NOW)
        except services.SlotTaken:
            return "taken"
        return "booked"

    assert racer.race(attempt, ATTEMPTS) == Counter({"booked": 1, "taken": ATTEMPTS - 1})

    def check() -> tuple[int, int, set[int], list[int]]:
        claims = SlotClaim.objects.filter(clinician=member)
        return (
            Booking.objects.filter(clinician=member).count(),
            claims.count(),
            set(claims.values_list("booking_id", flat=True)),
            list(Booking.objects.filter(clinician=member).values_list("pk", flat=True)),
        )

    bookings, cells, owners, pks = racer.run(check)
    assert bookings == 1
    # Its 30 minutes and 10-minute buffer: eight 5-minute cells, all its own.
    assert cells == 8
    assert owners == set(pks)


def test_fifty_people_booking_overlapping_times_end_with_one_booking(
    clinician: Any, racer: Racer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Starts five minutes apart from 09:00 to 09:25: every pair of these overlaps.
    member = clinician.membership
    open_hours(member)
    racer.copy_database()
    no_early_check(monkeypatch)

    def attempt(i: int) -> str:
        start = at("2027-01-05", "09:00") + dt.timedelta(minutes=5 * (i % 6))
        try:
            services.book(member, start, guest=guest(i), base_url="http://testserver/", now=NOW)
        except services.SlotTaken:
            return "taken"
        return "booked"

    assert racer.race(attempt, ATTEMPTS) == Counter({"booked": 1, "taken": ATTEMPTS - 1})
    assert racer.run(lambda: Booking.objects.filter(clinician=member).count()) == 1


def test_with_the_early_check_on_the_losers_are_told_the_time_is_gone(
    clinician: Any, racer: Racer
) -> None:
    member = clinician.membership
    open_hours(member)
    racer.copy_database()
    start = at("2027-01-05", "11:00")

    def attempt(i: int) -> str:
        try:
            services.book(member, start, guest=guest(i), base_url="http://testserver/", now=NOW)
        except (services.SlotTaken, services.NotBookable):
            return "refused"
        return "booked"

    assert racer.race(attempt, ATTEMPTS) == Counter({"booked": 1, "refused": ATTEMPTS - 1})
    assert racer.run(lambda: Booking.objects.filter(clinician=member).count()) == 1


def test_fifty_overlapping_reschedules_move_exactly_one_booking(
    clinician: Any, racer: Racer, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = clinician.membership
    open_hours(member, buffer_before_minutes=5)
    # Fifty bookings on the hour over seven weekdays, all trying to move to 14:00 on
    # Tuesday (or to overlapping times five minutes apart).
    days = ("06", "07", "08", "11", "12", "13", "14")
    starts = [at(f"2027-01-{day}", f"{hour:02}:00") for day in days for hour in range(9, 17)]
    bookings = [
        services.book(member, start, guest=guest(i), base_url="http://testserver/", now=NOW)
        for i, start in enumerate(starts[:ATTEMPTS])
    ]
    old = {b.pk: (b.start, set(b.claims.values_list("cell", flat=True))) for b in bookings}
    racer.copy_database()
    no_early_check(monkeypatch)

    def attempt(i: int) -> str:
        target = at("2027-01-05", "14:00") + dt.timedelta(minutes=5 * (i % 4))
        try:
            services.reschedule(Booking.objects.get(pk=bookings[i].pk), target, now=NOW)
        except services.SlotTaken:
            return "taken"
        return "moved"

    assert racer.race(attempt, ATTEMPTS) == Counter({"moved": 1, "taken": ATTEMPTS - 1})

    def check() -> dict[int, tuple[dt.datetime, set[dt.datetime]]]:
        return {
            b.pk: (b.start, set(b.claims.values_list("cell", flat=True)))
            for b in Booking.objects.filter(clinician=member)
        }

    now_ = racer.run(check)
    assert len(now_) == ATTEMPTS
    moved = [pk for pk in now_ if now_[pk][0] != old[pk][0]]
    assert len(moved) == 1
    # The losers keep their old time and every cell of it; the winner gave its old cells up.
    for pk, (start, cells) in now_.items():
        if pk not in moved:
            assert (start, cells) == old[pk]
    winner_start, winner_cells = now_[moved[0]]
    assert winner_start.date() == dt.date(2027, 1, 5)
    assert not winner_cells & old[moved[0]][1]


def test_fifty_people_booking_different_times_of_a_day_with_a_cap_of_one_end_with_one(
    clinician: Any, racer: Racer, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = clinician.membership
    open_hours(member, daily_cap=1)
    racer.copy_database()
    no_early_check(monkeypatch)

    def attempt(i: int) -> str:
        # Sixteen different times from 09:00 to 16:30; some attempts share a time.
        start = at("2027-01-05", "09:00") + dt.timedelta(minutes=30 * (i % 16))
        try:
            services.book(member, start, guest=guest(i), base_url="http://testserver/", now=NOW)
        except (services.SlotTaken, services.NotBookable):
            return "refused"
        return "booked"

    assert racer.race(attempt, ATTEMPTS) == Counter({"booked": 1, "refused": ATTEMPTS - 1})
    assert racer.run(lambda: Booking.objects.filter(clinician=member).count()) == 1


def test_the_constraint_refuses_a_second_claim_on_the_same_cell(clinician: Any) -> None:
    member = clinician.membership
    open_hours(member)
    first = services.book(
        member, at("2027-01-05", "10:00"), guest=guest(1), base_url="http://x/", now=NOW
    )
    second = services.book(
        member, at("2027-01-05", "11:00"), guest=guest(2), base_url="http://x/", now=NOW
    )
    cell = first.claims.order_by("cell").first()
    assert cell is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        SlotClaim.objects.create(clinician=member, cell=cell.cell, booking=second)


def fifty_times() -> list[dt.datetime]:
    """Fifty different, non-overlapping times on seven weekdays."""
    days = ("05", "06", "07", "08", "11", "12", "13")
    return [at(f"2027-01-{d}", f"{h:02}:00") for d in days for h in range(9, 17)][:ATTEMPTS]


def test_fifty_bookings_from_one_address_with_one_specialist_end_with_one(
    clinician: Any, racer: Racer, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = clinician.membership
    open_hours(member)
    racer.copy_database()
    no_early_check(monkeypatch)
    times = fifty_times()

    def attempt(i: int) -> str:
        # The same mailbox, typed fifty ways.
        email = f"Robin+{i}@Example.org" if i % 2 else "robin@example.org"
        try:
            services.book(
                member,
                times[i],
                guest=services.Guest("Robin", email),
                base_url="http://testserver/",
                now=NOW,
            )
        except services.AddressLimit:
            return "limit"
        return "booked"

    assert racer.race(attempt, ATTEMPTS) == Counter({"booked": 1, "limit": ATTEMPTS - 1})
    assert racer.run(lambda: Booking.objects.filter(clinician=member).count()) == 1


def test_fifty_holds_from_one_address_across_specialists_end_with_two(
    clinician: Any,
    other_clinician: Any,
    clinics: Any,
    racer: Racer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.web.clinic_personas import make_staff

    third = make_staff(clinics.demo, "cai.clinician@example.org", "clinician", "Cai Jones")
    members = [clinician.membership, other_clinician.membership, third.membership]
    for member in members:
        open_hours(member)
    racer.copy_database()
    no_early_check(monkeypatch)
    times = fifty_times()

    def attempt(i: int) -> str:
        try:
            services.book(
                members[i % 3],
                times[i],
                guest=services.Guest("Robin", "ROBIN@example.org"),
                base_url="http://testserver/",
                now=NOW,
            )
        except services.AddressLimit:
            return "limit"
        return "booked"

    expected = services.HOLDS_PER_ADDRESS
    outcomes = racer.race(attempt, ATTEMPTS)
    assert outcomes == Counter({"booked": expected, "limit": ATTEMPTS - expected})

    def held() -> list[int]:
        return list(
            Booking.objects.filter(status=Booking.Status.HELD).values_list(
                "clinician_id", flat=True
            )
        )

    specialists = racer.run(held)
    assert len(specialists) == expected
    assert len(set(specialists)) == expected


def test_twenty_first_saves_of_a_clinicians_hours_at_once_all_succeed_on_one_row(
    clinician: Any, racer: Racer
) -> None:
    # The hours page and the API both save through save_availability; two first saves
    # used to meet the one-row-per-clinician constraint and end in a server error.
    from therapycheck.web.booking.models import Availability

    member = clinician.membership
    racer.copy_database()

    def attempt(i: int) -> str:
        services.save_availability(member, {"daily_cap": i + 1})
        return "saved"

    outcomes = racer.race(attempt, n=20)
    assert outcomes == Counter({"saved": 20})
    rows = racer.run(lambda: list(Availability.objects.filter(clinician=member)))
    assert len(rows) == 1
