"""The free consultation as FHIR R4B: Schedule, Slot and Appointment (read and search).

    GET /fhir/Schedule/{id}                  a clinician's consultation schedule (id: member)
    GET /fhir/Slot?schedule={id}             its free and busy times, the next 31 days
    GET /fhir/Appointment?practitioner={id}  the clinician's consultations (their own token),
                                             or a client's own with that clinician
    GET /fhir/Appointment?patient={id}       a client's own consultations

Same tokens (fhir:read), errors (OperationOutcome) and audit as the other FHIR views. Free
and busy times are public on the booking page, so any token may read them; a busy Slot says
nothing about who booked it. An Appointment names the client as a Patient only when the
reader may open that client's record.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from therapycheck.web.accounts.models import Person
from therapycheck.web.api import fhir_resources as res
from therapycheck.web.api.fhir import BadRequest, NotFound, _base, _json, fhir_view
from therapycheck.web.audit.log import record
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.booking import services
from therapycheck.web.booking.models import Booking
from therapycheck.web.clinic import access
from therapycheck.web.clinic.models import Membership

_NUMBER = re.compile(r"^[1-9][0-9]{0,17}$")
# How far ahead Slot lists free times (the API's limit for one request, too).
SLOT_DAYS = 31
SERVICE = "Free initial consultation (30 minutes)"

# booking status -> FHIR R4B AppointmentStatus
APPOINTMENT_STATUS = {
    Booking.Status.HELD: "pending",
    Booking.Status.CONFIRMED: "booked",
    Booking.Status.CANCELLED: "cancelled",
    Booking.Status.NO_SHOW: "noshow",
    Booking.Status.COMPLETED: "fulfilled",
}


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def _schedule_ref(member: Membership) -> dict[str, Any]:
    return {"reference": f"Schedule/{member.pk}"}


def _practitioner_ref(member: Membership) -> dict[str, Any]:
    return {"reference": f"Practitioner/{member.pk}", "display": member.display_name}


def schedule(member: Membership, horizon_days: int) -> dict[str, Any]:
    now = timezone.now()
    return {
        "resourceType": "Schedule",
        "id": str(member.pk),
        "active": True,
        "serviceType": [{"text": SERVICE}],
        "actor": [_practitioner_ref(member)],
        "planningHorizon": {
            "start": _instant(now),
            "end": _instant(now + dt.timedelta(days=horizon_days)),
        },
        "comment": f"Free consultations with {member.display_name}, {member.clinic.name}.",
    }


def slot(member: Membership, start: dt.datetime, end: dt.datetime, status: str) -> dict[str, Any]:
    return {
        "resourceType": "Slot",
        "id": f"{status}-{member.pk}-{int(start.timestamp())}",
        "schedule": _schedule_ref(member),
        "status": status,
        "start": _instant(start),
        "end": _instant(end),
    }


def appointment(booking: Booking, patient: Person | None) -> dict[str, Any]:
    """`patient`: the client when the reader may see them (else only "a client")."""
    if patient is not None:
        client: dict[str, Any] = {
            "reference": f"Patient/{patient.pk}",
            "display": str(patient),
        }
    elif booking.person is None:
        client = {"display": booking.who or "Guest"}
    else:
        client = {"display": "A client"}
    return {
        "resourceType": "Appointment",
        "id": str(booking.pk),
        "status": APPOINTMENT_STATUS[Booking.Status(booking.status)],
        "serviceType": [{"text": SERVICE}],
        "start": _instant(booking.start),
        "end": _instant(booking.end),
        "minutesDuration": services.CONSULTATION_MINUTES,
        "created": booking.created_at.astimezone(dt.UTC).isoformat(),
        "participant": [
            {"actor": _practitioner_ref(booking.clinician), "status": "accepted"},
            {"actor": client, "status": "accepted"},
        ],
    }


def _offering(raw: str) -> Membership:
    raw = raw.removeprefix("Schedule/")
    member = services.offering_clinician(int(raw)) if _NUMBER.match(raw) else None
    if member is None:
        raise NotFound("No such schedule.")
    return member


@fhir_view
def schedule_read(request: HttpRequest, pk: str) -> HttpResponse:
    member = _offering(pk)
    horizon = services.availability_of(member).horizon_days
    return _json(res.validated(schedule(member, horizon)))


@fhir_view
def slots(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("schedule", "")
    if not raw:
        raise BadRequest("Search by schedule: ?schedule=<id>.")
    member = _offering(raw)
    now = timezone.now()
    free = [
        slot(member, s.start, s.end, "free")
        for s in services.free_slots(member, now=now, days=SLOT_DAYS)
    ]
    until = now + dt.timedelta(days=SLOT_DAYS)
    busy = [
        slot(member, start, end, "busy")
        for start, end in Booking.objects.filter(
            clinician=member, status__in=services.ACTIVE, end__gt=now, start__lt=until
        ).values_list("start", "end")
    ]
    found = sorted(free + busy, key=lambda r: (r["start"], r["status"]))
    return _json(res.searchset(request.build_absolute_uri(), _base(request), found))


def _param(request: HttpRequest, name: str, prefix: str) -> int | None:
    raw = request.GET.get(name, "").removeprefix(prefix)
    if not raw:
        return None
    if not _NUMBER.match(raw):
        raise NotFound(f"No such {name}.")
    return int(raw)


@fhir_view
def appointments(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    practitioner = _param(request, "practitioner", "Practitioner/")
    patient = _param(request, "patient", "Patient/")
    if practitioner is None and patient is None:
        raise BadRequest("Search by practitioner or patient: ?practitioner=<id>.")
    rows = Booking.objects.select_related("clinician__clinic", "person").order_by("start", "pk")
    own = access.membership_of(user)
    if own is not None:
        # Staff: only a clinician, and only their own consultations.
        if patient is not None or own.pk != practitioner or own.role != "clinician":
            raise NotFound("No such practitioner's consultations are yours to read.")
        rows = rows.filter(clinician=own)
    else:
        person = Person.objects.filter(user=user).first()
        if person is None or (patient is not None and patient != person.pk):
            raise NotFound("No such patient is shared with you.")
        rows = rows.filter(person=person)
        if practitioner is not None:
            rows = rows.filter(clinician_id=practitioner)
    found = []
    for booking in rows:
        visible = (
            booking.person
            if booking.person is not None and access.can_open(user, booking.person)
            else None
        )
        found.append(appointment(booking, visible))
    if own is not None:
        shown = {b.person.pk: b.person for b in rows if b.person is not None}
        for person in shown.values():
            if access.can_open(user, person):
                record(request, person, AuditEvent.Action.VIEW, "Consultations (FHIR Appointment)")
    return _json(res.searchset(request.build_absolute_uri(), _base(request), found))
