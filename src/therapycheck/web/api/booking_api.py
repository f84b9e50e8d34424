"""The free consultation through the API: a specialist's free times, and booking them.

    GET  /api/v1/specialists/{member_id}/slots?from=&to=   free times (public, no token)
    GET  /api/v1/bookings                                  your bookings or consultations
    POST /api/v1/bookings                                  a client books a free time
    POST /api/v1/bookings/{booking_id}/cancel              a client cancels their own
    POST /api/v1/bookings/{booking_id}/move                the client or the clinician moves it

Booking and moving go through booking.services.book and .reschedule, so the database's slot
claims (not a check before the insert) decide who gets a time: the loser gets 409. Free
times are public, as on the directory's booking page, and read-only; one request covers at
most 31 days.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.params.functions import Path, Query
from pydantic import AwareDatetime

from therapycheck.web.api import records
from therapycheck.web.api.auth import TokenAuth, token_user
from therapycheck.web.api.schemas import ErrorOut
from therapycheck.web.api.tokens import BOOKINGS_READ, BOOKINGS_WRITE
from therapycheck.web.audit.log import record
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.booking import services
from therapycheck.web.booking.models import Booking
from therapycheck.web.clinic import access
from therapycheck.web.clinic.models import Role

router = Router(tags=["consultations"])

# One request lists at most this many days of free times.
MAX_DAYS = 31
# Defined here, not imported from api.py, which imports this module.
_AUTH_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut}
_BIG = 2**63 - 1
_FROM = Query(None, alias="from", description="First day (specialist's zone); default today.")
_TO = Query(None, alias="to", description=f"Last day; default a week on; at most {MAX_DAYS} days.")


class SlotOut(Schema):
    start: dt.datetime = Field(description="Start, in UTC.")
    end: dt.datetime = Field(description="End, in UTC.")


class SlotsOut(Schema):
    member_id: int
    specialist: str
    timezone: str = Field(description="The specialist's time zone (IANA name).")
    first_day: dt.date = Field(description="First day listed, in the specialist's zone.")
    last_day: dt.date = Field(description="Last day listed, in the specialist's zone.")
    minutes: int = Field(description="How long each consultation lasts.")
    slots: list[SlotOut]


class BookingIn(Schema):
    member_id: int = Field(ge=1, le=_BIG, description="The specialist's member id.")
    start: AwareDatetime = Field(description="One of the free times, with its time zone.")
    timezone: str = Field(
        "UTC", max_length=64, description="Your time zone (IANA name), for the emails."
    )
    hopes: str = Field("", max_length=2000, description="What you hope the meeting covers.")


class MoveIn(Schema):
    start: AwareDatetime = Field(
        description="The new time: one of the specialist's free times, with its time zone."
    )


class BookingOut(Schema):
    id: int
    member_id: int
    specialist: str
    start: dt.datetime
    end: dt.datetime
    status: str = Field(description="held, confirmed, cancelled, no_show or completed.")
    person_id: int | None = Field(description="The client's person id (none for a guest).")
    who: str = Field(description="Who booked: the client's or guest's name.")


class BookingsOut(Schema):
    bookings: list[BookingOut]


def _booking_dict(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.pk,
        "member_id": booking.clinician_id,
        "specialist": booking.clinician.display_name,
        "start": booking.start,
        "end": booking.end,
        "status": booking.status,
        "person_id": booking.person_id,
        "who": booking.who,
    }


def _specialist(member_id: int) -> Any:
    member = services.offering_clinician(member_id)
    if member is None:
        raise Http404("No specialist with this id offers consultations.")
    return member


@router.get(
    "/specialists/{member_id}/slots",
    response={200: SlotsOut, 404: ErrorOut, 422: ErrorOut},
    auth=None,
)
def specialist_slots(
    request: HttpRequest,
    member_id: int = Path(..., ge=1, le=_BIG, description="The specialist's member id."),
    first: dt.date | None = _FROM,
    last: dt.date | None = _TO,
) -> dict[str, Any]:
    """A specialist's free 30-minute consultation times (no token needed)."""
    member = _specialist(member_id)
    availability = services.availability_of(member)
    zone = zoneinfo.ZoneInfo(availability.timezone)
    today = dt.datetime.now(dt.UTC).astimezone(zone).date()
    first = first or today
    if last is None:
        last = first + dt.timedelta(days=6) if first <= dt.date.max - dt.timedelta(6) else first
    if last < first:
        raise HttpError(422, "The last day ('to') comes before the first ('from').")
    if (last - first).days >= MAX_DAYS:
        raise HttpError(422, f"Ask for at most {MAX_DAYS} days at a time.")
    days = (last - today).days + 1
    slots = []
    if days > 0 and first <= today + dt.timedelta(days=availability.horizon_days):
        found = services.free_slots(member, days=min(days, availability.horizon_days))
        slots = [
            {"start": s.start, "end": s.end}
            for s in found
            if first <= s.start.astimezone(zone).date() <= last
        ]
    return {
        "member_id": member.pk,
        "specialist": member.display_name,
        "timezone": availability.timezone,
        "first_day": first,
        "last_day": last,
        "minutes": services.CONSULTATION_MINUTES,
        "slots": slots,
    }


