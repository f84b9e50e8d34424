"""Free consultation slots from a specialist's working hours (issue 16, item 4).

    rules = Rules("Europe/London", (WeeklyHours(0, time(9), time(17)),))
    validate_rules(rules)                      # ValueError with a plain message
    free_slots(rules, busy, now=now, start=date(2027, 3, 1), end=date(2027, 3, 31))
    is_bookable(rules, busy, slot_start, now=now)   # right before the database insert

Pure: no Django, no clock, no I/O; `now` is always passed in. The working hours are
wall-clock times in the specialist's own IANA zone; every datetime given out is aware UTC,
and naive datetimes passed in are refused. docs/scheduling.md says the rules in plain
words, with the choices made on the days the clocks change:

- Slots start on a wall-clock grid from each window's start (09:00, 09:30, ...). A grid
  time that does not exist (the hour skipped in spring) is not offered.
- A wall time that happens twice (the hour repeated in autumn) is read as its first
  occurrence (fold=0), so the repeated hour is offered once, never twice.
- A window boundary that does not exist is read as the moment the clocks change.
- A slot must fit inside its window measured in real (UTC) time, so a window crossing the
  skipped hour loses it, and a window crossing the repeated hour does not gain it.

`is_bookable` checks one start on its own path (grid arithmetic, not a call to
`free_slots`), so the property test that the two agree can fail.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = datetime.UTC
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class WeeklyHours:
    """A window of the working week, in wall-clock time of the specialist's zone."""

    weekday: int  # 0 = Monday ... 6 = Sunday
    start: datetime.time
    end: datetime.time


@dataclass(frozen=True)
class DayOverride:
    """An exception for one local date: other hours, or none at all (a day off)."""

    day: datetime.date
    hours: tuple[tuple[datetime.time, datetime.time], ...] = ()


@dataclass(frozen=True)
class Rules:
    """A specialist's booking rules for the free consultation."""

    timezone: str  # IANA name, e.g. "Europe/London"
    weekly: tuple[WeeklyHours, ...]
    overrides: tuple[DayOverride, ...] = ()
    slot_minutes: int = 30
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    min_notice_minutes: int = 24 * 60
    daily_cap: int | None = None  # most consultations on one local day
    horizon_days: int = 60  # how far ahead one may book


@dataclass(frozen=True)
class Busy:
    """A booked consultation, or other busy time, as aware datetimes (stored in UTC).

    `consultation=False` marks other busy time: it blocks slots but does not count toward
    the daily cap.
    """

    start: datetime.datetime
    end: datetime.datetime
    consultation: bool = True


