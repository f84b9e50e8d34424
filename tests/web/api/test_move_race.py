"""Moving two bookings onto the same time through the API at once: exactly one wins.

Twenty requests, ten for each booking, released together, each in its own thread with its
own database connection (on SQLite a file copy of the test database, with the server's
settings; on PostgreSQL the test database itself), as in tests/web/booking's races.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.test import Client

from tests.web.api.helpers import bearer, token_for
from tests.web.booking.helpers import open_hours
from tests.web.booking.test_no_double_booking import NO_TASKS
from tests.web.racing import Racer
from therapycheck.web.booking import services
from therapycheck.web.booking.models import Booking, SlotClaim

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clinic_mode")]

MOVES = 20


@pytest.fixture(autouse=True)
def no_task_queue(settings: Any) -> None:
    # Emails are not the subject here; the dummy backend keeps them out of the race.
    settings.TASKS = NO_TASKS


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("early_check", ["on", "off"])
def test_twenty_api_moves_of_two_bookings_onto_one_time_end_with_exactly_one_there(
    racer: Racer,
    client_a: Any,
    client_b: Any,
    clinician: Any,
    monkeypatch: pytest.MonkeyPatch,
    early_check: str,
) -> None:
    member = clinician.membership
    open_hours(member, buffer_before_minutes=5)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    free = [s.start for s in services.free_slots(member) if s.start > soon]
    first, second, target = free[0], free[4], free[8]
    bookings = {
        "a": services.book(member, first, person=client_a.person, base_url="http://t/"),
        "b": services.book(member, second, person=client_b.person, base_url="http://t/"),
    }
    old = {k: (b.start, set(b.claims.values_list("cell", flat=True))) for k, b in bookings.items()}
    headers = {"a": bearer(token_for(client_a)), "b": bearer(token_for(client_b))}
    racer.copy_database()
    if early_check == "off":
        # Every request reaches the database: only the slot claims can refuse one.
        def on_offer(member: Any, start: dt.datetime, **_: Any) -> Any:
            return services.availability_of(member)

        monkeypatch.setattr(services, "check_bookable", on_offer)

    def attempt(i: int) -> str:
        whose = "ab"[i % 2]
        response = Client().post(
            f"/api/v1/bookings/{bookings[whose].pk}/move",
            {"start": target.isoformat()},
            content_type="application/json",
            **headers[whose],
        )
        return f"{whose} {response.status_code}"

    outcome = racer.race(attempt, MOVES)

    def now_() -> dict[str, tuple[dt.datetime, set[dt.datetime]]]:
        return {
            k: (
                Booking.objects.get(pk=b.pk).start,
                set(SlotClaim.objects.filter(booking_id=b.pk).values_list("cell", flat=True)),
            )
            for k, b in bookings.items()
        }

    after = racer.run(now_)
    at_target = [k for k, (start, _) in after.items() if start == target]
    assert len(at_target) == 1, (outcome, after)
    winner = at_target[0]
    loser = "b" if winner == "a" else "a"
    # Every move of the winner succeeds (a second move onto its own time changes nothing);
    # every move of the other is refused as taken, and it keeps its time and every cell.
    assert outcome == Counter({f"{winner} 200": MOVES // 2, f"{loser} 409": MOVES // 2})
    assert after[loser] == old[loser]
    assert min(after[winner][1]) == target - dt.timedelta(minutes=5)
    assert not after[winner][1] & old[winner][1]
    assert not after[winner][1] & after[loser][1]
