"""A clinician's consultation hours through the API: read them, and replace them.

    GET /api/v1/availability   your weekly hours, exceptions, zone, breaks, notice, cap, ...
    PUT /api/v1/availability   replace them all

The rules are the hours page's own. The body is turned into that page's form
(booking.forms.AvailabilityForm) and checked by it, so the API accepts exactly what the
page accepts; a refused body gets each field's message in the page's words (422), with
nothing saved. Saved by booking.services.save_availability, as the page saves it.

The schema below describes shapes only (a list of "09:00-12:00" strings, a whole number);
its bounds and descriptions are read from the form's fields, so they cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import ConfigDict, Field

from therapycheck.web.api.auth import TokenAuth, token_user
from therapycheck.web.api.schemas import ErrorOut
from therapycheck.web.api.tokens import AVAILABILITY_READ, AVAILABILITY_WRITE
from therapycheck.web.booking import services
from therapycheck.web.booking.forms import DAYS, AvailabilityForm
from therapycheck.web.booking.models import GRID_MINUTES, Availability
from therapycheck.web.clinic import access
from therapycheck.web.clinic.models import Membership

router = Router(tags=["consultations"])

_AUTH_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut}
# The form's whole-number fields, sent as JSON numbers.
_NUMBERS = (
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_hours",
    "daily_cap",
    "horizon_days",
    "cancellation_window_hours",
)
_TEXTS = ("approach", "frequency", "fees")
# What the page saves: every field of the stored availability that the form's cleaned data
# names (not the row's identity or its timestamp).
_SAVED = tuple(
    f.name
    for f in Availability._meta.concrete_fields
    if f.name not in ("id", "clinician", "updated_at")
)
_HOURS_TEXT = (
    'Times as "HH:MM-HH:MM" in your time zone, for example ["09:00-12:00", "13:00-17:00"]; '
    f"times on the {GRID_MINUTES}-minute mark. An empty list: no consultations that day."
)


def _from_form(name: str, text: str = "") -> tuple[str, dict[str, Any]]:
    """A schema field documented from the form's own field: its label, help, and bounds."""
    field = AvailabilityForm.base_fields[name]
    description = " ".join(str(p) for p in (field.label, field.help_text, text) if p)
    bounds: dict[str, Any] = {}
    for attr, key in (
        ("min_value", "minimum"),
        ("max_value", "maximum"),
        ("max_length", "maxLength"),
    ):
        value = getattr(field, attr, None)
        if value is not None:
            bounds[key] = value
    return description, bounds


def _field(name: str, default: Any = ..., text: str = "", **extra: Any) -> Any:
    description, bounds = _from_form(name, text)
    return Field(default, description=description, json_schema_extra={**bounds, **extra})


class WeeklyHoursIn(Schema):
    """Your usual hours on each day of the week."""

    model_config = ConfigDict(extra="forbid")

    monday: list[str] = Field(default_factory=list, description=_HOURS_TEXT)
    tuesday: list[str] = Field(default_factory=list)
    wednesday: list[str] = Field(default_factory=list)
    thursday: list[str] = Field(default_factory=list)
    friday: list[str] = Field(default_factory=list)
    saturday: list[str] = Field(default_factory=list)
    sunday: list[str] = Field(default_factory=list)


class ExceptionIn(Schema):
    """Other hours on one day, or a day off (no hours)."""

    model_config = ConfigDict(extra="forbid")

    day: str = Field(description="The day as YYYY-MM-DD, for example 2027-12-24.")
    hours: list[str] = Field(
        default_factory=list,
        description='That day\'s hours, like ["10:00-12:00"]; an empty list: the day is off.',
    )


class AvailabilityIn(Schema):
    """All of your consultation settings: a PUT replaces them all, as the page's Save does."""

    model_config = ConfigDict(extra="forbid")

    is_open: bool = Field(
        description="true: you offer free consultations and people can book your free times."
    )
    timezone: str = _field(
        "timezone",
        text="An IANA name, such as Europe/London.",
        enum=list(services.time_zones()),
    )
    weekly: WeeklyHoursIn = Field(default_factory=WeeklyHoursIn)
    exceptions: list[ExceptionIn] = Field(
        default_factory=list, description="Days with other hours, or days off."
    )
    buffer_before_minutes: int = _field("buffer_before_minutes")
    buffer_after_minutes: int = _field("buffer_after_minutes")
    min_notice_hours: int = _field("min_notice_hours")
    daily_cap: int | None = _field("daily_cap", None, text="null: no limit.")
    horizon_days: int = _field("horizon_days")
    cancellation_window_hours: int = _field("cancellation_window_hours")
    approach: str = _field("approach", "")
    frequency: str = _field("frequency", "")
    fees: str = _field("fees", "")


class WeeklyHoursOut(Schema):
    monday: list[str]
    tuesday: list[str]
    wednesday: list[str]
    thursday: list[str]
    friday: list[str]
    saturday: list[str]
    sunday: list[str]


class ExceptionOut(Schema):
    day: str
    hours: list[str]