@dataclass(frozen=True)
class Slot:
    """A bookable slot; start and end are aware UTC datetimes."""

    start: datetime.datetime
    end: datetime.datetime

    def local(self, tz: str) -> tuple[datetime.datetime, datetime.datetime]:
        """The slot in another zone (the person's or the specialist's), for display."""
        zone = load_zone(tz)
        return self.start.astimezone(zone), self.end.astimezone(zone)


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone called `name`; ValueError with a plain message if there is none."""
    return _load_zone(name)


@cache
def _load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a folder name such as "America" is found on disk but is not a zone.
        raise ValueError(
            f"Unknown time zone {name!r}: use an IANA name such as Europe/London."
        ) from None


def _hm(t: datetime.time) -> str:
    return t.strftime("%H:%M")


def _check_hours(where: str, hours: Sequence[tuple[datetime.time, datetime.time]]) -> None:
    for start, end in hours:
        for t in (start, end):
            if t.tzinfo is not None:
                raise ValueError(
                    f"{where}: working hours are wall-clock times in the specialist's "
                    "time zone; give them without a time zone."
                )
            if t.second or t.microsecond:
                raise ValueError(f"{where}: working hours use whole minutes.")
        if end <= start:
            raise ValueError(
                f"{where} {_hm(start)}-{_hm(end)}: the end must be after the start "
                "(a window cannot run past midnight)."
            )
    ordered = sorted(hours)
    for (a_start, a_end), (b_start, b_end) in itertools.pairwise(ordered):
        if b_start < a_end:
            raise ValueError(
                f"{where}: {_hm(a_start)}-{_hm(a_end)} overlaps {_hm(b_start)}-{_hm(b_end)}."
            )


def validate_rules(rules: Rules) -> None:
    """Raise ValueError with a plain message if the rules cannot be used."""
    load_zone(rules.timezone)
    by_day: dict[int, list[tuple[datetime.time, datetime.time]]] = {}
    for window in rules.weekly:
        if not 0 <= window.weekday <= 6:
            raise ValueError(f"The weekday must be 0 (Monday) to 6 (Sunday), not {window.weekday}.")
        by_day.setdefault(window.weekday, []).append((window.start, window.end))
    for weekday, hours in sorted(by_day.items()):
        _check_hours(WEEKDAY_NAMES[weekday], hours)
    seen: set[datetime.date] = set()
    for override in rules.overrides:
        if override.day in seen:
            raise ValueError(f"{override.day.isoformat()} has more than one exception.")
        seen.add(override.day)
        _check_hours(override.day.isoformat(), override.hours)
    if not 1 <= rules.slot_minutes <= 24 * 60:
        raise ValueError("The slot length must be between 1 and 1440 minutes.")
    for label, value in (
        ("The buffer before", rules.buffer_before_minutes),
        ("The buffer after", rules.buffer_after_minutes),
        ("The minimum notice", rules.min_notice_minutes),
    ):
        if value < 0:
            raise ValueError(f"{label} cannot be negative minutes.")
    if rules.daily_cap is not None and rules.daily_cap < 1:
        raise ValueError("The daily limit must be at least 1, or no limit.")
    if rules.horizon_days < 1:
        raise ValueError("How far ahead one may book must be at least 1 day.")


# --- time-zone arithmetic: every DST choice is made here --------------------------------


def _aware_utc(value: datetime.datetime, name: str) -> datetime.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must have a time zone (a naive datetime is ambiguous).")
    return value.astimezone(UTC)


def _wall(instant: datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    """The naive wall-clock time of a UTC instant in `zone`."""
    return instant.astimezone(zone).replace(tzinfo=None)


def _exists(wall: datetime.datetime, zone: ZoneInfo) -> datetime.datetime | None:
    """The UTC instant of a wall time (its first occurrence if it happens twice), or None
    if the clocks skip it."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    for candidate in sorted({first, second}):
        if _wall(candidate, zone) == wall:
            return candidate
    return None


