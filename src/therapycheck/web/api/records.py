"""What the API reads and writes, in the API's shapes; the views only call these.

Whose record a request may touch is decided by clinic/access.py alone: `shared_person`
answers 404 for anyone the token's owner may not see (the record's existence is not
revealed). Reads of someone else's record are written to the audit log by the callers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from therapycheck.core import safety as core_safety
from therapycheck.core import scoring
from therapycheck.core.instruments import get_instrument, instrument_ids
from therapycheck.web.accounts.models import Person
from therapycheck.web.accounts.safety import response_for
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.checkups.presenters import current_safety
from therapycheck.web.clinic import access
from therapycheck.web.clinic.caseload import CaseloadRow, caseload
from therapycheck.web.clinic.clinic_models import judging
from therapycheck.web.clinic.models import Enrolment
from therapycheck.web.tracking.models import Measurement
from therapycheck.web.tracking.services import safety_reasons, save_measurement

# Dates before this are typing mistakes, not therapy records.
EARLIEST_DATE = dt.date(1900, 1, 1)


class MeasureInvalid(ValueError):
    """The posted answers cannot be saved; `loc` names the field at fault."""

    def __init__(self, message: str, loc: Sequence[str | int]) -> None:
        super().__init__(message)
        self.loc = list(loc)


def own_person(user: Any, *, create: bool = False) -> Person | None:
    """The token owner's own record; made on first write, as the web pages do."""
    person = Person.objects.filter(user=user).first()
    if person is None and create:
        person, _ = Person.objects.get_or_create(
            user=user,
            defaults={"key": f"user-{user.pk}", "country": settings.THERAPYCHECK_COUNTRY},
        )
    return person


def shared_person(user: Any, person_id: int, what: access.Shared) -> Person:
    """The person `person_id` if `user` may see this part of their record, else Http404."""
    person = Person.objects.filter(pk=person_id).first()
    if person is None or not access.can_see(user, person, what):
        raise Http404("No such record is shared with you.")
    return person


def clinic_name(user: Any) -> str | None:
    """The clinic the user works at, or is a client of."""
    member = access.membership_of(user)
    if member is not None:
        return str(member.clinic.name)
    enrolment = Enrolment.objects.filter(person__user=user).select_related("clinic").first()
    return str(enrolment.clinic.name) if enrolment is not None else None


def role_name(user: Any) -> str:
    member = access.membership_of(user)
    return str(member.role) if member is not None else "client"


# --------------------------------------------------------------------------- safety


# Who reads a response: the person themself, or a clinician reading a client's record.
Reader = Literal["client", "clinician"]


def safety_dict(
    response: core_safety.SafetyResponse | None, *, reader: Reader = "client"
) -> dict[str, Any] | None:
    """The crisis response, worded for its reader (`audience` says which)."""
    if response is None:
        return None
    if reader == "clinician":
        response = response.for_clinician()
    return {**response.to_dict(), "audience": reader}


def measures_safety(
    person: Person, measurements: Iterable[Measurement], *, reader: Reader = "client"
) -> dict[str, Any] | None:
    """The crisis response for the person's country when any measure has a risk answer."""
    reasons: list[str] = []
    for m in measurements:
        if m.has_safety_flag:
            instrument = get_instrument(m.instrument)
            reasons += safety_reasons(instrument, scoring.score(instrument, list(m.answers)))
    if not reasons:
        return None
    return safety_dict(
        response_for(person, flags=[core_safety.SAFETY_FLAG], reasons=reasons, dangers=["self"]),
        reader=reader,
    )


# --------------------------------------------------------------------------- measures


def measurement_dict(m: Measurement) -> dict[str, Any]:
    return {
        "id": m.pk,
        "instrument": m.instrument,
        "instrument_name": get_instrument(m.instrument).short_name,
        "session_number": m.session_number,
        "taken_on": m.taken_on,
        "answers": list(m.answers or []),
        "total": m.total,
        "band": m.band,
        "flags": [str(flag) for flag in (m.flags or [])],
        "subscales": dict(m.subscales or {}),
        "created_at": m.created_at,
    }


def measurements_of(person: Person) -> list[Measurement]:
    return list(Measurement.objects.filter(person=person).order_by("instrument", "session_number"))


def measures_response(person: Person, *, reader: Reader = "client") -> dict[str, Any]:
    rows = measurements_of(person)
    return {
        "safety": measures_safety(person, rows, reader=reader),
        "person_id": person.pk,
        "measures": [measurement_dict(m) for m in rows],
    }


