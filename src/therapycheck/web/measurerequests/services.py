"""Measure requests: who may make them, the signed link, answering, and the schedule.

Public entry points (views, the API and tasks call only these):

- `offered_instruments()`: the questionnaires a clinician can ask for.
- `requests_for(user)`, `requests_for_person(user, person)`, `request_for(user, pk)`.
- `requestable_person(user, person_id)`: the client, when `user` may ask them.
- `create_request(user, person, ...)`, `cancel_request(user, measure_request, ...)`.
- `token_for(r)`, `answer_url(r)`, `open_token(token)`, `submit_answers(r, answers)`,
  `completion_for(r)`.
- `send_request_email(r)`, `send_reminder(r)`, `start_next(r)`: the task bodies.

Access is decided only by clinic/access.py: a request can be made by a staff member who
may see the client's measures (`can_see(user, person, "measures")`), and goes through the
care link that lets them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from therapycheck.core import safety as core_safety
from therapycheck.core.instruments import all_instruments, get_instrument
from therapycheck.core.instruments.schema import Instrument
from therapycheck.core.safety import SafetyResponse
from therapycheck.core.scoring import score
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import response_for
from therapycheck.web.audit import log
from therapycheck.web.clinic import access
from therapycheck.web.clinic.models import Role
from therapycheck.web.measurerequests.models import MeasureRequest, Schedule
from therapycheck.web.scheduled import enqueue_at
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.tracking.models import Measurement
from therapycheck.web.tracking.services import safety_reasons, save_measurement

# The salt keeps these tokens from being valid anywhere else the secret key signs.
TOKEN_SALT = "therapycheck.measurerequests.answer"
MAX_EXPIRY_DAYS = 28
DEFAULT_EXPIRY_DAYS = 7


class NotAllowed(Exception):
    """The user may not ask this client (or see this request): show "not found"."""


class InvalidRequest(ValueError):
    """The request's details do not make sense (the message says what to fix)."""


class LinkState(StrEnum):
    OPEN = "open"
    INVALID = "invalid"
    EXPIRED = "expired"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Opened:
    """What a signed link leads to: the request (when the token names one) and its state."""

    state: LinkState
    request: MeasureRequest | None = None


@dataclass(frozen=True)
class Completion:
    """The questionnaires saved from a request, and the safety response to show first."""

    measurements: list[Measurement]
    safety: SafetyResponse | None
    moved: list[str] = field(default_factory=list)


# --- who may ask whom ------------------------------------------------------------------


def offered_instruments() -> list[Instrument]:
    return list(all_instruments())


def is_requester(user: Any) -> bool:
    """Clinicians and supervisors make requests; admins and clients never do."""
    return access.is_staff_member(user, Role.CLINICIAN, Role.SUPERVISOR)


def _sharing_links(user: Any) -> QuerySet[CareLink]:
    return access.visible_links(user).filter(share_measures=True)


def requestable_clients(user: Any) -> QuerySet[Person]:
    """The clients `user` may send a request to: they share their measures with them."""
    return access.visible_clients(user).filter(pk__in=_sharing_links(user).values("person_id"))


def requestable_person(user: Any, person_id: int) -> Person | None:
    person = Person.objects.filter(pk=person_id).first()
    if person is None or not is_requester(user):
        return None
    if person.user_id == getattr(user, "pk", None):
        # A staff member never asks themselves through a care link.
        return None
    return person if access.can_see(user, person, "measures") else None


def requests_for(user: Any) -> QuerySet[MeasureRequest]:
    """The requests `user` made, to clients who still share their measures with them."""
    member = access.membership_of(user)
    if member is None or not is_requester(user):
        return MeasureRequest.objects.none()
    return (
        MeasureRequest.objects.filter(
            clinician=member, person_id__in=_sharing_links(user).values("person_id")
        )
        .select_related("person", "clinician", "clinician__clinic")
        .order_by("-created_at", "-pk")
    )


def requests_for_person(user: Any, person: Person) -> QuerySet[MeasureRequest]:
    return requests_for(user).filter(person=person)


def request_for(user: Any, pk: int) -> MeasureRequest | None:
    return requests_for(user).filter(pk=pk).first()


def client_email(person: Person) -> str:
    """The client's account email (the only address a request is ever sent to)."""
    user = person.user
    return str(getattr(user, "email", "") or "") if user is not None else ""


# --- making and cancelling ---------------------------------------------------------------


def _describe(r: MeasureRequest) -> str:
    names = ", ".join(get_instrument(i).short_name for i in r.instruments)
    return f"measure request {r.pk}: {names} ({r.get_schedule_display().lower()})"