def _boundary(wall: datetime.datetime, zone: ZoneInfo) -> datetime.datetime:
    """A window boundary as a UTC instant; a skipped wall time reads as the moment the
    clocks change (the first instant after the gap)."""
    instant = _exists(wall, zone)
    if instant is not None:
        return instant
    # In a gap, fold=1 gives an instant before the change and fold=0 one after it (that is
    # how zoneinfo reads a skipped time); the change lies between them: find it to the second.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    low, high = min(low, high), max(low, high)
    before = low.astimezone(zone).utcoffset()
    # Offsets are whole seconds, so `low` and `high` stay whole seconds and the loop ends.
    while high - low > datetime.timedelta(seconds=1):
        middle = low + datetime.timedelta(seconds=(high - low) // datetime.timedelta(seconds=2))
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high


def _windows(rules: Rules, day: datetime.date) -> tuple[tuple[datetime.time, datetime.time], ...]:
    """The working hours of one local date: its exception if it has one, else the week's."""
    for override in rules.overrides:
        if override.day == day:
            return tuple(sorted(override.hours))
    return tuple(sorted((w.start, w.end) for w in rules.weekly if w.weekday == day.weekday()))


# --- the checks shared by free_slots and is_bookable ------------------------------------


@dataclass(frozen=True)
class _Context:
    rules: Rules
    zone: ZoneInfo
    busy: tuple[Busy, ...]  # in UTC
    earliest: datetime.datetime
    latest: datetime.datetime
    slot: datetime.timedelta
    before: datetime.timedelta
    after: datetime.timedelta


def _context(rules: Rules, busy: Sequence[Busy], now: datetime.datetime) -> _Context:
    validate_rules(rules)
    now = _aware_utc(now, "now")
    normalised = []
    for block in busy:
        start = _aware_utc(block.start, "A busy time's start")
        end = _aware_utc(block.end, "A busy time's end")
        if end <= start:
            raise ValueError("A busy time must end after it starts.")
        normalised.append(Busy(start, end, block.consultation))
    return _Context(
        rules=rules,
        zone=load_zone(rules.timezone),
        busy=tuple(normalised),
        earliest=now + datetime.timedelta(minutes=rules.min_notice_minutes),
        latest=now + datetime.timedelta(days=rules.horizon_days),
        slot=datetime.timedelta(minutes=rules.slot_minutes),
        before=datetime.timedelta(minutes=rules.buffer_before_minutes),
        after=datetime.timedelta(minutes=rules.buffer_after_minutes),
    )


def _day_is_full(ctx: _Context, day: datetime.date) -> bool:
    if ctx.rules.daily_cap is None:
        return False
    booked = sum(
        1 for b in ctx.busy if b.consultation and b.start.astimezone(ctx.zone).date() == day
    )
    return booked >= ctx.rules.daily_cap


def _clear(ctx: _Context, start: datetime.datetime) -> bool:
    """Notice, horizon and buffers for a slot starting at `start` (UTC)."""
    if not ctx.earliest <= start <= ctx.latest:
        return False
    # Each consultation owns its span plus both buffers; two such spans may touch, not overlap.
    low, high = start - ctx.before, start + ctx.slot + ctx.after
    return not any(b.start - ctx.before < high and low < b.end + ctx.after for b in ctx.busy)


def _grid(ctx: _Context, day: datetime.date) -> Iterator[datetime.datetime]:
    """Every slot start of one local date that fits its window, before any other check."""
    for start_t, end_t in _windows(ctx.rules, day):
        wall_start = datetime.datetime.combine(day, start_t)
        wall_end = datetime.datetime.combine(day, end_t)
        window_start = _boundary(wall_start, ctx.zone)
        window_end = _boundary(wall_end, ctx.zone)
        wall = wall_start
        while wall < wall_end:
            instant = _exists(wall, ctx.zone)
            if instant is not None and window_start <= instant and instant + ctx.slot <= window_end:
                yield instant
            wall += ctx.slot


def free_slots(
    rules: Rules,
    busy: Sequence[Busy],
    *,
    now: datetime.datetime,
    start: datetime.date,
    end: datetime.date,
) -> list[Slot]:
    """Bookable slots whose local date (in the specialist's zone) is in [start, end], sorted."""
    ctx = _context(rules, busy, now)
    if end < start:
        raise ValueError("The first day must not be after the last day.")
    # Days wholly before the notice or after the horizon cannot hold a slot: skip them so a
    # wide range costs nothing (one day of margin each side for the zone's offset).
    first = max(start, ctx.earliest.astimezone(ctx.zone).date() - datetime.timedelta(days=1))
    last = min(end, ctx.latest.astimezone(ctx.zone).date() + datetime.timedelta(days=1))
    slots: list[Slot] = []
    day = first
    while day <= last:
        if not _day_is_full(ctx, day):
            slots.extend(
                Slot(instant, instant + ctx.slot)
                for instant in _grid(ctx, day)
                if _clear(ctx, instant)
            )
        day += datetime.timedelta(days=1)
    slots.sort(key=lambda s: s.start)
    return slots


def is_bookable(
    rules: Rules,
    busy: Sequence[Busy],
    slot_start: datetime.datetime,
    *,
    now: datetime.datetime,
) -> bool:
    """Whether one proposed start passes the same rules as `free_slots`."""
    ctx = _context(rules, busy, now)
    instant = _aware_utc(slot_start, "The slot start")
    wall = _wall(instant, ctx.zone)
    # The second pass of a repeated hour is not on offer: its wall time reads back as the
    # first occurrence, a different instant.
    if _exists(wall, ctx.zone) != instant:
        return False
    day = wall.date()
    if _day_is_full(ctx, day) or not _clear(ctx, instant):
        return False
    for start_t, end_t in _windows(rules, day):
        wall_start = datetime.datetime.combine(day, start_t)
        offset = wall - wall_start
        if offset < datetime.timedelta(0) or offset % ctx.slot:
            continue
        window_start = _boundary(wall_start, ctx.zone)
        window_end = _boundary(datetime.datetime.combine(day, end_t), ctx.zone)
        if window_start <= instant and instant + ctx.slot <= window_end:
            return True
    return False