@router.get(
    "/bookings",
    response={200: BookingsOut, **_AUTH_ERRORS},
    auth=TokenAuth(BOOKINGS_READ),
)
def list_bookings(request: HttpRequest) -> dict[str, Any]:
    """A client's own consultation bookings; a clinician's consultations (soonest first)."""
    user = token_user(request)
    if access.membership_of(user) is not None:
        rows = list(services.bookings_for(user).order_by("start", "pk"))
        # A clinician reading who booked them is a read of those clients' records.
        for person in {b.person.pk: b.person for b in rows if b.person is not None}.values():
            record(request, person, AuditEvent.Action.VIEW, "Consultation bookings")
    else:
        own = records.own_person(user)
        rows = (
            list(
                Booking.objects.filter(person=own)
                .select_related("clinician", "person")
                .order_by("start", "pk")
            )
            if own is not None
            else []
        )
    return {"bookings": [_booking_dict(b) for b in rows]}


def _client_only(user: Any) -> None:
    if access.membership_of(user) is not None:
        raise HttpError(403, "Staff cannot book consultations; clients book their own.")


@router.post(
    "/bookings",
    response={
        201: BookingOut,
        400: ErrorOut,
        **_AUTH_ERRORS,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    auth=TokenAuth(BOOKINGS_WRITE),
)
def create_booking(request: HttpRequest, data: BookingIn) -> Status[dict[str, Any]]:
    """Book one of a specialist's free times for yourself (clients only).

    The time must be one of the free times listed. If someone else took it first the answer
    is 409 and nothing is saved: list the free times again and choose another. The free
    consultation is one first meeting: with one already coming up with this specialist the
    answer is 409 too (move that one instead).
    """
    user = token_user(request)
    _client_only(user)
    member = _specialist(data.member_id)
    zone = services.valid_zone(data.timezone, "")
    if not zone:
        raise HttpError(422, "The time zone is not a known IANA name, such as Europe/London.")
    _on_offer_range(data.start)
    person = records.own_person(user, create=True)
    assert person is not None
    try:
        booking = services.book(
            member,
            data.start,
            person=person,
            person_timezone=zone,
            hopes=data.hopes,
            base_url=request.build_absolute_uri("/"),
        )
    except services.SlotTaken:
        raise HttpError(409, "That time was just taken. Please choose another.") from None
    except services.AddressLimit as exc:
        # Already a consultation coming up with this specialist: move it instead (/move).
        raise HttpError(409, str(exc)) from None
    except services.NotBookable as exc:
        if _taken(member, data.start):
            raise HttpError(409, "That time is already booked. Please choose another.") from None
        raise HttpError(422, str(exc)) from None
    return Status(201, _booking_dict(booking))


def _on_offer_range(start: dt.datetime) -> None:
    """Far-off years are never on offer, and would overflow the calendar arithmetic: 422."""
    now = dt.datetime.now(dt.UTC)
    try:
        far = abs(start.astimezone(dt.UTC).year - now.year) > 1
    except OverflowError:
        far = True
    if far:
        raise HttpError(422, "That time is not on offer. Please choose one of the free times.")


def _taken(member: Any, start: dt.datetime, *, moving: Booking | None = None) -> bool:
    """Is another live booking of this specialist at (overlapping) this time? Then the
    answer is "taken" (409), not "not on offer" (422). `moving`: not counted."""
    end = start + dt.timedelta(minutes=services.CONSULTATION_MINUTES)
    rows = Booking.objects.filter(
        clinician=member, status__in=services.ACTIVE, start__lt=end, end__gt=start
    )
    if moving is not None:
        rows = rows.exclude(pk=moving.pk)
    return rows.exists()


@router.post(
    "/bookings/{booking_id}/cancel",
    response={200: BookingOut, **_AUTH_ERRORS, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    auth=TokenAuth(BOOKINGS_WRITE),
)
def cancel_booking(
    request: HttpRequest,
    booking_id: int = Path(..., ge=1, le=_BIG, description="The booking's id."),
) -> dict[str, Any]:
    """Cancel your own booking, up to the specialist's cancellation window before it."""
    user = token_user(request)
    _client_only(user)
    booking = (
        Booking.objects.select_related("clinician", "person")
        .filter(pk=booking_id, person__user=user)
        .first()
    )
    if booking is None:
        raise Http404("You have no booking with this id.")
    try:
        changed = services.cancel(booking, by="person", user=user, http_request=request)
    except services.TooLate:
        raise HttpError(
            409, "It is too late to cancel by yourself: please contact the specialist."
        ) from None
    if not changed:
        raise HttpError(409, "This booking is no longer active.")
    return _booking_dict(booking)


def _movable(user: Any, booking_id: int) -> Booking:
    """The booking if `user` is its client or its clinician; else "not found" (404)."""
    member = access.membership_of(user)
    if member is None:
        rows = Booking.objects.filter(person__user=user)
    elif member.role == Role.CLINICIAN:
        rows = services.bookings_for(user)
    else:
        # No other role holds bookings:write; kept in case the scopes ever change.
        raise HttpError(403, "Only the client who booked and their specialist move a booking.")
    booking = rows.select_related("clinician", "person").filter(pk=booking_id).first()
    if booking is None:
        raise Http404("You have no booking with this id.")
    return booking


@router.post(
    "/bookings/{booking_id}/move",
    response={
        200: BookingOut,
        400: ErrorOut,
        **_AUTH_ERRORS,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    auth=TokenAuth(BOOKINGS_WRITE),
)
def move_booking(
    request: HttpRequest,
    data: MoveIn,
    booking_id: int = Path(..., ge=1, le=_BIG, description="The booking's id."),
) -> dict[str, Any]:
    """Move a consultation to another free time: a client their own, a clinician one of
    theirs. Allowed up to the specialist's cancellation window before the booked time.

    The old time is freed and the new one taken together, or neither: if someone else took
    the new time first the answer is 409 and the booking keeps its time. The client is
    emailed the new time, as when they move it by link.
    """
    user = token_user(request)
    booking = _movable(user, booking_id)
    if not booking.is_active:
        raise HttpError(409, "This booking is no longer active.")
    _on_offer_range(data.start)
    member = booking.clinician
    staff = access.membership_of(user) is not None
    try:
        with transaction.atomic():
            moved = services.reschedule(booking, data.start)
            # A clinician changing a client's booking changes that client's record.
            if staff and moved.person is not None:
                record(
                    request,
                    moved.person,
                    AuditEvent.Action.CHANGE,
                    f"moved consultation {moved.pk}",
                )
    except services.TooLate:
        hours = services.availability_of(member).cancellation_window_hours
        other = "the person" if staff else "the specialist"
        raise HttpError(
            409,
            f"It is too late to move this consultation: changes end {hours} hours before it "
            f"starts. Please contact {other} directly.",
        ) from None
    except services.SlotTaken:
        raise HttpError(
            409, "That time was just taken. The booking keeps its time; please choose another."
        ) from None
    except services.NotBookable as exc:
        booking.refresh_from_db()
        if not booking.is_active:
            raise HttpError(409, "This booking is no longer active.") from None
        if _taken(member, data.start, moving=booking):
            raise HttpError(
                409,
                "That time is already booked. The booking keeps its time; please choose another.",
            ) from None
        raise HttpError(422, str(exc)) from None
    return _booking_dict(moved)
