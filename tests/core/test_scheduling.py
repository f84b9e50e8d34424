"""The free consultation's scheduling core (issue 16, item 4): stories of a specialist's week."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from therapycheck.core.scheduling import (
    Busy,
    DayOverride,
    Rules,
    Slot,
    WeeklyHours,
    free_slots,
    is_bookable,
    validate_rules,
)

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
UTC = dt.UTC
MONDAY = dt.date(2027, 1, 4)  # GMT in London, EST in New York


def t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def every_day(start: str, end: str) -> tuple[WeeklyHours, ...]:
    return tuple(WeeklyHours(weekday, t(start), t(end)) for weekday in range(7))


def local(zone: str, day: dt.date, hhmm: str, fold: int = 0) -> dt.datetime:
    """An aware datetime for a wall-clock time in `zone`, as UTC."""
    wall = dt.datetime.combine(day, t(hhmm)).replace(tzinfo=ZoneInfo(zone), fold=fold)
    return wall.astimezone(UTC)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def walls(slots: list[Slot], zone: str) -> list[str]:
    return [s.local(zone)[0].strftime("%H:%M") for s in slots]


def day_slots(
    rules: Rules, day: dt.date, busy: tuple[Busy, ...] = (), **kw: dt.datetime
) -> list[Slot]:
    now = kw.get("now", dt.datetime.combine(day - dt.timedelta(days=5), dt.time(), UTC))
    return free_slots(rules, busy, now=now, start=day, end=day)


# --- the week --------------------------------------------------------------------------


def test_a_week_offers_half_hour_slots_in_each_window_and_nothing_on_other_days() -> None:
    rules = Rules(
        LONDON,
        (
            WeeklyHours(0, t("09:00"), t("11:00")),
            WeeklyHours(0, t("13:00"), t("14:00")),
            WeeklyHours(2, t("10:00"), t("11:00")),
        ),
    )
    now = utc("2026-12-28T12:00")
    slots = free_slots(rules, [], now=now, start=MONDAY, end=MONDAY + dt.timedelta(days=6))
    by_day: dict[dt.date, list[str]] = {}
    for slot in slots:
        by_day.setdefault(slot.local(LONDON)[0].date(), []).append(
            slot.local(LONDON)[0].strftime("%H:%M")
        )
    assert by_day == {
        MONDAY: ["09:00", "09:30", "10:00", "10:30", "13:00", "13:30"],
        MONDAY + dt.timedelta(days=2): ["10:00", "10:30"],
    }


def test_every_slot_is_aware_utc_thirty_minutes_long_and_sorted() -> None:
    rules = Rules(NEW_YORK, every_day("09:00", "12:00"))
    slots = free_slots(
        rules, [], now=utc("2027-01-01T00:00"), start=MONDAY, end=MONDAY + dt.timedelta(days=2)
    )
    assert slots == sorted(slots, key=lambda s: s.start)
    assert len(slots) == 3 * 6
    for slot in slots:
        assert slot.start.utcoffset() == dt.timedelta(0)
        assert slot.end - slot.start == dt.timedelta(minutes=30)
    # 09:00 EST is 14:00 UTC in January.
    assert slots[0].start == utc("2027-01-04T14:00")


def test_a_slot_that_would_run_past_the_end_of_its_window_is_not_offered() -> None:
    rules = Rules(LONDON, every_day("09:00", "10:45"))
    assert walls(day_slots(rules, MONDAY), LONDON) == ["09:00", "09:30", "10:00"]


def test_slots_follow_the_grid_from_the_window_start_and_the_slot_length() -> None:
    rules = Rules(LONDON, every_day("09:15", "11:30"), slot_minutes=45)
    assert walls(day_slots(rules, MONDAY), LONDON) == ["09:15", "10:00", "10:45"]


def test_a_slot_is_shown_in_the_persons_own_zone() -> None:
    rules = Rules(LONDON, every_day("09:00", "09:30"))
    (slot,) = day_slots(rules, MONDAY)
    start, end = slot.local(NEW_YORK)
    assert (start.isoformat(), end.isoformat()) == (
        "2027-01-04T04:00:00-05:00",
        "2027-01-04T04:30:00-05:00",
    )


# --- busy time and buffers ---------------------------------------------------------------


def test_a_booked_consultation_takes_its_slot_and_no_more_without_buffers() -> None:
    rules = Rules(LONDON, every_day("09:00", "12:00"))
    busy = (Busy(local(LONDON, MONDAY, "10:00"), local(LONDON, MONDAY, "10:30")),)
    assert walls(day_slots(rules, MONDAY, busy), LONDON) == [
        "09:00",
        "09:30",
        "10:30",
        "11:00",
        "11:30",
    ]


def test_buffers_keep_both_consultations_buffers_apart() -> None:
    # Busy 10:00-10:30 with 10 minutes before and 20 after each consultation: a new slot's
    # span from 10 minutes before to 20 after must not overlap 09:50-10:50. The 09:00 slot's
    # span 08:50-09:50 only touches it.
    rules = Rules(
        LONDON, every_day("09:00", "12:00"), buffer_before_minutes=10, buffer_after_minutes=20
    )
    busy = (Busy(local(LONDON, MONDAY, "10:00"), local(LONDON, MONDAY, "10:30")),)
    assert walls(day_slots(rules, MONDAY, busy), LONDON) == ["09:00", "11:00", "11:30"]


def test_the_buffer_before_a_booked_consultation_keeps_the_time_before_it_clear() -> None:
    rules = Rules(LONDON, every_day("09:00", "12:00"), buffer_before_minutes=20)
    busy = (Busy(local(LONDON, MONDAY, "10:00"), local(LONDON, MONDAY, "10:30")),)
    # The booking's span is 09:40-10:30; a 09:30 slot would run into it, 09:00 does not.
    assert walls(day_slots(rules, MONDAY, busy), LONDON) == ["09:00", "11:00", "11:30"]


def test_buffers_that_only_touch_do_not_block_a_slot() -> None:
    rules = Rules(LONDON, every_day("09:00", "12:00"), slot_minutes=60, buffer_after_minutes=30)
    busy = (Busy(local(LONDON, MONDAY, "09:00"), local(LONDON, MONDAY, "09:30")),)
    # The busy time's buffer ends at 10:00, where a 10:00 slot (with its own buffer after it)
    # begins: they touch, so 10:00 is offered.
    assert walls(day_slots(rules, MONDAY, busy), LONDON) == ["10:00", "11:00"]


def test_other_busy_time_blocks_slots_too() -> None:
    rules = Rules(LONDON, every_day("09:00", "10:30"))
    busy = (
        Busy(local(LONDON, MONDAY, "09:10"), local(LONDON, MONDAY, "09:40"), consultation=False),
    )
    assert walls(day_slots(rules, MONDAY, busy), LONDON) == ["10:00"]


# --- notice and horizon ------------------------------------------------------------------


def test_slots_sooner_than_the_minimum_notice_are_not_offered() -> None:
    rules = Rules(LONDON, every_day("09:00", "12:00"), min_notice_minutes=90)
    now = local(LONDON, MONDAY, "08:30")
    # 08:30 + 90 minutes = 10:00, which is still offered.
    assert walls(day_slots(rules, MONDAY, now=now), LONDON) == ["10:00", "10:30", "11:00", "11:30"]


def test_the_default_notice_is_one_day() -> None:
    rules = Rules(LONDON, every_day("09:00", "10:00"))
    now = local(LONDON, MONDAY, "09:15")
    slots = free_slots(rules, [], now=now, start=MONDAY, end=MONDAY + dt.timedelta(days=1))
    assert [s.local(LONDON)[0].isoformat() for s in slots] == ["2027-01-05T09:30:00+00:00"]


def test_slots_beyond_the_horizon_are_not_offered() -> None:
    rules = Rules(LONDON, every_day("09:00", "10:00"), min_notice_minutes=0, horizon_days=7)
    now = local(LONDON, MONDAY, "09:30")
    slots = free_slots(rules, [], now=now, start=MONDAY, end=MONDAY + dt.timedelta(days=30))
    assert slots[0].start == now
    # Exactly seven days ahead is the last slot offered.
    assert slots[-1].start == now + dt.timedelta(days=7)
    assert len(slots) == 1 + 6 * 2 + 2


# --- daily cap ---------------------------------------------------------------------------


def test_a_day_with_as_many_consultations_as_the_cap_offers_nothing_more() -> None:
    rules = Rules(NEW_YORK, every_day("09:00", "12:00"), daily_cap=2)
    tuesday = MONDAY + dt.timedelta(days=1)
    busy = (
        Busy(local(NEW_YORK, MONDAY, "09:00"), local(NEW_YORK, MONDAY, "09:30")),
        Busy(local(NEW_YORK, MONDAY, "11:00"), local(NEW_YORK, MONDAY, "11:30")),
    )
    slots = free_slots(rules, busy, now=utc("2027-01-01T00:00"), start=MONDAY, end=tuesday)
    assert {s.local(NEW_YORK)[0].date() for s in slots} == {tuesday}
    assert not is_bookable(
        rules, busy, local(NEW_YORK, MONDAY, "10:00"), now=utc("2027-01-01T00:00")
    )


def test_the_cap_counts_consultations_by_the_specialists_local_day_not_utc() -> None:
    rules = Rules(NEW_YORK, every_day("09:00", "12:00"), daily_cap=1)
    # 02:00 UTC on Tuesday is 21:00 on Monday in New York: Monday is full, Tuesday is not.
    busy = (Busy(utc("2027-01-05T02:00"), utc("2027-01-05T02:30")),)
    assert day_slots(rules, MONDAY, busy) == []
    assert len(day_slots(rules, MONDAY + dt.timedelta(days=1), busy)) == 6


def test_other_busy_time_does_not_count_toward_the_cap() -> None:
    rules = Rules(NEW_YORK, every_day("09:00", "12:00"), daily_cap=1)
    busy = (
        Busy(
            local(NEW_YORK, MONDAY, "13:00"), local(NEW_YORK, MONDAY, "14:00"), consultation=False
        ),
    )
    assert len(day_slots(rules, MONDAY, busy)) == 6


# --- exceptions --------------------------------------------------------------------------


def test_a_day_off_offers_nothing_and_the_days_around_it_are_unchanged() -> None:
    tuesday = MONDAY + dt.timedelta(days=1)
    rules = Rules(LONDON, every_day("09:00", "10:00"), overrides=(DayOverride(tuesday),))
    slots = free_slots(
        rules, [], now=utc("2027-01-01T00:00"), start=MONDAY, end=tuesday + dt.timedelta(days=1)
    )
    assert sorted({s.local(LONDON)[0].date() for s in slots}) == [
        MONDAY,
        tuesday + dt.timedelta(days=1),
    ]


def test_an_exception_replaces_the_weeks_hours_for_that_date() -> None:
    rules = Rules(
        LONDON,
        every_day("09:00", "10:00"),
        overrides=(DayOverride(MONDAY, ((t("14:00"), t("15:00")), (t("18:00"), t("18:30")))),),
    )
    assert walls(day_slots(rules, MONDAY), LONDON) == ["14:00", "14:30", "18:00"]


def test_an_exception_can_open_a_day_with_no_weekly_hours() -> None:
    saturday = MONDAY + dt.timedelta(days=5)
    rules = Rules(
        LONDON,
        (WeeklyHours(0, t("09:00"), t("10:00")),),
        overrides=(DayOverride(saturday, ((t("10:00"), t("11:00")),)),),
    )
    slots = free_slots(rules, [], now=utc("2027-01-01T00:00"), start=MONDAY, end=saturday)
    assert [s.local(LONDON)[0].isoformat() for s in slots] == [
        "2027-01-04T09:00:00+00:00",
        "2027-01-04T09:30:00+00:00",
        "2027-01-09T10:00:00+00:00",
        "2027-01-09T10:30:00+00:00",
    ]


# --- the days the clocks change ----------------------------------------------------------

NINE_TO_FIVE = [f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)]


@pytest.mark.parametrize(
    ("zone", "day", "first_utc", "last_utc"),
    [
        (LONDON, dt.date(2027, 3, 27), "2027-03-27T09:00", "2027-03-27T16:30"),  # GMT
        (LONDON, dt.date(2027, 3, 28), "2027-03-28T08:00", "2027-03-28T15:30"),  # BST
        (LONDON, dt.date(2027, 10, 30), "2027-10-30T08:00", "2027-10-30T15:30"),  # BST
        (LONDON, dt.date(2027, 10, 31), "2027-10-31T09:00", "2027-10-31T16:30"),  # GMT
        (NEW_YORK, dt.date(2027, 3, 13), "2027-03-13T14:00", "2027-03-13T21:30"),  # EST
        (NEW_YORK, dt.date(2027, 3, 14), "2027-03-14T13:00", "2027-03-14T20:30"),  # EDT
        (NEW_YORK, dt.date(2027, 11, 6), "2027-11-06T13:00", "2027-11-06T20:30"),  # EDT
        (NEW_YORK, dt.date(2027, 11, 7), "2027-11-07T14:00", "2027-11-07T21:30"),  # EST
    ],
)
def test_nine_to_five_stays_nine_to_five_local_on_either_side_of_a_clock_change(
    zone: str, day: dt.date, first_utc: str, last_utc: str
) -> None:
    slots = day_slots(Rules(zone, every_day("09:00", "17:00")), day)
    assert walls(slots, zone) == NINE_TO_FIVE
    assert (slots[0].start, slots[-1].start) == (utc(first_utc), utc(last_utc))
    # Every slot is exactly 30 real minutes, and they follow each other without a gap.
    assert all(b.start - a.start == dt.timedelta(minutes=30) for a, b in itertools.pairwise(slots))


def test_a_london_window_across_the_spring_change_loses_the_missing_hour() -> None:
    # 2027-03-28: at 01:00 GMT the clocks go to 02:00 BST.
    day = dt.date(2027, 3, 28)
    slots = day_slots(Rules(LONDON, every_day("00:00", "04:00")), day)
    assert walls(slots, LONDON) == ["00:00", "00:30", "02:00", "02:30", "03:00", "03:30"]
    assert [s.start for s in slots] == [
        utc("2027-03-28T00:00"),
        utc("2027-03-28T00:30"),
        utc("2027-03-28T01:00"),
        utc("2027-03-28T01:30"),
        utc("2027-03-28T02:00"),
        utc("2027-03-28T02:30"),
    ]


def test_a_new_york_window_across_the_spring_change_loses_the_missing_hour() -> None:
    # 2027-03-14: at 02:00 EST the clocks go to 03:00 EDT.
    day = dt.date(2027, 3, 14)
    slots = day_slots(Rules(NEW_YORK, every_day("01:00", "04:00")), day)
    assert walls(slots, NEW_YORK) == ["01:00", "01:30", "03:00", "03:30"]
    assert [s.start for s in slots] == [
        utc("2027-03-14T06:00"),
        utc("2027-03-14T06:30"),
        utc("2027-03-14T07:00"),
        utc("2027-03-14T07:30"),
    ]


def test_a_window_that_starts_in_the_missing_hour_starts_when_the_clocks_change() -> None:
    day = dt.date(2027, 3, 28)
    slots = day_slots(Rules(LONDON, every_day("01:30", "03:00")), day)
    assert walls(slots, LONDON) == ["02:00", "02:30"]
    assert slots[0].start == utc("2027-03-28T01:00")


def test_a_window_that_ends_in_the_missing_hour_ends_when_the_clocks_change() -> None:
    day = dt.date(2027, 3, 28)
    slots = day_slots(Rules(LONDON, every_day("00:00", "01:30")), day)
    assert [s.end for s in slots] == [utc("2027-03-28T00:30"), utc("2027-03-28T01:00")]


def test_a_window_wholly_inside_the_missing_hour_offers_nothing() -> None:
    day = dt.date(2027, 3, 14)
    assert day_slots(Rules(NEW_YORK, every_day("02:00", "02:59")), day) == []


def test_a_london_window_across_the_autumn_change_offers_the_repeated_hour_once() -> None:
    # 2027-10-31: at 02:00 BST the clocks go back to 01:00 GMT; 01:00-02:00 happens twice.
    day = dt.date(2027, 10, 31)
    slots = day_slots(Rules(LONDON, every_day("00:00", "03:00")), day)
    assert walls(slots, LONDON) == ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30"]
    assert [s.start for s in slots] == [
        utc("2027-10-30T23:00"),
        utc("2027-10-30T23:30"),
        utc("2027-10-31T00:00"),  # 01:00 BST, the first time
        utc("2027-10-31T00:30"),
        utc("2027-10-31T02:00"),  # 02:00 GMT
        utc("2027-10-31T02:30"),
    ]
    assert [s.local(LONDON)[0].utcoffset() for s in slots[2:4]] == [dt.timedelta(hours=1)] * 2


def test_a_new_york_window_across_the_autumn_change_offers_the_repeated_hour_once() -> None:
    # 2027-11-07: at 02:00 EDT the clocks go back to 01:00 EST.
    day = dt.date(2027, 11, 7)
    slots = day_slots(Rules(NEW_YORK, every_day("00:00", "03:00")), day)
    assert walls(slots, NEW_YORK) == ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30"]
    assert [s.start for s in slots] == [
        utc("2027-11-07T04:00"),
        utc("2027-11-07T04:30"),
        utc("2027-11-07T05:00"),  # 01:00 EDT, the first time
        utc("2027-11-07T05:30"),
        utc("2027-11-07T07:00"),  # 02:00 EST
        utc("2027-11-07T07:30"),
    ]


@pytest.mark.parametrize(
    ("zone", "day"), [(LONDON, dt.date(2027, 10, 31)), (NEW_YORK, dt.date(2027, 11, 7))]
)
def test_the_second_pass_of_the_repeated_hour_is_not_bookable(zone: str, day: dt.date) -> None:
    rules = Rules(zone, every_day("00:00", "03:00"))
    now = utc("2027-10-01T00:00")
    first = local(zone, day, "01:30", fold=0)
    second = local(zone, day, "01:30", fold=1)
    assert second - first == dt.timedelta(hours=1)
    assert is_bookable(rules, [], first, now=now)
    assert not is_bookable(rules, [], second, now=now)


def test_a_window_ending_in_the_repeated_hour_ends_at_its_first_occurrence() -> None:
    day = dt.date(2027, 10, 31)
    slots = day_slots(Rules(LONDON, every_day("00:30", "01:30")), day)
    assert [s.start for s in slots] == [utc("2027-10-30T23:30"), utc("2027-10-31T00:00")]


def test_a_zone_whose_clocks_move_half_an_hour_keeps_its_wall_grid() -> None:
    # Lord Howe Island moves from +11:00 to +10:30 at 02:00 local on 2027-04-04.
    zone = "Australia/Lord_Howe"
    slots = day_slots(Rules(zone, every_day("01:00", "03:00")), dt.date(2027, 4, 4))
    assert walls(slots, zone) == ["01:00", "01:30", "02:00", "02:30"]
    assert slots[2].start - slots[1].start == dt.timedelta(hours=1)


# --- is_bookable ---------------------------------------------------------------------------


def test_a_start_off_the_grid_is_not_bookable() -> None:
    rules = Rules(LONDON, every_day("09:00", "12:00"))
    now = utc("2027-01-01T00:00")
    assert is_bookable(rules, [], local(LONDON, MONDAY, "09:30"), now=now)
    assert not is_bookable(rules, [], local(LONDON, MONDAY, "09:15"), now=now)
    assert not is_bookable(
        rules, [], local(LONDON, MONDAY, "09:30") + dt.timedelta(seconds=1), now=now
    )
    assert not is_bookable(rules, [], local(LONDON, MONDAY, "12:00"), now=now)


def test_is_bookable_accepts_a_start_given_in_any_zone() -> None:
    rules = Rules(LONDON, every_day("09:00", "12:00"))
    start = dt.datetime(2027, 1, 4, 4, 30, tzinfo=ZoneInfo(NEW_YORK))  # 09:30 in London
    assert is_bookable(rules, [], start, now=utc("2027-01-01T00:00"))


def test_a_start_taken_by_a_booking_is_no_longer_bookable() -> None:
    rules = Rules(LONDON, every_day("09:00", "12:00"))
    start = local(LONDON, MONDAY, "10:00")
    busy = [Busy(start, start + dt.timedelta(minutes=30))]
    assert not is_bookable(rules, busy, start, now=utc("2027-01-01T00:00"))


# Each zone with the local dates of its 2027 clock changes, so every example lands on or next
# to one: half-hour and 45-minute offsets (Lord Howe, Chatham) and changes at midnight
# (Santiago, Havana) included; Kolkata and UTC never change.
CHANGES = [
    (LONDON, dt.date(2027, 3, 28)),
    (LONDON, dt.date(2027, 10, 31)),
    (NEW_YORK, dt.date(2027, 3, 14)),
    (NEW_YORK, dt.date(2027, 11, 7)),
    ("Australia/Lord_Howe", dt.date(2027, 4, 4)),
    ("Australia/Lord_Howe", dt.date(2027, 10, 3)),
    ("America/Santiago", dt.date(2027, 4, 3)),
    ("America/Santiago", dt.date(2027, 9, 5)),
    ("Pacific/Chatham", dt.date(2027, 4, 4)),
    ("Pacific/Chatham", dt.date(2027, 9, 26)),
    ("America/Havana", dt.date(2027, 3, 14)),
    ("America/Havana", dt.date(2027, 11, 7)),
    ("Asia/Kolkata", dt.date(2027, 6, 15)),
    ("UTC", dt.date(2027, 6, 15)),
]
# Half the points fall before 06:00, where the clocks change.
QUARTERS = st.sampled_from(range(0, 6 * 60, 15)) | st.sampled_from(range(0, 24 * 60, 15))


@st.composite
def hours(draw: st.DrawFn) -> tuple[tuple[dt.time, dt.time], ...]:
    points = sorted(draw(st.sets(QUARTERS, max_size=6)))
    pairs = zip(points[::2], points[1::2], strict=False)
    return tuple((dt.time(a // 60, a % 60), dt.time(b // 60, b % 60)) for a, b in pairs)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Rules, list[Busy], dt.datetime, dt.date]:
    zone, change = draw(st.sampled_from(CHANGES))
    day = change + dt.timedelta(days=draw(st.sampled_from([0, 0, -1, 1])))
    weekly = tuple(
        WeeklyHours(weekday, start, end) for weekday in range(7) for start, end in draw(hours())
    )
    overrides = (DayOverride(day, draw(hours())),) if draw(st.booleans()) else ()
    rules = Rules(
        zone,
        weekly,
        overrides,
        slot_minutes=draw(st.sampled_from([15, 20, 30, 45, 60, 90])),
        buffer_before_minutes=draw(st.sampled_from([0, 5, 10, 15, 30])),
        buffer_after_minutes=draw(st.sampled_from([0, 5, 10, 15, 30])),
        min_notice_minutes=draw(st.sampled_from([0, 0, 60, 24 * 60])),
        daily_cap=draw(st.none() | st.integers(1, 3)),
        horizon_days=draw(st.integers(1, 3)),
    )
    midnight = dt.datetime.combine(day, dt.time(), UTC)
    now = midnight + dt.timedelta(minutes=draw(st.integers(-2 * 24 * 60, 6 * 60)))
    busy = [
        Busy(start, start + dt.timedelta(minutes=draw(st.integers(1, 24)) * 5), draw(st.booleans()))
        for start in (
            midnight + dt.timedelta(minutes=5 * m)
            for m in draw(st.lists(st.integers(-12 * 12, 36 * 12), max_size=6))
        )
    ]
    return rules, busy, now, day


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
@example(  # the second pass of London's repeated hour, 01:00 GMT, is not on offer
    (
        Rules(LONDON, (WeeklyHours(6, t("00:00"), t("02:00")),), slot_minutes=15),
        [],
        utc("2027-10-30T00:00"),
        dt.date(2027, 10, 31),
    )
)
def test_a_start_is_bookable_exactly_when_free_slots_offers_it_for_its_day(
    scenario: tuple[Rules, list[Busy], dt.datetime, dt.date],
) -> None:
    rules, busy, now, day = scenario
    zone = ZoneInfo(rules.timezone)
    offered = {s.start for s in free_slots(rules, busy, now=now, start=day, end=day)}
    midnight = dt.datetime.combine(day, dt.time(), UTC)
    # Every instant on a five-minute grid whose local date is `day` (all offsets in these
    # zones are whole multiples of five minutes, so every slot start is among them).
    candidates = [
        instant
        for instant in (midnight + dt.timedelta(minutes=5 * k) for k in range(-15 * 12, 39 * 12))
        if instant.astimezone(zone).date() == day
    ]
    assert offered <= set(candidates)
    for instant in candidates:
        assert is_bookable(rules, busy, instant, now=now) == (instant in offered), instant


# --- validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            Rules("Mars/Olympus", ()),
            "Unknown time zone 'Mars/Olympus': use an IANA name such as Europe/London.",
        ),
        (
            Rules("America", ()),
            "Unknown time zone 'America': use an IANA name such as Europe/London.",
        ),
        (
            Rules(LONDON, (WeeklyHours(0, t("17:00"), t("09:00")),)),
            "Monday 17:00-09:00: the end must be after the start"
            " (a window cannot run past midnight).",
        ),
        (
            Rules(LONDON, (WeeklyHours(2, t("09:00"), t("09:00")),)),
            "Wednesday 09:00-09:00: the end must be after the start"
            " (a window cannot run past midnight).",
        ),
        (
            Rules(
                LONDON,
                (WeeklyHours(4, t("09:00"), t("12:00")), WeeklyHours(4, t("11:00"), t("13:00"))),
            ),
            "Friday: 09:00-12:00 overlaps 11:00-13:00.",
        ),
        (
            Rules(LONDON, (WeeklyHours(7, t("09:00"), t("12:00")),)),
            "The weekday must be 0 (Monday) to 6 (Sunday), not 7.",
        ),
        (
            Rules(LONDON, (), (DayOverride(MONDAY), DayOverride(MONDAY))),
            "2027-01-04 has more than one exception.",
        ),
        (
            Rules(
                LONDON,
                (),
                (DayOverride(MONDAY, ((t("10:00"), t("11:00")), (t("10:30"), t("12:00")))),),
            ),
            "2027-01-04: 10:00-11:00 overlaps 10:30-12:00.",
        ),
        (
            Rules(LONDON, (WeeklyHours(0, dt.time(9, tzinfo=UTC), t("12:00")),)),
            "Monday: working hours are wall-clock times in the specialist's time zone;"
            " give them without a time zone.",
        ),
        (
            Rules(LONDON, (WeeklyHours(0, dt.time(9, 0, 30), t("12:00")),)),
            "Monday: working hours use whole minutes.",
        ),
        (Rules(LONDON, (), slot_minutes=0), "The slot length must be between 1 and 1440 minutes."),
        (
            Rules(LONDON, (), buffer_before_minutes=-5),
            "The buffer before cannot be negative minutes.",
        ),
        (
            Rules(LONDON, (), buffer_after_minutes=-5),
            "The buffer after cannot be negative minutes.",
        ),
        (
            Rules(LONDON, (), min_notice_minutes=-1),
            "The minimum notice cannot be negative minutes.",
        ),
        (Rules(LONDON, (), daily_cap=0), "The daily limit must be at least 1, or no limit."),
        (Rules(LONDON, (), horizon_days=0), "How far ahead one may book must be at least 1 day."),
    ],
)
def test_unusable_rules_are_refused_with_a_plain_message(rules: Rules, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        validate_rules(rules)
    assert str(raised.value) == message


def test_windows_that_only_touch_are_accepted() -> None:
    validate_rules(
        Rules(
            LONDON, (WeeklyHours(0, t("09:00"), t("12:00")), WeeklyHours(0, t("12:00"), t("13:00")))
        )
    )


def test_free_slots_refuses_unusable_rules_instead_of_guessing() -> None:
    with pytest.raises(ValueError, match="Unknown time zone"):
        free_slots(
            Rules("Nowhere/Land", ()), [], now=utc("2027-01-01T00:00"), start=MONDAY, end=MONDAY
        )


def test_naive_datetimes_are_refused() -> None:
    rules = Rules(LONDON, every_day("09:00", "12:00"))
    naive = dt.datetime(2027, 1, 4, 9, 0)
    aware = utc("2027-01-04T09:00")
    with pytest.raises(ValueError, match="now must have a time zone"):
        free_slots(rules, [], now=naive, start=MONDAY, end=MONDAY)
    with pytest.raises(ValueError, match="now must have a time zone"):
        is_bookable(rules, [], aware, now=naive)
    with pytest.raises(ValueError, match="The slot start must have a time zone"):
        is_bookable(rules, [], naive, now=aware)
    with pytest.raises(ValueError, match="A busy time's start must have a time zone"):
        is_bookable(rules, [Busy(naive, aware)], aware, now=aware)
    with pytest.raises(ValueError, match="A busy time's end must have a time zone"):
        free_slots(rules, [Busy(aware, naive)], now=aware, start=MONDAY, end=MONDAY)


def test_a_busy_time_that_ends_before_it_starts_is_refused() -> None:
    aware = utc("2027-01-04T09:00")
    with pytest.raises(ValueError, match=r"A busy time must end after it starts\."):
        free_slots(Rules(LONDON, ()), [Busy(aware, aware)], now=aware, start=MONDAY, end=MONDAY)


def test_a_range_whose_first_day_is_after_its_last_is_refused() -> None:
    with pytest.raises(ValueError, match=r"The first day must not be after the last day\."):
        free_slots(
            Rules(LONDON, ()),
            [],
            now=utc("2027-01-01T00:00"),
            start=MONDAY,
            end=MONDAY - dt.timedelta(days=1),
        )


def test_a_slot_in_an_unknown_zone_is_refused() -> None:
    slot = Slot(utc("2027-01-04T09:00"), utc("2027-01-04T09:30"))
    with pytest.raises(ValueError, match="Unknown time zone"):
        slot.local("Europe/Atlantis")
