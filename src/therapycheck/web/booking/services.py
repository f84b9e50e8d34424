"""Booking the free initial consultation: free times, booking, confirming, cancelling,
rescheduling, no-shows, emails. Views, tasks and tests call only these.

The times on offer come from core.scheduling (pure: rules + busy times -> free slots).
Whether a time is still free when someone books it is NOT decided by looking first: the
booking and its slot claims are inserted in one transaction, and the database's unique
constraint on (clinician, cell) lets exactly one of any overlapping bookings in (see
models.py). A loser gets SlotTaken and is shown other times.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import zoneinfo
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any, TypeVar

from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from therapycheck.core import scheduling
from therapycheck.web.accounts.models import Person
from therapycheck.web.audit import log
from therapycheck.web.booking.models import (
    GRID_MINUTES,
    AddressLock,
    Availability,
    Booking,
    ConsultationNotes,
    SlotClaim,
)
from therapycheck.web.clinic import access
from therapycheck.web.clinic.models import Enrolment, Membership, Role
from therapycheck.web.reviews.models import Agreement
from therapycheck.web.scheduled import enqueue_at

CONSULTATION_MINUTES = 30
M = TypeVar("M", bound=models.Model)
# A guest's held time is released when the email link is not used within this time.
HOLD_MINUTES = 60
# The reminder email goes out this long before the consultation.
REMINDER_BEFORE = dt.timedelta(hours=24)
VERIFY_SALT = "therapycheck.booking.verify"
MANAGE_SALT = "therapycheck.booking.manage"
ACTIVE = (Booking.Status.HELD, Booking.Status.CONFIRMED)
# Limits per email address (counted by address_key, checked under a lock on that address
# inside the booking's transaction). A guest holds a time before proving the address is
# theirs, so without a limit one person could block a specialist's whole diary, or every
# specialist's, without answering a single email. Two holds at once is enough to keep a
# second option while deciding.
HOLDS_PER_ADDRESS = 2
# The free consultation is one first meeting: one coming up (held or confirmed) per
# specialist per address, not a series of free sessions. Moving it to another time is
# always possible by its link.
UPCOMING_PER_SPECIALIST = 1


class SlotTaken(Exception):
    """Someone else booked an overlapping time first (the database refused the claim)."""


class NotBookable(ValueError):
    """The time is not on offer (outside the hours, too soon, past the cap, not on the grid)."""


class AddressLimit(NotBookable):
    """This email address already has as many holds or bookings as it may (see the limits
    above). `reason`: "holds" or "specialist"."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class NotAllowed(Exception):
    """This user may not do this here (show "not found" or "forbidden")."""


class TooLate(Exception):
    """The specialist's cancellation window has passed: the link can no longer change it."""


# --- who offers consultations ------------------------------------------------------------


def is_clinician(user: Any) -> bool:
    return access.is_staff_member(user, Role.CLINICIAN)


def offering_clinician(member_id: int) -> Membership | None:
    """A clinician who offers consultations (has open availability), else None."""
    return (
        Membership.objects.select_related("clinic", "availability")
        .filter(pk=member_id, role=Role.CLINICIAN, availability__is_open=True)
        .first()
    )


def availability_of(member: Membership) -> Availability:
    """The clinician's rules (a closed, empty set until they set their hours)."""
    found = Availability.objects.filter(clinician=member).first()
    return found if found is not None else Availability(clinician=member, is_open=False)


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(str(text))


def rules_of(availability: Availability) -> scheduling.Rules:
    """core.scheduling's rules from the stored availability (raises ValueError if broken)."""
    weekly = tuple(
        scheduling.WeeklyHours(int(row["weekday"]), _time(row["start"]), _time(row["end"]))
        for row in availability.weekly or []
    )
    overrides = tuple(
        scheduling.DayOverride(
            dt.date.fromisoformat(str(row["day"])),
            tuple((_time(a), _time(b)) for a, b in row.get("hours", [])),
        )
        for row in availability.overrides or []
    )
    return scheduling.Rules(
        timezone=availability.timezone,
        weekly=weekly,
        overrides=overrides,
        slot_minutes=CONSULTATION_MINUTES,
        buffer_before_minutes=availability.buffer_before_minutes,
        buffer_after_minutes=availability.buffer_after_minutes,
        min_notice_minutes=availability.min_notice_minutes,
        daily_cap=availability.daily_cap,
        horizon_days=availability.horizon_days,
    )


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def valid_zone(name: str | None, default: str) -> str:
    return name if name and name in time_zones() else default