def create_request(
    user: Any,
    person: Person,
    *,
    instruments: Sequence[str],
    schedule: str = Schedule.ONCE,
    session_number: int | None = None,
    by_email: bool = False,
    expires_in_days: int = DEFAULT_EXPIRY_DAYS,
    remind_after_days: int | None = None,
    base_url: str,
    http_request: HttpRequest | None = None,
    via: str = "",
) -> MeasureRequest:
    """Make a request (and queue its email, reminder and next request).

    Raises NotAllowed when `user` may not see the client's measures, InvalidRequest when
    the details do not fit together. `base_url` is where the server is reached
    ("https://clinic.example.org/"), used for links in emails sent later by the worker.
    """
    if requestable_person(user, person.pk) is None:
        raise NotAllowed("no such client")
    member = access.membership_of(user)
    link = access.links_to(user, person).filter(share_measures=True).first()
    if member is None or link is None:
        raise NotAllowed("no such client")
    ids = _checked_instruments(instruments)
    _check_timing(schedule, expires_in_days, remind_after_days)
    if by_email and not client_email(person):
        raise InvalidRequest("This client has no email address. Show the link or QR code.")
    now = timezone.now()
    with transaction.atomic():
        r = MeasureRequest.objects.create(
            person=person,
            clinician=member,
            care_link=link,
            instruments=ids,
            schedule=schedule,
            session_number=session_number,
            by_email=by_email,
            created_at=now,
            send_on=now,
            expires_at=now + dt.timedelta(days=expires_in_days),
            remind_after_days=remind_after_days,
            base_url=base_url,
        )
        log.record(http_request, person, "create", _describe(r), user=user, via=via)
        _schedule(r)
    return r


def _checked_instruments(instruments: Sequence[str]) -> list[str]:
    known = {inst.id for inst in offered_instruments()}
    ids = list(dict.fromkeys(str(i) for i in instruments))
    if not ids:
        raise InvalidRequest("Choose at least one questionnaire.")
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InvalidRequest(f"Unknown questionnaire: {', '.join(unknown)}.")
    return ids


def _check_timing(schedule: str, expires_in_days: int, remind_after_days: int | None) -> None:
    if schedule not in Schedule.values:
        raise InvalidRequest("Choose how often to ask.")
    if not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise InvalidRequest(f"The link can work for 1 to {MAX_EXPIRY_DAYS} days.")
    repeat = {"weekly": 7, "every_2_weeks": 14, "every_4_weeks": 28}.get(schedule)
    if repeat is not None and expires_in_days > repeat:
        # One open link at a time: a link must close before the next one is sent.
        raise InvalidRequest(
            f"With this schedule the link can work for at most {repeat} days, "
            "so it closes before the next one is sent."
        )
    if remind_after_days is not None and not 1 <= remind_after_days < expires_in_days:
        raise InvalidRequest("The reminder must come before the link stops working.")


def cancel_request(
    user: Any,
    r: MeasureRequest,
    *,
    http_request: HttpRequest | None = None,
    via: str = "",
) -> bool:
    """Cancel an open request (and so its schedule); False when it was no longer open."""
    if request_for(user, r.pk) is None:
        raise NotAllowed("no such request")
    with transaction.atomic():
        locked = MeasureRequest.objects.select_for_update().get(pk=r.pk)
        if locked.status != MeasureRequest.Status.OPEN:
            return False
        locked.status = MeasureRequest.Status.CANCELLED
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["status", "cancelled_at"])
        log.record(
            http_request, r.person, "change", f"cancelled {_describe(locked)}", user=user, via=via
        )
    r.refresh_from_db()
    return True


def expire_overdue(now: dt.datetime | None = None) -> int:
    """Mark open requests past their expiry as expired (a list shows the true state)."""
    return MeasureRequest.objects.filter(
        status=MeasureRequest.Status.OPEN, expires_at__lte=now or timezone.now()
    ).update(status=MeasureRequest.Status.EXPIRED)


# --- the signed link -----------------------------------------------------------------------


def token_for(r: MeasureRequest) -> str:
    return signing.dumps({"r": r.pk, "n": r.nonce}, salt=TOKEN_SALT)


def answer_path(r: MeasureRequest) -> str:
    return reverse("measurerequests:answer", args=[token_for(r)])


def answer_url(r: MeasureRequest) -> str:
    return r.base_url.rstrip("/") + answer_path(r)


def link_is_live(r: MeasureRequest) -> bool:
    """The consent it goes through still stands (an ended link stops every request)."""
    link = r.care_link
    return link.status == CareLink.Status.ACTIVE and link.share_measures


