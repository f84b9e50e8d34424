"""One date format on every page: the long date, "5 December 2026".

Templates write `{{ when|long_date }}` instead of their own `date:"..."` format, so a
date reads the same on the results, the report and the lists.
"""

from __future__ import annotations

import datetime

from django import template
from django.utils import dateformat

register = template.Library()

LONG_DATE = "j F Y"
LONG_DATE_WITH_DAY = "l j F Y"
LONG_DATE_TIME = "j F Y, H:i"


def _as_date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.date):  # a datetime is a date too
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


@register.filter(expects_localtime=True)
def long_date(value: object) -> str:
    """ "5 December 2026"; empty for nothing; text that is not a date is shown as it is."""
    return _formatted(value, LONG_DATE)


@register.filter(expects_localtime=True)
def long_date_with_day(value: object) -> str:
    """ "Saturday 5 December 2026", for a day to plan around."""
    return _formatted(value, LONG_DATE_WITH_DAY)


@register.filter(expects_localtime=True)
def long_datetime(value: object) -> str:
    """ "5 December 2026, 14:05", for when something happened (audit log, alerts)."""
    if isinstance(value, datetime.datetime):
        return dateformat.format(value, LONG_DATE_TIME)
    return _formatted(value, LONG_DATE)


def _formatted(value: object, pattern: str) -> str:
    when = _as_date(value)
    if when is None:
        return "" if value is None else str(value)
    return dateformat.format(when, pattern)
