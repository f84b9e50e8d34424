"""The match page and when the person can meet: specialists' real free consultation times
(from the booking calendar) are read on the person's clock and explained either way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.web.booking.helpers import NOW, open_hours
from tests.web.clinic_personas import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_mode")]

URL = "/specialists/match/"
EVENINGS_18_TO_20 = [{"weekday": d, "start": "18:00", "end": "20:00"} for d in range(5)]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.datetime], None]:
    def set_to(moment: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    set_to(NOW)  # Monday 4 January 2027, 08:00 UTC: London on GMT, New York 5 hours behind
    return set_to


@pytest.fixture
def day_and_evening(
    make_profile: Callable[..., Any], clinician: Any, other_clinician: Any, clock: Any
) -> tuple[Any, Any]:
    """Ada Rivers offers consultations 09:00-17:00 London time, Ben Marsh 18:00-20:00."""
    ada = make_profile(clinician)
    ben = make_profile(other_clinician)
    open_hours(clinician.membership)
    open_hours(other_clinician.membership, weekly=EVENINGS_18_TO_20)
    return ada, ben


def ask(client: Client, times: list[str], zone: str) -> Any:
    return client.post(URL, {"currency": "GBP", "times": times, "time_zone": zone})


def reasons(response: Any) -> dict[int, tuple[str, ...]]:
    return {r.profile.pk: r.match.why for r in response.context["ranked"]}


def test_a_specialist_free_on_the_persons_evenings_ranks_first_and_says_so(
    client: Client, client_a: Any, day_and_evening: tuple[Any, Any]
) -> None:
    ada, ben = day_and_evening
    response = ask(sign_in(client, client_a), ["weekday_evenings"], "Europe/London")
    assert [r.profile.pk for r in response.context["ranked"]] == [ben.pk, ada.pk]
    assert (
        "Has free consultation times on weekday evenings in your time zone (Europe/London) "
        "in the next 2 weeks"
    ) in reasons(response)[ben.pk]
    assert any(
        line.startswith("Has no free consultation times on weekday evenings")
        for line in reasons(response)[ada.pk]
    )


def test_times_are_read_on_the_persons_clock_not_the_specialists(
    client: Client, client_a: Any, day_and_evening: tuple[Any, Any]
) -> None:
    # In New York, Ben's 18:00-20:00 London is 13:00-15:00: an afternoon; Ada's times are
    # all before noon there.
    ada, ben = day_and_evening
    response = ask(sign_in(client, client_a), ["weekday_afternoons"], "America/New_York")
    assert [r.profile.pk for r in response.context["ranked"]] == [ben.pk, ada.pk]
    assert any(
        "weekday afternoons in your time zone (America/New_York)" in w
        for w in reasons(response)[ben.pk]
    )
    mornings = ask(client, ["weekday_mornings"], "America/New_York")
    assert any(
        w.startswith("Has free consultation times on weekday mornings")
        for w in reasons(mornings)[ada.pk]
    )


def test_the_american_clock_change_is_counted_in_the_two_week_window(
    client: Client, client_a: Any, make_profile: Callable[..., Any], clinician: Any, clock: Any
) -> None:
    # Ada offers 16:00-17:00 London. In New York that is 11:00 (morning) until the USA moves
    # its clocks on 14 March 2027, and 12:00 (afternoon) after it; Britain moves on 28 March.
    ada = make_profile(clinician)
    open_hours(
        clinician.membership,
        weekly=[{"weekday": d, "start": "16:00", "end": "17:00"} for d in range(5)],
    )
    # The window ends on Monday 15 March, 08:00 UTC: before the afternoon times begin.
    clock(dt.datetime(2027, 3, 1, 8, tzinfo=dt.UTC))
    before = ask(sign_in(client, client_a), ["weekday_afternoons"], "America/New_York")
    assert any(
        w.startswith("Has no free consultation times on weekday afternoons")
        for w in reasons(before)[ada.pk]
    )
    clock(dt.datetime(2027, 3, 8, 8, tzinfo=dt.UTC))
    after = ask(sign_in(client, client_a), ["weekday_afternoons"], "America/New_York")
    assert any(
        w.startswith("Has free consultation times on weekday afternoons")
        for w in reasons(after)[ada.pk]
    )


def test_it_says_so_when_a_specialist_offers_no_times_to_book(
    client: Client,
    client_a: Any,
    make_profile: Callable[..., Any],
    clinician: Any,
    other_clinician: Any,
    clock: Any,
) -> None:
    no_hours = make_profile(clinician)
    no_consultations = make_profile(other_clinician, offers_free_consultation=False)
    open_hours(other_clinician.membership)
    response = ask(sign_in(client, client_a), ["weekday_mornings"], "Europe/London")
    line = "Has no free consultation times to book here in the next 2 weeks"
    assert line in reasons(response)[no_hours.pk]
    assert line in reasons(response)[no_consultations.pk]


def test_a_booked_time_is_not_counted_as_free(
    client: Client, client_a: Any, make_profile: Callable[..., Any], clinician: Any, clock: Any
) -> None:
    from therapycheck.web.booking import services as booking

    ada = make_profile(clinician)
    # One free time only: Tuesday 5 January 2027, 18:00-18:30 London.
    open_hours(
        clinician.membership,
        weekly=[{"weekday": 1, "start": "18:00", "end": "18:30"}],
        horizon_days=2,
    )
    signed_in = sign_in(client, client_a)
    assert any(
        w.startswith("Has free")
        for w in reasons(ask(signed_in, ["weekday_evenings"], "Europe/London"))[ada.pk]
    )
    booking.book(
        clinician.membership,
        dt.datetime(2027, 1, 5, 18, tzinfo=dt.UTC),
        person=client_a.person,
        person_timezone="Europe/London",
        base_url="http://testserver",
    )
    after = reasons(ask(signed_in, ["weekday_evenings"], "Europe/London"))[ada.pk]
    assert "Has no free consultation times to book here in the next 2 weeks" in after


def test_times_without_a_time_zone_ask_for_it_and_keep_the_answers(
    client: Client, client_a: Any, day_and_evening: tuple[Any, Any]
) -> None:
    response = sign_in(client, client_a).post(
        URL, {"currency": "GBP", "times": ["weekends"], "identity": "Kept text"}
    )
    assert response.context["ranked"] is None
    html = response.content.decode()
    assert "Choose your time zone, so we can read the times on your clock." in html
    assert "Kept text" in html
    assert response.context["form"]["times"].value() == ["weekends"]
