"""Reading the audit log: a client's "who looked at my record", the clinic admin's log."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from therapycheck.web.accounts.models import Person
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.clinic.models import Membership

# How each action reads in a sentence ("Ada Rivers (Clinician) looked at measures").
VERBS = {
    AuditEvent.Action.VIEW: "looked at",
    AuditEvent.Action.CHANGE: "changed",
    AuditEvent.Action.CREATE: "added",
    AuditEvent.Action.EXPORT: "exported",
    AuditEvent.Action.ACKNOWLEDGE: "acknowledged",
}
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def in_words(event: AuditEvent) -> str:
    verb = VERBS.get(event.action, event.action)  # type: ignore[call-overload]
    return f"{verb} {event.what}"


def events_about(person: Person) -> QuerySet[AuditEvent]:
    """Everything others saw or changed of this person's record, newest first."""
    return AuditEvent.objects.filter(person_id=person.pk).order_by("-at", "-pk")


def clinic_events(
    clinic_id: int,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    actor_id: int | None = None,
) -> QuerySet[AuditEvent]:
    """One clinic's events (never another clinic's), newest first, filtered."""
    events = AuditEvent.objects.filter(clinic_id=clinic_id)
    if start is not None:
        events = events.filter(at__gte=_start_of(start))
    if end is not None:
        events = events.filter(at__lt=_start_of(end + dt.timedelta(days=1)))
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    return events.order_by("-at", "-pk")


def staff_of(clinic_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(clinic_id=clinic_id).order_by("display_name", "pk")


def as_csv(events: Iterable[AuditEvent]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["when_utc", "who", "action", "what", "client_record_id", "through"])
    for event in events:
        writer.writerow(
            [
                event.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                _cell(event.actor_label),
                event.action,
                _cell(event.what),
                "" if event.person_id is None else event.person_id,
                _cell(event.via),
            ]
        )
    return buffer.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _start_of(day: dt.date) -> dt.datetime:
    # Days as the clinic reads them: in the server's time zone.
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