# --- the grid and busy times ----------------------------------------------------------------


def _floor(moment: dt.datetime) -> dt.datetime:
    moment = moment.astimezone(dt.UTC)
    minutes = (moment.hour * 60 + moment.minute) // GRID_MINUTES * GRID_MINUTES
    return moment.replace(hour=minutes // 60, minute=minutes % 60, second=0, microsecond=0)


def cells(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The grid cells (their UTC starts) that [start, end) touches, rounded outwards."""
    step = dt.timedelta(minutes=GRID_MINUTES)
    cell = _floor(start)
    out: list[dt.datetime] = []
    while cell < end:
        out.append(cell)
        cell += step
    return out


def claimed_span(
    availability: Availability, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    """A booking's cells: the meeting and the clinician's buffers before and after it."""
    return cells(
        start - dt.timedelta(minutes=availability.buffer_before_minutes),
        end + dt.timedelta(minutes=availability.buffer_after_minutes),
    )


def busy_times(
    member: Membership, now: dt.datetime, *, ignore: Booking | None = None
) -> list[scheduling.Busy]:
    """The clinician's live consultations around the bookable range, one interval each.

    core.scheduling adds the buffers itself (each consultation owns its span plus both
    buffers; spans may touch, not overlap: the rule the slot claims enforce) and counts one
    interval per consultation toward the daily cap."""
    availability = availability_of(member)
    rows = Booking.objects.filter(
        clinician=member,
        status__in=ACTIVE,
        end__gt=now - dt.timedelta(days=1),
        start__lt=now + dt.timedelta(days=availability.horizon_days + 2),
    )
    if ignore is not None and ignore.pk:
        rows = rows.exclude(pk=ignore.pk)
    return [scheduling.Busy(start, end) for start, end in rows.values_list("start", "end")]


def free_slots(
    member: Membership,
    *,
    now: dt.datetime | None = None,
    days: int | None = None,
    ignore: Booking | None = None,
) -> list[scheduling.Slot]:
    """The times still free to book, soonest first (`ignore`: a booking being moved)."""
    now = now or timezone.now()
    release_expired_holds(now)
    availability = availability_of(member)
    if not availability.is_open or not (availability.weekly or availability.overrides):
        return []
    rules = rules_of(availability)
    zone = zoneinfo.ZoneInfo(availability.timezone)
    first_day = now.astimezone(zone).date()
    last_day = first_day + dt.timedelta(
        days=days if days is not None else availability.horizon_days
    )
    busy = busy_times(member, now, ignore=ignore)
    return scheduling.free_slots(rules, busy, now=now, start=first_day, end=last_day)


def check_bookable(
    member: Membership,
    start: dt.datetime,
    *,
    now: dt.datetime,
    ignore: Booking | None = None,
) -> Availability:
    """Raise NotBookable when `start` is not on offer. A friendly early answer only: the
    database constraint, not this, is what stops two bookings of one time."""
    availability = availability_of(member)
    if not availability.is_open:
        raise NotBookable("This specialist is not taking consultation bookings just now.")
    rules = rules_of(availability)
    busy = busy_times(member, now, ignore=ignore)
    if not scheduling.is_bookable(rules, busy, start, now=now):
        raise NotBookable("That time is not on offer. Please choose one of the times shown.")
    return availability


# --- booking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guest:
    name: str
    email: str


def _claim(booking: Booking, availability: Availability) -> None:
    SlotClaim.objects.bulk_create(
        SlotClaim(clinician_id=booking.clinician_id, cell=cell, booking=booking)
        for cell in claimed_span(availability, booking.start, booking.end)
    )


def book(
    member: Membership,
    start: dt.datetime,
    *,
    person: Person | None = None,
    guest: Guest | None = None,
    person_timezone: str = "UTC",
    hopes: str = "",
    base_url: str,
    now: dt.datetime | None = None,
) -> Booking:
    """Book a 30-minute consultation at `start` (UTC) for a client or a guest.

    A client's booking is confirmed at once (their account email is verified); a guest's is
    held until they open the emailed link. Raises NotBookable, or SlotTaken when someone
    else's booking took an overlapping time first (nothing is saved then).
    """
    if (person is None) == (guest is None):
        raise ValueError("a booking is for a client or for a guest")
    now = now or timezone.now()
    start = start.astimezone(dt.UTC)
    release_expired_holds(now)
    availability = check_bookable(member, start, now=now)
    end = start + dt.timedelta(minutes=CONSULTATION_MINUTES)
    if guest is not None:
        key = address_key(guest.email)
    else:
        user = getattr(person, "user", None)
        key = address_key(str(getattr(user, "email", "") or ""))
    try:
        with transaction.atomic():
            # Checked here, under the address's lock, not before the transaction: two
            # simultaneous bookings from one address queue for the lock and the second
            # counts the first.
            _within_address_limits(member, key, person=person, now=now)
            booking = Booking.objects.create(
                clinician=member,
                start=start,
                end=end,
                person=person,
                guest_name=guest.name if guest else "",
                guest_email=guest.email if guest else "",
                email_key=key,
                person_timezone=person_timezone,
                status=Booking.Status.CONFIRMED if person else Booking.Status.HELD,
                hopes=hopes,
                created_at=now,
                confirmed_at=now if person else None,
                hold_expires_at=None if person else now + dt.timedelta(minutes=HOLD_MINUTES),
                base_url=base_url,
            )
            _within_cap(member, availability, start, exclude=booking)
            # The guard against double booking: fails for every overlapping booking but one.
            _claim(booking, availability)
    except IntegrityError:
        raise SlotTaken("That time was just taken.") from None
    transaction.on_commit(lambda: _after_booking(booking.pk))
    return booking


def address_key(email: str) -> str:
    """The address the limits count by: lower case and without a "+tag" ("Robin+x@Mail.org"
    and "robin@mail.org" are one mailbox). Empty for no address."""
    text = unicodedata.normalize("NFKC", email).strip().casefold()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return text
    local = local.split("+", 1)[0] or local
    return f"{local}@{domain}"


def _made_and_locked(model: type[M], defaults: dict[str, Any] | None = None, **key: Any) -> M:
    """The one row of `model` with `key`, made on first use, locked for the rest of the
    transaction (call inside one).

    On PostgreSQL a second transaction's SELECT ... FOR UPDATE waits here until the first
    commits, so two first uses at once update one row instead of one failing on its unique
    constraint; SQLite's IMMEDIATE transactions already run one at a time."""
    model._default_manager.get_or_create(defaults=defaults, **key)
    return model._default_manager.select_for_update().get(**key)


def _live(now: dt.datetime) -> Q:
    """Bookings still coming up: confirmed, or held and not yet run out."""
    return Q(end__gt=now) & (
        Q(status=Booking.Status.CONFIRMED) | Q(status=Booking.Status.HELD, hold_expires_at__gt=now)
    )


def _within_address_limits(
    member: Membership, key: str, *, person: Person | None, now: dt.datetime
) -> None:
    """Raise AddressLimit when this address (or client) may not book this now."""
    mine = Q(person=person) if person is not None else Q(pk__in=[])
    if key:
        _made_and_locked(AddressLock, key=key)
        mine |= Q(email_key=key)
    elif person is None:
        return
    live = Booking.objects.filter(_live(now)).filter(mine)
    name = member.display_name
    if live.filter(clinician=member).count() >= UPCOMING_PER_SPECIALIST:
        if person is not None:
            message = (
                f"You already have a consultation with {name} coming up. The free "
                "consultation is one first meeting. To change its time, open it from your "
                "consultations (or the link in its email) and choose another time."
            )
        else:
            message = (
                f"This email address already has a consultation with {name} booked or "
                "waiting to be confirmed. The free consultation is one first meeting. "
                "Please use the link in the email we sent: you can confirm it there, choose "
                "another time, or cancel it. Then you can book again."
            )
        raise AddressLimit(message, "specialist")
    if person is None and live.filter(status=Booking.Status.HELD).count() >= HOLDS_PER_ADDRESS:
        raise AddressLimit(
            f"This email address already has {HOLDS_PER_ADDRESS} times waiting to be "
            "confirmed. Please open the emails we sent: confirm the time you want, or cancel "
            f"one by the link in its email. A time that is not confirmed is released after "
            f"{HOLD_MINUTES} minutes.",
            "holds",
        )


def _within_cap(
    member: Membership, availability: Availability, start: dt.datetime, *, exclude: Booking
) -> None:
    """Raise NotBookable when the day (in the clinician's zone) already has its cap.

    Runs inside the booking's transaction after locking the clinician's availability row,
    so two bookings of different times on a nearly full day cannot both pass: the second
    waits for the first to commit, then counts it. (SQLite's IMMEDIATE transactions are
    already one at a time.) Without a cap nothing is locked."""
    if availability.daily_cap is None or availability.pk is None:
        return
    Availability.objects.select_for_update().filter(pk=availability.pk).first()
    zone = zoneinfo.ZoneInfo(availability.timezone)
    day = start.astimezone(zone).date()
    first = dt.datetime.combine(day, dt.time(0), zone).astimezone(dt.UTC)
    last = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone).astimezone(dt.UTC)
    taken = (
        Booking.objects.filter(
            clinician=member, status__in=ACTIVE, start__gte=first, start__lt=last
        )
        .exclude(pk=exclude.pk)
        .count()
    )
    if taken >= availability.daily_cap:
        raise NotBookable("That day is fully booked. Please choose another day.")


def _after_booking(pk: int) -> None:
    from therapycheck.web.booking import tasks

    booking = Booking.objects.filter(pk=pk).first()
    if booking is None:
        return
    if booking.status == Booking.Status.HELD:
        tasks.send_booking_email.enqueue(pk, "verify")
    else:
        _confirmed(booking)


def _confirmed(booking: Booking) -> None:
    from therapycheck.web.booking import tasks

    tasks.send_booking_email.enqueue(booking.pk, "confirmation")
    enqueue_at(
        tasks.send_reminder, booking.start - REMINDER_BEFORE, booking.pk, booking.start.isoformat()
    )


def release_expired_holds(now: dt.datetime | None = None) -> int:
    """Cancel guest bookings whose email link was not used in time, freeing their time."""
    now = now or timezone.now()
    expired = Booking.objects.filter(status=Booking.Status.HELD, hold_expires_at__lte=now)
    if not expired.exists():
        return 0
    with transaction.atomic():
        pks = list(expired.values_list("pk", flat=True))
        SlotClaim.objects.filter(booking_id__in=pks).delete()
        return Booking.objects.filter(pk__in=pks, status=Booking.Status.HELD).update(
            status=Booking.Status.CANCELLED, cancelled_at=now, cancelled_by="expired"
        )


def confirm_guest(booking: Booking, now: dt.datetime | None = None) -> bool:
    """The guest opened the emailed link: confirm the held booking (once). False when the
    hold had already expired or the booking is no longer held."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = Booking.objects.filter(
            pk=booking.pk, status=Booking.Status.HELD, hold_expires_at__gt=now
        ).update(status=Booking.Status.CONFIRMED, confirmed_at=now)
        if changed:
            transaction.on_commit(lambda: _confirmed(Booking.objects.get(pk=booking.pk)))
    booking.refresh_from_db()
    return bool(changed)


def can_change_by_link(booking: Booking, now: dt.datetime | None = None) -> bool:
    """Inside the specialist's window: the person may still cancel or move it by link."""
    now = now or timezone.now()
    hours = availability_of(booking.clinician).cancellation_window_hours
    return booking.is_active and now <= booking.start - dt.timedelta(hours=hours)


def cancel(
    booking: Booking,
    *,
    by: str,
    now: dt.datetime | None = None,
    user: Any = None,
    http_request: HttpRequest | None = None,
) -> bool:
    """Cancel an active booking and free its time. `by`: "person" (the link: only inside the
    cancellation window, else TooLate) or "clinician". False when it was no longer active."""
    now = now or timezone.now()
    if by == "person" and booking.is_active and not can_change_by_link(booking, now):
        raise TooLate("too late to cancel by link")
    with transaction.atomic():
        changed = Booking.objects.filter(pk=booking.pk, status__in=ACTIVE).update(
            status=Booking.Status.CANCELLED, cancelled_at=now, cancelled_by=by
        )
        if changed:
            SlotClaim.objects.filter(booking_id=booking.pk).delete()
            if by == "clinician" and booking.person is not None:
                log.record(
                    http_request,
                    booking.person,
                    "change",
                    f"cancelled consultation {booking.pk}",
                    user=user,
                )
            transaction.on_commit(lambda: _notify(booking.pk, "cancellation"))
    booking.refresh_from_db()
    return bool(changed)


def reschedule(
    booking: Booking,
    new_start: dt.datetime,
    *,
    now: dt.datetime | None = None,
) -> Booking:
    """Move an active booking to `new_start` by its link: the old time is released and the
    new one claimed in one transaction, so either both happen or neither does. Raises
    TooLate, NotBookable, or SlotTaken (the booking keeps its old time)."""
    now = now or timezone.now()
    new_start = new_start.astimezone(dt.UTC)
    if not can_change_by_link(booking, now):
        raise TooLate("too late to move by link")
    availability = check_bookable(booking.clinician, new_start, now=now, ignore=booking)
    try:
        with transaction.atomic():
            locked = Booking.objects.select_for_update().get(pk=booking.pk)
            if not locked.is_active:
                raise NotBookable("This booking was cancelled.")
            _within_cap(booking.clinician, availability, new_start, exclude=locked)
            SlotClaim.objects.filter(booking=locked).delete()
            locked.start = new_start
            locked.end = new_start + dt.timedelta(minutes=CONSULTATION_MINUTES)
            locked.reminder_sent_at = None
            locked.save(update_fields=["start", "end", "reminder_sent_at"])
            _claim(locked, availability)
            if locked.status == Booking.Status.CONFIRMED:
                transaction.on_commit(lambda: _moved(locked.pk))
    except IntegrityError:
        raise SlotTaken("That time was just taken.") from None
    booking.refresh_from_db()
    return booking


def _moved(pk: int) -> None:
    from therapycheck.web.booking import tasks

    booking = Booking.objects.get(pk=pk)
    tasks.send_booking_email.enqueue(pk, "moved")
    enqueue_at(tasks.send_reminder, booking.start - REMINDER_BEFORE, pk, booking.start.isoformat())


def _notify(pk: int, kind: str) -> None:
    from therapycheck.web.booking import tasks

    tasks.send_booking_email.enqueue(pk, kind)


# --- the clinician's side ---------------------------------------------------------------------


def bookings_for(user: Any) -> QuerySet[Booking]:
    member = access.membership_of(user)
    if member is None or member.role != Role.CLINICIAN:
        return Booking.objects.none()
    return Booking.objects.filter(clinician=member).select_related("person", "clinician")


def booking_for(user: Any, pk: int) -> Booking | None:
    return bookings_for(user).filter(pk=pk).first()


def record_outcome(
    user: Any,
    booking: Booking,
    status: str,
    *,
    now: dt.datetime | None = None,
    http_request: HttpRequest | None = None,
) -> bool:
    """The clinician records that the consultation took place or the person did not come
    (only once it has started, and only for a confirmed booking)."""
    if booking_for(user, booking.pk) is None:
        raise NotAllowed("no such booking")
    if status not in (Booking.Status.NO_SHOW, Booking.Status.COMPLETED):
        raise ValueError(status)
    now = now or timezone.now()
    if now < booking.start:
        return False
    changed = Booking.objects.filter(pk=booking.pk, status=Booking.Status.CONFIRMED).update(
        status=status
    )
    if changed and booking.person is not None:
        label = "no-show" if status == Booking.Status.NO_SHOW else "completed"
        log.record(
            http_request,
            booking.person,
            "change",
            f"consultation {booking.pk} marked {label}",
            user=user,
        )
    booking.refresh_from_db()
    return bool(changed)


def save_availability(member: Membership, data: dict[str, Any]) -> Availability:
    """Store validated availability (the form validated it through core.scheduling).

    The row is made (closed) or locked first, so two first saves at the same moment, from
    two tabs or the page and the API, both succeed.
    """
    with transaction.atomic():
        availability = _made_and_locked(Availability, {"is_open": False}, clinician=member)
        for name, value in data.items():
            setattr(availability, name, value)
        availability.save()
    return availability


# --- signed links ---------------------------------------------------------------------------


class LinkState(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    EXPIRED = "expired"


def token_for(booking: Booking, purpose: str) -> str:
    return signing.dumps({"b": booking.pk, "n": booking.nonce}, salt=_salt(purpose))


def _salt(purpose: str) -> str:
    return VERIFY_SALT if purpose == "verify" else MANAGE_SALT


def open_token(token: str, purpose: str) -> tuple[LinkState, Booking | None]:
    """The booking a signed link names (never raises for a bad token)."""
    try:
        data = signing.loads(token, salt=_salt(purpose))
    except signing.BadSignature:
        return LinkState.INVALID, None
    if not isinstance(data, dict) or not isinstance(data.get("b"), int):
        return LinkState.INVALID, None
    booking = (
        Booking.objects.select_related("clinician__clinic", "person__user")
        .filter(pk=data["b"], nonce=str(data.get("n", "")))
        .first()
    )
    if booking is None:
        return LinkState.INVALID, None
    return LinkState.OK, booking


def link(booking: Booking, name: str, purpose: str) -> str:
    return booking.base_url.rstrip("/") + reverse(
        f"booking:{name}", args=[token_for(booking, purpose)]
    )


# --- what both sides see --------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaItem:
    title: str
    text: str


def agenda(booking: Booking) -> list[AgendaItem]:
    """The short agenda both sides see: the same items, in the same order."""
    availability = availability_of(booking.clinician)
    name = booking.clinician.display_name
    return [
        AgendaItem(
            "What you hope for",
            booking.hopes or "You say what brings you and what you hope will change.",
        ),
        AgendaItem(
            "How the specialist would work, and why",
            availability.approach or f"{name} explains how they would work with you and why.",
        ),
        AgendaItem(
            "How often",
            availability.frequency or "You agree how often you would meet, and for how long.",
        ),
        AgendaItem(
            "Fees",
            availability.fees
            or f"{name} tells you the fees and any sliding scale. This consultation is free.",
        ),
        AgendaItem(
            "Cancelling",
            f"You can cancel or move a session up to {availability.cancellation_window_hours} "
            "hours before it starts.",
        ),
        AgendaItem(
            "Confidentiality",
            "What you say stays private, with the legal limits the specialist explains "
            "(for example, when someone is in danger).",
        ),
        AgendaItem(
            "What happens next",
            "You both decide whether to go on. There is no obligation. If you go on, the notes "
            "of this meeting can become your treatment agreement.",
        ),
    ]


def local(moment: dt.datetime, zone: str) -> dt.datetime:
    return moment.astimezone(zoneinfo.ZoneInfo(zone))


# Times are formatted here, in the zone asked for: the template filters would convert them
# back to the server's zone (UTC).
def day_text(day: dt.date) -> str:
    """ "Tuesday 5 January 2027"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def clock_text(moment: dt.datetime) -> str:
    """ "10:00 GMT" (the zone's abbreviation, which changes with summer time)."""
    return f"{moment:%H:%M} {moment.tzname()}"


def when_text(moment: dt.datetime, zone: str) -> str:
    """ "Tuesday 5 January 2027, 10:00 GMT" in `zone`."""
    at = local(moment, zone)
    return f"{day_text(at.date())}, {clock_text(at)}"


# --- emails (bodies of the tasks) --------------------------------------------------------------


def ics(booking: Booking, *, cancelled: bool = False) -> bytes:
    """The consultation as a calendar file (times in UTC; calendars show them locally)."""
    from icalendar import Alarm, Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//therapycheck//consultation//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", f"consultation-{booking.pk}-{booking.nonce[:12]}@therapycheck.local")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", booking.start.astimezone(dt.UTC))
    event.add("dtend", booking.end.astimezone(dt.UTC))
    # Each change (a move, a cancellation) must replace the calendar's earlier copy.
    event.add("sequence", int((timezone.now() - booking.created_at).total_seconds()))
    event.add("summary", f"Free consultation with {booking.clinician.display_name}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancelled:
        event.add("description", "Manage or cancel: " + link(booking, "manage", "manage"))
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", "Free consultation")
        alarm.add("trigger", -dt.timedelta(minutes=30))
        event.add_component(alarm)
    calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body


EMAIL_KINDS = ("verify", "confirmation", "moved", "reminder", "cancellation")


def send_email(pk: int, kind: str) -> str:
    """One email about a booking to the person (no health information: times and links)."""
    booking = (
        Booking.objects.select_related("clinician__clinic", "person__user").filter(pk=pk).first()
    )
    if booking is None or kind not in EMAIL_KINDS or not booking.email:
        return "skipped"
    if kind == "cancellation" and booking.status != Booking.Status.CANCELLED:
        return "skipped"
    if kind == "verify" and booking.status != Booking.Status.HELD:
        return "skipped"
    if kind in ("confirmation", "moved", "reminder") and booking.status != Booking.Status.CONFIRMED:
        return "skipped"
    context = {
        "booking": booking,
        "clinician_name": booking.clinician.display_name,
        "clinic_name": booking.clinician.clinic.name,
        "when": when_text(booking.start, booking.person_timezone),
        "zone": booking.person_timezone,
        "verify_url": link(booking, "verify", "verify") if kind == "verify" else "",
        "manage_url": link(booking, "manage", "manage"),
        "hold_minutes": HOLD_MINUTES,
    }
    subject = " ".join(render_to_string(f"booking/email/{kind}_subject.txt", context).split())
    body = render_to_string(f"booking/email/{kind}_body.txt", context)
    message = EmailMessage(subject, body, None, [booking.email])
    if kind != "verify":
        message.attach(
            "consultation.ics", ics(booking, cancelled=kind == "cancellation"), "text/calendar"
        )
    message.send()
    return "sent"


def send_reminder(pk: int, start_iso: str, now: dt.datetime | None = None) -> str:
    """The reminder, once, if the booking is still confirmed at the time it was queued for."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = Booking.objects.select_for_update().filter(pk=pk).first()
        if booking is None or booking.status != Booking.Status.CONFIRMED:
            return "skipped"
        if booking.start.isoformat() != start_iso or booking.reminder_sent_at is not None:
            return "skipped"
        if now >= booking.start:
            return "skipped"
        booking.reminder_sent_at = now
        booking.save(update_fields=["reminder_sent_at"])
    return send_email(pk, "reminder")


# --- the consultation's notes and the treatment agreement -------------------------------------

# A new treatment agreement made from the notes gets its first review this far ahead; the
# clinician changes it (and picks the questionnaires) on the agreement page.
NEW_AGREEMENT_REVIEW = dt.timedelta(weeks=6)


class NoAgreement(Exception):
    """The notes cannot become a treatment agreement (yet): the message says why."""


def notes_of(booking: Booking) -> ConsultationNotes | None:
    return ConsultationNotes.objects.filter(booking=booking).first()


def draft_notes(booking: Booking) -> ConsultationNotes:
    """The saved notes, or unsaved ones started from what the agenda already says."""
    found = notes_of(booking)
    if found is not None:
        return found
    availability = availability_of(booking.clinician)
    return ConsultationNotes(
        booking=booking,
        hopes=booking.hopes,
        approach=availability.approach,
        frequency=availability.frequency,
        fees=availability.fees,
    )


NOTE_FIELDS = (
    "hopes",
    "approach",
    "frequency",
    "session_frequency",
    "fees",
    "cancellation",
    "confidentiality",
    "next_steps",
    "shared",
)


def save_notes(
    user: Any,
    booking: Booking,
    notes: ConsultationNotes,
    *,
    http_request: HttpRequest | None = None,
) -> ConsultationNotes:
    """Store the clinician's notes (only the booking's own clinician; audited when the
    person is a client with a record)."""
    if booking_for(user, booking.pk) is None:
        raise NotAllowed("no such booking")
    # update_or_create, not save(): two quick presses of "Save" must not both try to
    # insert the booking's one row (the second would fail on the unique booking).
    values = {name: getattr(notes, name) for name in NOTE_FIELDS}
    notes, _ = ConsultationNotes.objects.update_or_create(booking=booking, defaults=values)
    if booking.person is not None:
        log.record(
            http_request,
            booking.person,
            "change",
            f"notes of consultation {booking.pk} saved"
            + (" (shared with the person)" if notes.shared else ""),
            user=user,
        )
    return notes


def agreement_client(user: Any, booking: Booking) -> Person | None:
    """The person whose treatment agreement the notes may become: a client enrolled in the
    clinician's clinic who shares with this clinician through an active care link (decided by
    clinic/access.py). None for a guest or someone who is not (yet) their client."""
    member = access.membership_of(user)
    person = _person_of_booking(booking)
    if member is None or person is None or member.pk != booking.clinician_id:
        return None
    enrolment = Enrolment.objects.filter(person=person).first()
    if enrolment is None or enrolment.clinic_id != member.clinic_id:
        return None
    if not access.links_to(user, person).filter(clinician=member).exists():
        return None
    return person


def _person_of_booking(booking: Booking) -> Person | None:
    """The client who booked; for a guest, the person who later joined with the same email
    address (the guest proved it by confirming; the account's address is verified)."""
    if booking.person is not None:
        return booking.person
    if booking.confirmed_at is None or not booking.guest_email:
        return None
    from allauth.account.models import EmailAddress

    owners = EmailAddress.objects.filter(email__iexact=booking.guest_email, verified=True)
    return Person.objects.filter(user_id__in=owners.values("user_id")).first()


NOTES_HEADINGS = (
    ("hopes", "What the person hopes for"),
    ("approach", "How we will work, and why"),
    ("frequency", "How often"),
    ("fees", "Fees"),
    ("cancellation", "Cancelling"),
    ("confidentiality", "Confidentiality"),
    ("next_steps", "What happens next"),
)


def notes_items(notes: ConsultationNotes) -> list[AgendaItem]:
    """The written notes under the agenda's headings (empty headings left out)."""
    from therapycheck.web.reviews.models import Frequency

    items = []
    for name, title in NOTES_HEADINGS:
        text = str(getattr(notes, name)).strip()
        if name == "frequency" and notes.session_frequency in Frequency.values:
            agreed = str(Frequency(notes.session_frequency).label)
            text = f"{text} ({agreed})" if text else agreed
        if text:
            items.append(AgendaItem(title, text))
    return items


def notes_to_agreement(
    user: Any,
    booking: Booking,
    *,
    http_request: HttpRequest | None = None,
    today: dt.date | None = None,
) -> Agreement:
    """Create or update the client's treatment agreement from the consultation's notes:
    goals from "what the person hopes for", how often from the frequency chosen. An existing
    agreement keeps its questionnaires and review date; a new one has no questionnaires yet
    and a review NEW_AGREEMENT_REVIEW ahead. Audited. Raises NotAllowed or NoAgreement."""
    from therapycheck.web.reviews.models import Frequency

    if booking_for(user, booking.pk) is None:
        raise NotAllowed("no such booking")
    person = agreement_client(user, booking)
    if person is None:
        raise NoAgreement(
            "These notes can become a treatment agreement only once the person is a client "
            "of this clinic and shares with you."
        )
    notes = notes_of(booking)
    if notes is None or not notes.hopes.strip():
        raise NoAgreement("First write and save what the person hopes for: it becomes the goals.")
    if notes.session_frequency not in Frequency.values:
        raise NoAgreement("First choose and save how often you will meet, for the agreement.")
    member = access.membership_of(user)
    assert member is not None  # booking_for found it: the user is this booking's clinician
    today = today or timezone.localdate()
    try:
        return _write_agreement(user, booking, notes, person, member, http_request, today)
    except IntegrityError:
        # Someone made the client's one agreement at the same moment: update that one.
        return _write_agreement(user, booking, notes, person, member, http_request, today)


def _write_agreement(
    user: Any,
    booking: Booking,
    notes: ConsultationNotes,
    person: Person,
    member: Membership,
    http_request: HttpRequest | None,
    today: dt.date,
) -> Agreement:
    from therapycheck.web.reviews import services as reviews

    with transaction.atomic():
        agreement = Agreement.objects.select_for_update().filter(person=person).first()
        created = agreement is None
        if agreement is None:
            agreement = Agreement(
                person=person, measures=[], next_review=today + NEW_AGREEMENT_REVIEW
            )
        agreement.goals = notes.hopes.strip()
        agreement.session_frequency = notes.session_frequency
        reviews.save_agreement(agreement, person, member)
        ConsultationNotes.objects.filter(pk=notes.pk).update(agreement_written_at=timezone.now())
        log.record(
            http_request,
            person,
            "create" if created else "change",
            f"treatment agreement written from the notes of consultation {booking.pk}",
            user=user,
        )
    return agreement
