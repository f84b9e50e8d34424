"""Matching on when the person can meet: free consultation times read on the person's clock,
right across daylight-saving changes in either zone, with honest lines either way."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from therapycheck.core.matching import (
    TIME_FIT,
    TIME_WINDOW_DAYS,
    Needs,
    Specialist,
    band_of,
    rank,
    time_bands,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")


def at(day: str, hhmm: str, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=zone)


def test_the_same_london_hour_moves_band_for_a_new_yorker_at_the_american_spring_change() -> None:
    # The USA moves its clocks on 14 March 2027, Britain on 28 March: in between, a 16:30
    # London consultation is 12:30 in New York, not 11:30.
    assert band_of(at("2027-03-10", "16:30", LONDON), NEW_YORK) == "weekday_mornings"
    assert band_of(at("2027-03-17", "16:30", LONDON), NEW_YORK) == "weekday_afternoons"
    # For a Londoner both are the same afternoon.
    assert band_of(at("2027-03-10", "16:30", LONDON), LONDON) == "weekday_afternoons"
    assert band_of(at("2027-03-17", "16:30", LONDON), LONDON) == "weekday_afternoons"


def test_the_same_london_hour_moves_band_for_a_new_yorker_at_the_british_autumn_change() -> None:
    # Britain leaves summer time on 31 October 2027, the USA on 7 November: a 21:30 London
    # consultation is 16:30 in New York before, 17:30 (evening) in the week between.
    assert band_of(at("2027-10-27", "21:30", LONDON), NEW_YORK) == "weekday_afternoons"
    assert band_of(at("2027-11-03", "21:30", LONDON), NEW_YORK) == "weekday_evenings"


def test_the_day_of_the_week_is_the_persons_own() -> None:
    # Monday 08:00 in Sydney (summer time, UTC+11) is Sunday 21:00 in London.
    monday_sydney = at("2027-01-11", "08:00", SYDNEY)
    assert band_of(monday_sydney, SYDNEY) == "weekday_mornings"
    assert band_of(monday_sydney, LONDON) == "weekends"


def test_times_in_the_small_hours_fall_in_no_band() -> None:
    assert band_of(at("2027-01-06", "05:59", LONDON), LONDON) is None
    assert band_of(at("2027-01-06", "22:00", LONDON), LONDON) is None
    assert band_of(at("2027-01-06", "06:00", LONDON), LONDON) == "weekday_mornings"


def test_a_time_without_its_zone_is_refused() -> None:
    with pytest.raises(ValueError):
        band_of(dt.datetime(2027, 1, 6, 9), LONDON)


def test_time_bands_collects_every_band_with_a_free_time() -> None:
    starts = [at("2027-01-06", "09:00", LONDON), at("2027-01-09", "10:00", LONDON)]
    assert time_bands(starts, LONDON) == {"weekday_mornings", "weekends"}
    assert time_bands([], LONDON) == frozenset()


EVENINGS = Needs(times=("weekday_evenings",), time_zone="Europe/London")


def test_free_times_when_the_person_can_meet_rank_higher_and_say_so() -> None:
    people = [Specialist(1, "Ann"), Specialist(2, "Bo")]
    free = {1: frozenset({"weekday_mornings"}), 2: frozenset({"weekday_evenings"})}
    ranked = rank(people, EVENINGS, free_times=free)
    assert [m.specialist_id for m in ranked] == [2, 1]
    assert ranked[0].score - ranked[1].score == TIME_FIT
    assert (
        f"Has free consultation times on weekday evenings in your time zone (Europe/London) "
        f"in the next {TIME_WINDOW_DAYS // 7} weeks"
    ) in ranked[0].why


def test_it_says_honestly_when_a_specialist_has_no_times_in_those_hours() -> None:
    people = [Specialist(1, "Ann"), Specialist(2, "Cy")]
    ranked = rank(people, EVENINGS, free_times={1: frozenset({"weekday_mornings"}), 2: frozenset()})
    by_id = {m.specialist_id: m for m in ranked}
    assert any(
        line.startswith("Has no free consultation times on weekday evenings") and "other" in line
        for line in by_id[1].why
    )
    assert "Has no free consultation times to book here in the next 2 weeks" in by_id[2].why
    assert by_id[1].score == by_id[2].score == 0


def test_several_wished_bands_are_named_together() -> None:
    needs = Needs(times=("weekends", "weekday_mornings", "weekday_evenings"), time_zone="UTC")
    free = {1: frozenset({"weekends", "weekday_mornings", "weekday_afternoons"})}
    (match,) = rank([Specialist(1, "Ann")], needs, free_times=free)
    assert any("on weekday mornings and weekends in your time zone (UTC)" in w for w in match.why)


def test_times_say_nothing_when_not_asked_for_or_not_looked_up() -> None:
    free = {1: frozenset({"weekday_evenings"})}
    (not_asked,) = rank([Specialist(1, "Ann")], Needs(), free_times=free)
    (not_looked_up,) = rank([Specialist(1, "Ann")], EVENINGS, free_times={})
    for match in (not_asked, not_looked_up):
        assert match.score == 0
        assert not any("consultation times" in line for line in match.why)
