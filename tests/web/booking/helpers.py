"""Shared set-up for the booking tests: a clinician's availability and fixed moments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from therapycheck.web.booking.models import Availability

# A Monday in winter: London is on UTC (GMT), New York five hours behind.
NOW = dt.datetime(2027, 1, 4, 8, 0, tzinfo=dt.UTC)
WEEKDAYS_9_TO_17 = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]


def open_hours(member: Any, **fields: Any) -> Availability:
    """The clinician offers consultations on weekdays, 09:00 to 17:00 in their zone."""
    values: dict[str, Any] = {
        "timezone": "Europe/London",
        "weekly": WEEKDAYS_9_TO_17,
        "min_notice_minutes": 60,
        "cancellation_window_hours": 24,
    }
    values.update(fields)
    return Availability.objects.create(clinician=member, **values)


def at(day: str, hhmm: str, zone: str = "UTC") -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=ZoneInfo(zone))
