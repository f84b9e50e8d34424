"""Measure requests through the API: only through web.measurerequests.services, which
decides who may ask whom (clinic/access.py) and writes the audit log for changes."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from therapycheck.web.api.records import MeasureInvalid
from therapycheck.web.audit.log import record
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.measurerequests import services
from therapycheck.web.measurerequests.models import MeasureRequest


def request_dict(r: MeasureRequest) -> dict[str, Any]:
    live = r.is_open and services.link_is_live(r)
    return {
        "id": r.pk,
        "person_id": r.person_id,
        "display_name": r.person.display_name or f"Client {r.person_id}",
        "clinician": r.clinician.display_name,
        "instruments": list(r.instruments),
        "instrument_names": r.instrument_names,
        "schedule": r.schedule,
        "status": r.status,
        "session_number": r.session_number,
        "by_email": r.by_email,
        "created_at": r.created_at,
        "sent_at": r.sent_at,
        "expires_at": r.expires_at,
        "completed_at": r.completed_at,
        "cancelled_at": r.cancelled_at,
        "answer_url": services.answer_url(r) if live else None,
        "measure_ids": sorted(m.pk for m in r.measurements.all()),
    }


def list_requests(request: HttpRequest, person_id: int | None) -> dict[str, Any]:
    """The requests the user made (to clients who still share measures), newest first."""
    rows = services.requests_for(request.user).prefetch_related("measurements")
    if person_id is not None:
        rows = rows.filter(person_id=person_id)
    found = list(rows[:500])
    for person in {r.person_id: r.person for r in found}.values():
        record(request, person, AuditEvent.Action.VIEW, "Measure requests")
    return {"requests": [request_dict(r) for r in found]}


def create(request: HttpRequest, data: Any) -> dict[str, Any]:
    person = services.requestable_person(request.user, data.person_id)
    if person is None:
        raise Http404("No such client shares their measures with you.")
    try:
        made = services.create_request(
            request.user,
            person,
            instruments=data.instruments,
            schedule=data.schedule,
            session_number=data.session_number,
            by_email=data.by_email,
            expires_in_days=data.expires_in_days,
            remind_after_days=data.remind_after_days,
            base_url=request.build_absolute_uri("/"),
            http_request=request,
        )
    except services.NotAllowed:
        raise Http404("No such client shares their measures with you.") from None
    except services.InvalidRequest as exc:
        raise MeasureInvalid(str(exc), ["body", "data"]) from None
    return request_dict(made)
