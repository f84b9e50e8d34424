"""FHIR R4B read and search at /fhir/ (application/fhir+json), with the API's tokens.

    GET /fhir/Patient/{id}                      the client (anyone who may open the record)
    GET /fhir/Practitioner/{id}                 a clinician (same clinic, or their client)
    GET /fhir/Questionnaire[/{id}]              the instruments (phq9, gad7, wai-sr, ...)
    GET /fhir/QuestionnaireResponse?patient=ID  a client's questionnaires (measures shared)
    GET /fhir/Observation?patient=ID            their total scores (measures shared)
    GET /fhir/QuestionnaireResponse/{id}, /fhir/Observation/{id}
    GET /fhir/metadata                          the CapabilityStatement (no token needed)

Every request but metadata needs a token with the fhir:read scope. Someone else's record that is not
shared with the token's owner is "not found" (OperationOutcome, 404), as in the API, and
every read of someone else's record is written to the audit log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from therapycheck.core.instruments import instrument_ids
from therapycheck.web.accounts.models import Person
from therapycheck.web.api import fhir_resources as res
from therapycheck.web.api import tokens
from therapycheck.web.api.auth import bearer_token
from therapycheck.web.api.models import Scope
from therapycheck.web.audit.log import record
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.clinic import access
from therapycheck.web.clinic.models import Membership
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.tracking.models import Measurement

CONTENT_TYPE = "application/fhir+json; charset=utf-8"
_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_NUMBER = re.compile(r"^[1-9][0-9]{0,17}$")


class NotFound(Exception):
    pass


class BadRequest(Exception):
    pass


def _json(data: dict[str, Any], status: int = 200, **headers: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _outcome(status: int, code: str, text: str, **headers: str) -> HttpResponse:
    return _json(res.operation_outcome("error", code, text), status, **headers)


View = Callable[..., HttpResponse]


def fhir_view(view: View) -> View:
    """GET only, a bearer token with fhir:read, errors as OperationOutcome."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return _outcome(405, "not-supported", "Only reading is supported.", Allow="GET")
        raw = bearer_token(request)
        if raw is None:
            return _outcome(
                401,
                "login",
                "Send your API token in the Authorization header: Bearer tc_...",
                WWW_Authenticate='Bearer realm="therapycheck"',
            )
        try:
            token = tokens.authenticate(raw)
            tokens.require_scope(token, Scope.FHIR_READ)
        except tokens.TokenRejected as exc:
            return _outcome(
                401,
                "login",
                str(exc),
                WWW_Authenticate='Bearer realm="therapycheck", error="invalid_token"',
            )
        except tokens.ScopeDenied as exc:
            return _outcome(403, "forbidden", str(exc))
        request.user = token.user
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            return _outcome(404, "not-found", str(exc) or "Not found.")
        except BadRequest as exc:
            return _outcome(400, "invalid", str(exc))

    return csrf_exempt(login_not_required(wrapped))


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir/")


def _person(request: HttpRequest, raw: str, what: access.Shared | None) -> Person:
    """The person `raw` names if the user may see it (`what`, or the record at all)."""
    if not _NUMBER.match(raw):
        raise NotFound("No such patient is shared with you.")
    person = Person.objects.filter(pk=int(raw)).first()
    allowed = person is not None and (
        access.can_see(request.user, person, what)
        if what is not None
        else access.can_open(request.user, person)
    )
    if not allowed or person is None:
        raise NotFound("No such patient is shared with you.")
    return person


def _patient_param(request: HttpRequest) -> Person:
    raw = request.GET.get("patient") or request.GET.get("subject") or ""
    raw = raw.removeprefix("Patient/")
    if not raw:
        raise BadRequest("Search by patient: ?patient=<id>.")
    return _person(request, raw, "measures")


def _read_by_other(request: HttpRequest, person: Person) -> bool:
    """True when the token's owner reads someone else's record (a clinician)."""
    return bool(person.user_id is None or person.user_id != request.user.pk)


@csrf_exempt
@login_not_required
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: public, as FHIR clients read it before they have a token."""
    if request.method not in ("GET", "HEAD"):
        return _outcome(405, "not-supported", "Only reading is supported.", Allow="GET")
    today = timezone.localdate().isoformat()
    return _json(res.validated(res.capability_statement(today)))


@fhir_view
def patient(request: HttpRequest, pk: str) -> HttpResponse:
    person = _person(request, pk, None)
    record(request, person, AuditEvent.Action.VIEW, "Patient (FHIR)")
    return _json(res.validated(res.patient(person)))


@fhir_view
def practitioner(request: HttpRequest, pk: str) -> HttpResponse:
    if not _NUMBER.match(pk):
        raise NotFound("No such practitioner.")
    member = Membership.objects.filter(pk=int(pk)).first()
    if member is None or not _may_see_practitioner(request.user, member):
        raise NotFound("No such practitioner.")
    return _json(res.validated(res.practitioner(member)))


def _may_see_practitioner(user: Any, member: Membership) -> bool:
    """Staff see their own clinic's staff; a client sees the clinicians they share with."""
    own = access.membership_of(user)
    if own is not None:
        return own.clinic_id == member.clinic_id
    return CareLink.objects.filter(
        Q(person__user=user), clinician=member, status=CareLink.Status.ACTIVE
    ).exists()


@fhir_view
def questionnaires(request: HttpRequest) -> HttpResponse:
    found = [res.questionnaire(i) for i in instrument_ids()]
    return _json(res.searchset(request.build_absolute_uri(), _base(request), found))


@fhir_view
def questionnaire(request: HttpRequest, pk: str) -> HttpResponse:
    instrument = res.instrument_of(pk) if _ID.match(pk) else None
    if instrument is None:
        raise NotFound("No such questionnaire.")
    return _json(res.validated(res.questionnaire(instrument)))


def _measurements(person: Person) -> list[Measurement]:
    return list(Measurement.objects.filter(person=person).order_by("taken_on", "pk"))


def _measure_search(
    request: HttpRequest, what: str, resource: Callable[[Measurement], dict[str, Any]]
) -> HttpResponse:
    """A patient's measures as a searchset of `resource`s, the safety outcome first."""
    person = _patient_param(request)
    rows = _measurements(person)
    record(request, person, AuditEvent.Action.VIEW, f"Measures (FHIR {what})")
    return _json(
        res.searchset(
            request.build_absolute_uri(),
            _base(request),
            [resource(m) for m in rows],
            res.safety_outcome(person, rows, for_clinician=_read_by_other(request, person)),
        )
    )


@fhir_view
def questionnaire_responses(request: HttpRequest) -> HttpResponse:
    return _measure_search(request, "QuestionnaireResponse", res.questionnaire_response)


@fhir_view
def observations(request: HttpRequest) -> HttpResponse:
    return _measure_search(request, "Observation", res.observation)


def _measurement(request: HttpRequest, pk: str) -> Measurement:
    m = (
        Measurement.objects.select_related("person").filter(pk=int(pk)).first()
        if _NUMBER.match(pk)
        else None
    )
    if m is None or not access.can_see(request.user, m.person, "measures"):
        raise NotFound("No such resource is shared with you.")
    record(request, m.person, AuditEvent.Action.VIEW, f"Measure {m.pk} (FHIR)")
    return m


@fhir_view
def questionnaire_response(request: HttpRequest, pk: str) -> HttpResponse:
    return _json(res.validated(res.questionnaire_response(_measurement(request, pk))))


@fhir_view
def observation(request: HttpRequest, pk: str) -> HttpResponse:
    return _json(res.validated(res.observation(_measurement(request, pk))))
