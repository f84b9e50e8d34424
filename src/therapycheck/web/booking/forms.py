"""Forms: the clinician's availability, and booking a consultation (client or guest)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms

from therapycheck.core import scheduling
from therapycheck.web.booking.models import GRID_MINUTES, Availability, ConsultationNotes
from therapycheck.web.booking.services import CONSULTATION_MINUTES, NOTE_FIELDS, time_zones
from therapycheck.web.reviews.models import Frequency

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
HOURS_HELP = "For example 09:00-12:00, 13:00-17:00. Leave empty for no consultations that day."
OVERRIDE_LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*:\s*(.*)$")


def _zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in time_zones()]


def parse_windows(text: str) -> list[tuple[dt.time, dt.time]]:
    """ "09:00-12:00, 13:00-17:00" -> times; ValueError with a plain message."""
    windows: list[tuple[dt.time, dt.time]] = []
    for part in [p for p in text.replace(";", ",").split(",") if p.strip()]:
        match = WINDOW.match(part)
        if match is None:
            raise ValueError(f"“{part.strip()}” is not a time range like 09:00-12:00.")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(f"“{part.strip()}” has a time that does not exist.")
        if m1 % GRID_MINUTES or m2 % GRID_MINUTES:
            raise ValueError(f"Use times on the {GRID_MINUTES}-minute mark, like 09:05 or 09:30.")
        windows.append((dt.time(h1, m1), dt.time(h2, m2)))
    return windows


def _hhmm(t: dt.time) -> str:
    return t.strftime("%H:%M")


def _minutes_field(label: str, max_value: int, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=max_value,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Enter a number (0 for none).",
            "invalid": "Enter a whole number, for example 10.",
            "min_value": "This cannot be below 0.",
            "max_value": f"This can be at most {max_value}.",
        },
    )


class AvailabilityForm(forms.Form):
    is_open = forms.BooleanField(
        label="I offer free consultations (people can book the times below)", required=False
    )
    timezone = forms.ChoiceField(
        label="Your time zone",
        help_text="Your hours below are in this zone. Clocks changing is handled for you.",
        error_messages={"invalid_choice": "Choose your time zone from the list."},
    )
    monday = forms.CharField(label="Monday", required=False, help_text=HOURS_HELP)
    tuesday = forms.CharField(label="Tuesday", required=False)
    wednesday = forms.CharField(label="Wednesday", required=False)
    thursday = forms.CharField(label="Thursday", required=False)
    friday = forms.CharField(label="Friday", required=False)
    saturday = forms.CharField(label="Saturday", required=False)
    sunday = forms.CharField(label="Sunday", required=False)
    overrides = forms.CharField(
        label="Exceptions (one day a line)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example “2027-12-24: 10:00-12:00” for other hours, or "
        "“2027-12-25: off” for a day off.",
    )
    buffer_before_minutes = _minutes_field(
        "Break before each consultation (minutes)", 120, "Use steps of 5 minutes."
    )
    buffer_after_minutes = _minutes_field("Break after each consultation (minutes)", 120)
    min_notice_hours = _minutes_field(
        "Minimum notice (hours)", 720, "How far ahead someone must book."
    )
    daily_cap = forms.IntegerField(
        label="Most consultations on one day (optional)",
        required=False,
        min_value=1,
        max_value=24,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": "Enter a whole number, or leave it empty for no limit.",
            "min_value": "Enter at least 1, or leave it empty for no limit.",
            "max_value": "Enter at most 24.",
        },
    )
    horizon_days = _minutes_field("How far ahead people can book (days)", 365)
    cancellation_window_hours = _minutes_field(
        "People can cancel or move until this many hours before", 168
    )
    approach = forms.CharField(
        label="How you would work, and why (shown on the consultation agenda)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    frequency = forms.CharField(label="How often you usually meet", required=False, max_length=200)
    fees = forms.CharField(
        label="Your fees after the free consultation", required=False, max_length=300
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = _zone_choices()  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(availability: Availability) -> dict[str, Any]:
        by_day: dict[int, list[str]] = {}
        for row in availability.weekly or []:
            by_day.setdefault(int(row["weekday"]), []).append(f"{row['start']}-{row['end']}")
        lines = []
        for row in availability.overrides or []:
            hours = ", ".join(f"{a}-{b}" for a, b in row.get("hours", [])) or "off"
            lines.append(f"{row['day']}: {hours}")
        return {
            "is_open": availability.is_open if availability.pk else True,
            "timezone": availability.timezone,
            **{day: ", ".join(by_day.get(i, [])) for i, day in enumerate(DAYS)},
            "overrides": "\n".join(lines),
            "buffer_before_minutes": availability.buffer_before_minutes,
            "buffer_after_minutes": availability.buffer_after_minutes,
            "min_notice_hours": availability.min_notice_minutes // 60,
            "daily_cap": availability.daily_cap,
            "horizon_days": availability.horizon_days,
            "cancellation_window_hours": availability.cancellation_window_hours,
            "approach": availability.approach,
            "frequency": availability.frequency,
            "fees": availability.fees,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weekly: list[dict[str, Any]] = []
        for i, day in enumerate(DAYS):
            try:
                windows = parse_windows(data.get(day) or "")
            except ValueError as exc:
                self.add_error(day, str(exc))
                continue
            weekly += [{"weekday": i, "start": _hhmm(a), "end": _hhmm(b)} for a, b in windows]
        overrides = self._overrides(data.get("overrides") or "")
        for name in ("buffer_before_minutes", "buffer_after_minutes"):
            value = data.get(name)
            if value is not None and value % GRID_MINUTES:
                self.add_error(name, f"Use steps of {GRID_MINUTES} minutes, like 5, 10 or 15.")
        if self.errors:
            return data
        data["weekly"] = weekly
        data["overrides"] = overrides
        data["min_notice_minutes"] = int(data.pop("min_notice_hours")) * 60
        for day in DAYS:
            data.pop(day, None)
        rules = scheduling.Rules(
            timezone=data["timezone"],
            weekly=tuple(
                scheduling.WeeklyHours(
                    w["weekday"], dt.time.fromisoformat(w["start"]), dt.time.fromisoformat(w["end"])
                )
                for w in weekly
            ),
            overrides=tuple(
                scheduling.DayOverride(
                    dt.date.fromisoformat(o["day"]),
                    tuple(
                        (dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in o["hours"]
                    ),
                )
                for o in overrides
            ),
            slot_minutes=CONSULTATION_MINUTES,
            buffer_before_minutes=data["buffer_before_minutes"],
            buffer_after_minutes=data["buffer_after_minutes"],
            min_notice_minutes=data["min_notice_minutes"],
            daily_cap=data.get("daily_cap"),
            horizon_days=data["horizon_days"],
        )
        try:
            scheduling.validate_rules(rules)
        except ValueError as exc:
            self.add_error(self._field_for(str(exc)), str(exc))
        if data["is_open"] and not weekly and not any(o["hours"] for o in overrides):
            self.add_error(
                "monday", "Give at least one day's hours, or untick “I offer free consultations”."
            )
        return data

    def _overrides(self, text: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for line in [line for line in text.splitlines() if line.strip()]:
            match = OVERRIDE_LINE.match(line)
            try:
                if match is None:
                    raise ValueError(
                        f"“{line.strip()}” should look like 2027-12-24: 10:00-12:00, "
                        "or 2027-12-25: off."
                    )
                day = dt.date.fromisoformat(match.group(1))
                rest = match.group(2).strip()
                windows = [] if rest.lower() in ("off", "closed", "") else parse_windows(rest)
            except ValueError as exc:
                message = str(exc)
                if (
                    "Invalid isoformat" in message
                    or "day is out of range" in message
                    or "month must be" in message
                ):
                    message = f"“{line.strip()}” has a date that does not exist."
                self.add_error("overrides", message)
                continue
            out.append(
                {"day": day.isoformat(), "hours": [[_hhmm(a), _hhmm(b)] for a, b in windows]}
            )
        return out

    @staticmethod
    def _field_for(message: str) -> str | None:
        """Put a rules error next to the day it is about, when it names one."""
        for i, name in enumerate(scheduling.WEEKDAY_NAMES):
            if message.startswith(name):
                return DAYS[i]
        if re.match(r"^\d{4}-\d{2}-\d{2}", message):
            return "overrides"
        if message.startswith("Unknown time zone"):
            return "timezone"
        return None


class BookForm(forms.Form):
    """The person's details: a guest gives a name and email; a client is signed in."""

    name = forms.CharField(
        label="Your name (or the name you want to be called)",
        max_length=100,
        error_messages={"required": "Enter a name so the specialist knows what to call you."},
    )
    email = forms.EmailField(
        label="Your email address",
        help_text="We send a link to confirm the booking. It is held for you for an hour.",
        error_messages={
            "required": "Enter your email address, so we can confirm the booking.",
            "invalid": "Enter an email address like name@example.org.",
        },
    )
    hopes = forms.CharField(
        label="What you hope for (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A line or two is enough. Please do not write anything you would not "
        "want the specialist to read before you meet.",
        error_messages={"max_length": "Please keep this to 1000 characters or fewer."},
    )

    def __init__(self, *args: Any, guest: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not guest:
            del self.fields["name"]
            del self.fields["email"]


def _notes_field(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=4000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Please keep this to 4000 characters or fewer."},
    )


class NotesForm(forms.ModelForm):  # type: ignore[type-arg]
    """The clinician's notes, under the shared agenda's headings, in the same order."""

    hopes = _notes_field(
        "What the person hopes for",
        "Becomes the goals of the treatment agreement. In their words where you can.",
    )
    approach = _notes_field("How we will work, and why")
    frequency = _notes_field("How often")
    session_frequency = forms.ChoiceField(
        label="How often, for the treatment agreement",
        required=False,
        choices=[("", "Not agreed yet"), *Frequency.choices],
        help_text="Becomes how often sessions are in the treatment agreement.",
        error_messages={"invalid_choice": "Choose how often from the list."},
    )
    fees = _notes_field("Fees")
    cancellation = _notes_field("Cancelling")
    confidentiality = _notes_field("Confidentiality")
    next_steps = _notes_field("What happens next")
    shared = forms.BooleanField(
        label="Let the person read these notes on their consultation page",
        required=False,
        help_text="Not shared unless you tick this.",
    )

    class Meta:
        model = ConsultationNotes
        fields = NOTE_FIELDS