def add_measure(
    person: Person,
    instrument_id: str,
    answers: Sequence[int],
    *,
    session_number: int,
    taken_on: dt.date | None,
) -> dict[str, Any]:
    """Score and save one questionnaire (core.scoring via tracking.services).

    Raises MeasureInvalid (422) for answers that do not fit the questionnaire and
    tracking.services.DuplicateSession (409) when that session already has one. A risk
    answer raises the crisis banner (save_measurement calls mark_safety_event) and the
    response carries the crisis resources for the person's country, first.
    """
    if instrument_id not in instrument_ids():
        known = ", ".join(instrument_ids())
        raise MeasureInvalid(
            f"{instrument_id!r} is not a questionnaire this app knows. Use one of: {known}.",
            ["body", "data", "instrument"],
        )
    day = taken_on or timezone.localdate()
    if day > timezone.localdate() + dt.timedelta(days=1):
        raise MeasureInvalid("The date is in the future.", ["body", "data", "taken_on"])
    if day < EARLIEST_DATE:
        raise MeasureInvalid("The date is too far in the past.", ["body", "data", "taken_on"])
    try:
        with transaction.atomic():
            saved = save_measurement(
                person, instrument_id, answers, session_number=session_number, taken_on=day
            )
    except scoring.ScoringError as exc:
        loc: list[str | int] = ["body", "data", "answers"]
        if exc.item is not None:
            loc.append(exc.item - 1)
        raise MeasureInvalid(f"{exc}.", loc) from None
    return {"safety": measures_safety(person, [saved]), "measure": measurement_dict(saved)}


# --------------------------------------------------------------------------- check-ups


def checkups_response(person: Person, *, reader: Reader = "client") -> dict[str, Any]:
    """The person's finished check-ups with their stored results, newest first."""
    rows = list(
        Checkup.objects.filter(person=person, status=Checkup.Status.COMPLETED).order_by(
            "-completed_at", "-pk"
        )
    )
    items = []
    crisis: Checkup | None = None
    for checkup in rows:
        result = checkup.stored_result()
        if result is not None and result.crisis and crisis is None:
            crisis = checkup
        items.append(
            {
                "id": checkup.pk,
                "status": checkup.status,
                "started_at": checkup.started_at,
                "completed_at": checkup.completed_at,
                "result_readable": result is not None or checkup.result is None,
                "result": result,
            }
        )
    safety = None
    if crisis is not None:
        # The newest check-up with a risk answer, as its results page shows it now: its
        # reasons and dangers, the person's country, and no step naming a therapist whose
        # conduct the check-up found unsafe.
        safety = safety_dict(current_safety(crisis, person.country), reader=reader)
    return {"safety": safety, "person_id": person.pk, "checkups": items}


# --------------------------------------------------------------------------- caseload


def caseload_rows(user: Any) -> list[CaseloadRow]:
    """The caseload exactly as the caseload page computes it (same models, same rules)."""
    member = access.membership_of(user)
    if member is None:
        return []
    return caseload(user, **judging(member.clinic).arguments)


def caseload_dict(row: CaseloadRow) -> dict[str, Any]:
    safety = None
    if row.has_risk:
        risks = [a for a in row.alerts if a.kind == "risk"]
        # A questionnaire's risk item asks about hurting oneself; a check-up answer may be
        # about another danger, so then the response speaks to safety in general.
        self_harm = all(a.instrument is not None for a in risks)
        safety = safety_dict(
            core_safety.safety_response(
                flags=[core_safety.SAFETY_FLAG] if self_harm else [],
                reasons=[a.reason for a in risks],
                country=row.person.country,
            ),
            reader="clinician",
        )
    return {
        "safety": safety,
        "person_id": row.person.pk,
        "display_name": row.person.display_name or f"Client {row.person.pk}",
        "clinicians": list(row.clinicians),
        "shares_measures": row.shares_measures,
        "shares_checkups": row.shares_checkups,
        "has_risk": row.has_risk,
        "last_measured": row.last_measured,
        "alerts": [alert.to_dict() for alert in row.alerts],
        "series": [
            {
                "instrument": s.instrument,
                "name": s.name,
                "latest_total": s.latest_total,
                "latest_session": s.latest_session,
                "latest_date": s.latest_date,
                "band": s.band,
                "status": str(s.status.status),
                "status_label": s.status.label,
                "review_due": s.status.review_due,
                "explanation": s.status.explanation,
                "totals": list(s.totals),
            }
            for s in row.series
        ],
    }