class AvailabilityOut(Schema):
    """Your settings, in the shape a PUT takes back."""

    is_open: bool = Field(description="Whether people can book your free times now.")
    timezone: str
    weekly: WeeklyHoursOut
    exceptions: list[ExceptionOut]
    buffer_before_minutes: int
    buffer_after_minutes: int
    min_notice_hours: int = Field(description="Whole hours, as on the page.")
    daily_cap: int | None
    horizon_days: int
    cancellation_window_hours: int
    approach: str
    frequency: str
    fees: str


class AvailabilityInvalid(ValueError):
    """The form refused the body: `errors` holds each field's message (HTTP 422, api.py)."""

    def __init__(self, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.errors = errors


def _one_line(text: str) -> str:
    """The form reads exceptions one day a line: a line break inside a value must not make
    a second day, so it is sent as a space (and the form then refuses the odd value)."""
    return " ".join(text.splitlines())


def form_data(body: AvailabilityIn) -> dict[str, Any]:
    """The body as the hours page would post it."""
    data: dict[str, Any] = {
        "timezone": body.timezone,
        "overrides": "\n".join(
            f"{_one_line(e.day)}: {', '.join(_one_line(h) for h in e.hours) or 'off'}"
            for e in body.exceptions
        ),
    }
    if body.is_open:
        data["is_open"] = "on"
    for day in DAYS:
        data[day] = ", ".join(_one_line(h) for h in getattr(body.weekly, day))
    for name in _NUMBERS:
        value = getattr(body, name)
        data[name] = "" if value is None else str(value)
    for name in _TEXTS:
        data[name] = getattr(body, name)
    return data


def _loc(field: str) -> list[str | int]:
    """Where in the body a form field's error belongs; "body", "data" first, as in the
    errors of the body's shape (api.py's ValidationError handler)."""
    if field in DAYS:
        return ["body", "data", "weekly", field]
    if field == "overrides":
        return ["body", "data", "exceptions"]
    if field == NON_FIELD_ERRORS:
        return ["body", "data"]
    return ["body", "data", field]


def validated(body: AvailabilityIn) -> dict[str, Any]:
    """What the page would save for this body; MeasureInvalid (422) with every field's
    message when the form refuses it."""
    form = AvailabilityForm(form_data(body))
    if not form.is_valid():
        errors = [
            {"loc": _loc(field), "msg": str(error["message"])}
            for field, items in form.errors.get_json_data().items()
            for error in items
        ]
        fields = ", ".join(
            dict.fromkeys(".".join(map(str, e["loc"][2:])) or "body" for e in errors)
        )
        raise AvailabilityInvalid(f"Nothing was saved. Please correct: {fields}.", errors)
    return {name: form.cleaned_data[name] for name in _SAVED if name in form.cleaned_data}


def _hours(start: Any, end: Any) -> str:
    return f"{start}-{end}"


def as_body(availability: Availability) -> dict[str, Any]:
    """Stored settings in the API's shape (what GET answers and a PUT takes back)."""
    initial = AvailabilityForm.initial_for(availability)
    weekly: dict[str, list[str]] = {day: [] for day in DAYS}
    for row in availability.weekly or []:
        weekly[DAYS[int(row["weekday"])]].append(_hours(row["start"], row["end"]))
    return {
        # Not initial["is_open"]: the page suggests "open" to someone who never saved;
        # the API says what is true (availability_of: closed until saved).
        "is_open": availability.is_open,
        "timezone": availability.timezone,
        "weekly": weekly,
        "exceptions": [
            {"day": str(row["day"]), "hours": [_hours(a, b) for a, b in row.get("hours", [])]}
            for row in availability.overrides or []
        ],
        **{name: initial[name] for name in _NUMBERS},
        **{name: initial[name] or "" for name in _TEXTS},
    }


def _own_member(request: HttpRequest) -> Membership:
    member = access.membership_of(token_user(request))
    # The scopes already keep everyone else out; this is the page's own rule, kept here too.
    if member is None or not services.is_clinician(token_user(request)):
        raise HttpError(403, "Only clinicians offer consultations and set hours for them.")
    return member


@router.get(
    "/availability",
    response={200: AvailabilityOut, **_AUTH_ERRORS},
    auth=TokenAuth(AVAILABILITY_READ),
)
def get_availability(request: HttpRequest) -> dict[str, Any]:
    """Clinicians: your free-consultation hours and settings, as on the hours page."""
    return as_body(services.availability_of(_own_member(request)))


@router.put(
    "/availability",
    response={200: AvailabilityOut, 400: ErrorOut, **_AUTH_ERRORS, 422: ErrorOut},
    auth=TokenAuth(AVAILABILITY_WRITE),
)
def put_availability(request: HttpRequest, data: AvailabilityIn) -> dict[str, Any]:
    """Clinicians: replace your free-consultation hours and settings.

    Checked by the same rules as the hours page. When anything is refused the answer is 422
    with each field's message, and nothing is saved. Bookings already made keep their times.
    """
    member = _own_member(request)
    values = validated(data)
    # save_availability makes or locks the one row first, so two first saves at once
    # update it one after the other.
    return as_body(services.save_availability(member, values))