def open_token(token: str, now: dt.datetime | None = None) -> Opened:
    """Check a link's token and say what it leads to; never raises for a bad token."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return Opened(LinkState.INVALID)
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        return Opened(LinkState.INVALID)
    r = (
        MeasureRequest.objects.select_related("person", "care_link", "clinician__clinic")
        .filter(pk=data["r"], nonce=str(data.get("n", "")))
        .first()
    )
    if r is None:
        return Opened(LinkState.INVALID)
    try:
        # The signature is only good for the request's lifetime (max_age), whatever its row says.
        signing.loads(token, salt=TOKEN_SALT, max_age=r.lifetime)
    except signing.SignatureExpired:
        return Opened(LinkState.EXPIRED, r)
    return Opened(_state(r, now or timezone.now()), r)


def _state(r: MeasureRequest, now: dt.datetime) -> LinkState:
    if r.status == MeasureRequest.Status.COMPLETED:
        return LinkState.COMPLETED
    if r.status == MeasureRequest.Status.CANCELLED or not link_is_live(r):
        return LinkState.CANCELLED
    if r.status == MeasureRequest.Status.EXPIRED or now >= r.expires_at:
        return LinkState.EXPIRED
    return LinkState.OPEN


# --- answering -----------------------------------------------------------------------------


class NotOpen(Exception):
    """The request closed (answered, expired, cancelled) before these answers arrived."""

    def __init__(self, state: LinkState) -> None:
        super().__init__(state.value)
        self.state = state


def instruments_of(r: MeasureRequest) -> list[Instrument]:
    return [get_instrument(i) for i in r.instruments]


def _session_for(person: Person, instrument_id: str, asked: int | None) -> tuple[int, bool]:
    """The session to save under, and whether it moved from the one asked.

    The request's session when given and still free for this questionnaire, else one after
    the client's latest (so an answer is never lost to a taken session number)."""
    rows = Measurement.objects.filter(person=person, instrument=instrument_id)
    if asked is not None and not rows.filter(session_number=asked).exists():
        return asked, False
    latest = rows.order_by("-session_number").values_list("session_number", flat=True).first()
    return (latest + 1 if latest is not None else 1), asked is not None


def submit_answers(
    r: MeasureRequest,
    answers: Mapping[str, Sequence[int]],
    *,
    http_request: HttpRequest | None = None,
) -> Completion:
    """Save every questionnaire of the request in one transaction, then close it.

    Raises NotOpen when the request closed meanwhile (nothing is saved), ScoringError for
    answers the scorer refuses (nothing is saved). A safety answer raises the client's
    safety event (save_measurement does) and the result carries the crisis response.
    """
    with transaction.atomic():
        locked = (
            MeasureRequest.objects.select_for_update()
            .select_related("person", "care_link", "clinician")
            .get(pk=r.pk)
        )
        state = _state(locked, timezone.now())
        if state != LinkState.OPEN:
            raise NotOpen(state)
        person = locked.person
        today = timezone.localdate()
        saved: list[Measurement] = []
        moved: list[str] = []
        for instrument_id in locked.instruments:
            session, was_moved = _session_for(person, instrument_id, locked.session_number)
            saved.append(
                save_measurement(
                    person,
                    instrument_id,
                    list(answers[instrument_id]),
                    session_number=session,
                    taken_on=today,
                    form_token=f"measure-request-{locked.pk}-{instrument_id}",
                )
            )
            if was_moved:
                moved.append(get_instrument(instrument_id).short_name)
        locked.status = MeasureRequest.Status.COMPLETED
        locked.completed_at = timezone.now()
        locked.save(update_fields=["status", "completed_at"])
        locked.measurements.set(saved)
        log.record(
            http_request,
            person,
            "create",
            f"measures answered through {_describe(locked)} from {locked.clinician.display_name}",
            via="measure request link",
        )
        if locked.repeats:
            # The schedule goes on: the next request is made now, sent on its due date.
            start_next(locked, early=True)
    r.refresh_from_db()
    return Completion(saved, _safety_for(person, saved), moved)


def completion_for(r: MeasureRequest) -> Completion:
    """What a completed request saved, with its safety response (for the thank-you page)."""
    saved = list(r.measurements.order_by("pk"))
    moved = [
        get_instrument(m.instrument).short_name
        for m in saved
        if r.session_number is not None and m.session_number != r.session_number
    ]
    return Completion(saved, _safety_for(r.person, saved), moved)


def _safety_for(person: Person, saved: Sequence[Measurement]) -> SafetyResponse | None:
    reasons: list[str] = []
    for m in saved:
        if "safety" in (m.flags or []):
            instrument = get_instrument(m.instrument)
            reasons += safety_reasons(instrument, score(instrument, list(m.answers)))
    if not reasons:
        return None
    return response_for(person, flags=[core_safety.SAFETY_FLAG], reasons=reasons, dangers=["self"])


