"""Check-in reminders as a calendar file the person adds to their own calendar.

Nothing is sent from this computer: the app makes an .ics file (RFC 5545) with one
recurring event, and the person's calendar app does the reminding. The `icalendar`
package writes the format.
"""

from __future__ import annotations

import datetime as dt
import uuid

from icalendar import Alarm, Calendar, Event, vRecur

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SUMMARY = "Therapy check-in"
DESCRIPTION = (
    "After your session, open therapycheck on your computer and do the check-in: "
    "Measures, then After-session check-in. It takes a few minutes."
)


def first_day(start: dt.date, weekday: int) -> dt.date:
    """The first day on or after `start` that falls on `weekday` (0 = Monday)."""
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


def reminder_ics(
    *,
    weekday: int,
    at: dt.time,
    every_weeks: int,
    start: dt.date,
    minutes: int = 15,
    check_in_url: str = "",
) -> bytes:
    """A calendar with one event that repeats every `every_weeks` weeks on `weekday`.

    The time has no time zone on purpose (a "floating" time): the calendar shows it at
    that clock time wherever the person is.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//therapycheck//check-in reminder//EN")
    calendar.add("version", "2.0")
    event = Event()
    begins = dt.datetime.combine(first_day(start, weekday), at)
    event.add("uid", f"{uuid.uuid4()}@therapycheck.local")
    event.add("dtstamp", dt.datetime.now(dt.UTC))
    event.add("dtstart", begins)
    event.add("dtend", begins + dt.timedelta(minutes=minutes))
    event.add("summary", SUMMARY)
    description = DESCRIPTION + (f" {check_in_url}" if check_in_url else "")
    event.add("description", description)
    event.add("rrule", vRecur(freq="WEEKLY", interval=every_weeks, byday=WEEKDAYS[weekday]))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", SUMMARY)
    alarm.add("trigger", dt.timedelta(0))
    event.add_component(alarm)
    calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body