def general_help(person: Person | None) -> SafetyResponse:
    """Help lines for anyone who opens a link (no crisis wording: nothing was answered)."""
    return core_safety.safety_response(country=person.country if person is not None else None)


# --- the schedule (bodies of the tasks in tasks.py) ------------------------------------------


def _schedule(r: MeasureRequest) -> None:
    from therapycheck.web.measurerequests import tasks

    if r.by_email:
        enqueue_at(tasks.send_request_email, r.send_on, r.pk)
        if r.remind_after_days:
            enqueue_at(
                tasks.send_reminder, r.send_on + dt.timedelta(days=r.remind_after_days), r.pk
            )
    due = r.next_due
    if due is not None:
        enqueue_at(tasks.start_next_request, due, r.pk)


def _fresh(pk: int) -> MeasureRequest | None:
    return (
        MeasureRequest.objects.select_related("person__user", "care_link", "clinician__clinic")
        .filter(pk=pk)
        .first()
    )


def _email_context(r: MeasureRequest) -> dict[str, Any]:
    return {
        "clinic_name": r.clinician.clinic.name,
        "clinician_name": r.clinician.display_name,
        "url": answer_url(r),
        "expires_at": r.expires_at,
    }


def _mail(r: MeasureRequest, kind: str) -> None:
    # Only the clinic, who asks, the link and when it stops working: no health information.
    context = _email_context(r)
    subject = render_to_string(f"measurerequests/email/{kind}_subject.txt", context)
    body = render_to_string(f"measurerequests/email/{kind}_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, [client_email(r.person)])


def send_request_email(pk: int, now: dt.datetime | None = None) -> str:
    """Email the link, once, when the request is due and still open."""
    now = now or timezone.now()
    with transaction.atomic():
        r = _fresh(pk)
        if r is None or not r.by_email or r.sent_at is not None:
            return "skipped"
        if _state(r, now) != LinkState.OPEN or now < r.send_on or not client_email(r.person):
            return "skipped"
        r.sent_at = now
        r.save(update_fields=["sent_at"])
        _mail(r, "request")
    return "sent"


def send_reminder(pk: int, now: dt.datetime | None = None) -> str:
    """One reminder, `remind_after_days` after sending, if the link is still unanswered."""
    now = now or timezone.now()
    with transaction.atomic():
        r = _fresh(pk)
        if r is None or not r.by_email or r.sent_at is None or not r.remind_after_days:
            return "skipped"
        if _state(r, now) != LinkState.OPEN or r.reminder_count > 0:
            return "skipped"
        if now < r.sent_at + dt.timedelta(days=r.remind_after_days):
            return "not yet"
        r.reminder_count += 1
        r.save(update_fields=["reminder_count"])
        _mail(r, "reminder")
    return "sent"


def start_next(
    r: MeasureRequest, *, early: bool = False, now: dt.datetime | None = None
) -> MeasureRequest | None:
    """Make the next request of a repeating schedule (once), due `next_due`.

    Called when the request is answered (`early`: the next one waits for its date) and by
    the task at the due date. A cancelled request or an ended care link ends the schedule.
    """
    now = now or timezone.now()
    due = r.next_due
    if due is None or r.status == MeasureRequest.Status.CANCELLED or not link_is_live(r):
        return None
    if not early and now < due:
        return None
    with transaction.atomic():
        locked = MeasureRequest.objects.select_for_update().get(pk=r.pk)
        existing = MeasureRequest.objects.filter(follows=locked).first()
        if existing is not None:
            return None
        if locked.status == MeasureRequest.Status.OPEN and now >= locked.expires_at:
            locked.status = MeasureRequest.Status.EXPIRED
            locked.save(update_fields=["status"])
        send_on = max(due, now)
        following = MeasureRequest.objects.create(
            person=r.person,
            clinician=r.clinician,
            care_link=r.care_link,
            instruments=list(r.instruments),
            schedule=r.schedule,
            # A repeating request belongs to whichever session comes next.
            session_number=None,
            by_email=r.by_email,
            created_at=now,
            send_on=send_on,
            expires_at=send_on + (r.expires_at - r.send_on),
            remind_after_days=r.remind_after_days,
            base_url=r.base_url,
            follows=locked,
        )
        _schedule(following)
    return following


def start_next_by_pk(pk: int) -> str:
    r = _fresh(pk)
    if r is None:
        return "skipped"
    return "created" if start_next(r) is not None else "skipped"
