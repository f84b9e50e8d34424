"""The API at /api/v1/ (django-ninja); its OpenAPI schema is at /api/v1/openapi.json.

Every operation except a specialist's free times needs a bearer token with the scope it
names (tokens.py); the interactive
docs page is off, because it loads its scripts from a CDN. Errors are JSON of one shape
(schemas.ErrorOut). Reads of someone else's record go to the audit log, with the operation
as `via` ("GET /api/v1/clients/4/measures").
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.params.functions import Path, Query
from ninja.parser import Parser

from therapycheck.web.api import records
from therapycheck.web.api import requests as measure_requests
from therapycheck.web.api.auth import TokenAuth, token_user
from therapycheck.web.api.availability_api import AvailabilityInvalid
from therapycheck.web.api.availability_api import router as availability_router
from therapycheck.web.api.booking_api import router as booking_router
from therapycheck.web.api.models import ApiToken, Scope
from therapycheck.web.api.schemas import (
    CaseloadOut,
    CheckupsOut,
    ErrorOut,
    MeasureCreatedOut,
    MeasureIn,
    MeasurementsOut,
    MeasureRequestIn,
    MeasureRequestOut,
    MeasureRequestsOut,
    MeOut,
)
from therapycheck.web.api.tokens import ScopeDenied, TokenRejected, allowed_scopes
from therapycheck.web.audit.log import record
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.clinic import access
from therapycheck.web.clinic.caseload_audit import record_caseload_view
from therapycheck.web.tracking.services import DuplicateSession

DESCRIPTION = """Measures, check-up results and caseload status of therapycheck's clinic mode.

Send an API token as `Authorization: Bearer tc_...` (a specialist's free times need none).
Clinicians set their free-consultation hours (/availability); clients book, move and cancel
their consultations (/bookings).
Make one on the API tokens page
(/api/tokens/) with only the scopes your program needs. A client's token reads and adds to
their own record; a clinician's or supervisor's reads the records clients share with them.
Any response that includes a risk answer starts with `safety`: crisis resources for the
person's country. FHIR R4B is at /fhir/.
"""


class TextJsonParser(Parser):
    """JSON whose strings are text. An escaped lone surrogate ("\\ud800") is JSON syntax but
    no character: no database can store it, and saving it would fail on the server. Such a
    body is refused like any other body that cannot be read (400)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        # Raises UnicodeEncodeError (a ValueError): ninja answers 400 for the body.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
        return data


api = NinjaAPI(
    title="therapycheck API",
    version="1",
    description=DESCRIPTION,
    # Inside the "api" namespace of urls.py: reversed as api:v1:<name>.
    urls_namespace="api:v1",
    # The docs page loads Swagger UI from a CDN: off. The schema itself is served.
    docs_url=None,
    openapi_url="/openapi.json",
    # The API authenticates by token, not by the sign-in session.
    docs_decorator=login_not_required,
    parser=TextJsonParser(),
)

# The errors every operation with a token can answer.
AUTH_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut}
CLIENT_ERRORS: dict[int, Any] = {**AUTH_ERRORS, 404: ErrorOut, 422: ErrorOut}
PersonId = Path(..., ge=1, le=2**63 - 1, description="The client's person id.")


# --------------------------------------------------------------------------- errors


def _error(
    request: HttpRequest,
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    response = api.create_response(
        request, {"detail": detail, "errors": errors or []}, status=status
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(AuthenticationError)
def _no_token(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        "Send your API token in the Authorization header: Bearer tc_...",
        headers={"WWW-Authenticate": 'Bearer realm="therapycheck"'},
    )


@api.exception_handler(TokenRejected)
def _bad_token(request: HttpRequest, exc: TokenRejected) -> HttpResponse:
    return _error(
        request,
        401,
        str(exc),
        headers={"WWW-Authenticate": 'Bearer realm="therapycheck", error="invalid_token"'},
    )


@api.exception_handler(ScopeDenied)
def _no_scope(request: HttpRequest, exc: ScopeDenied) -> HttpResponse:
    return _error(
        request,
        403,
        str(exc),
        headers={
            "WWW-Authenticate": (
                f'Bearer realm="therapycheck", error="insufficient_scope", scope="{exc.scope}"'
            )
        },
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, str(exc) or "Not found.")


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())], "msg": e["msg"]}
        for e in exc.errors
    ]
    fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or "body" for e in errors[:5])
    return _error(request, 422, f"Some of what was sent is not valid: {fields}.", errors)


@api.exception_handler(records.MeasureInvalid)
def _bad_answers(request: HttpRequest, exc: records.MeasureInvalid) -> HttpResponse:
    return _error(request, 422, str(exc), [{"loc": exc.loc, "msg": str(exc)}])


@api.exception_handler(AvailabilityInvalid)
def _bad_availability(request: HttpRequest, exc: AvailabilityInvalid) -> HttpResponse:
    return _error(request, 422, str(exc), exc.errors)


@api.exception_handler(DuplicateSession)
def _duplicate(request: HttpRequest, exc: DuplicateSession) -> HttpResponse:
    return _error(request, 409, str(exc))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, exc.message)


# --------------------------------------------------------------------------- operations


@api.get("/me", response={200: MeOut, **AUTH_ERRORS}, auth=TokenAuth(), tags=["account"])
def me(request: HttpRequest) -> dict[str, Any]:
    """Who the token belongs to, their role, and what the token may do."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    user = token.user
    person = records.own_person(user)
    allowed = allowed_scopes(user)
    member = access.membership_of(user)
    return {
        "user_id": user.pk,
        "email": user.email,
        "role": records.role_name(user),
        "clinic": records.clinic_name(user),
        "person_id": person.pk if person is not None else None,
        "member_id": member.pk if member is not None else None,
        "scopes": [s for s in token.scopes if s in allowed],
        "token": {
            "name": token.name,
            "prefix": token.prefix,
            "scopes": list(token.scopes),
            "expires_at": token.expires_at,
        },
    }


@api.get(
    "/measures",
    response={200: MeasurementsOut, **AUTH_ERRORS},
    auth=TokenAuth(Scope.MEASURES_READ),
    tags=["own record"],
)
def list_measures(request: HttpRequest) -> dict[str, Any]:
    """Your own scored questionnaires, by instrument and session."""
    person = records.own_person(token_user(request))
    if person is None:
        return {"safety": None, "person_id": None, "measures": []}
    return records.measures_response(person)


@api.post(
    "/measures",
    response={201: MeasureCreatedOut, 400: ErrorOut, **AUTH_ERRORS, 409: ErrorOut, 422: ErrorOut},
    auth=TokenAuth(Scope.MEASURES_WRITE),
    tags=["own record"],
)
def add_measure(request: HttpRequest, data: MeasureIn) -> Status[dict[str, Any]]:
    """Add one questionnaire to your own record; it is scored by therapycheck.

    A risk answer (PHQ-9 question 9 or CORE-10 question 6 above 0) returns `safety` first,
    with crisis resources for your country.
    """
    person = records.own_person(token_user(request), create=True)
    assert person is not None
    created = records.add_measure(
        person,
        data.instrument,
        data.answers,
        session_number=data.session_number,
        taken_on=data.taken_on,
    )
    return Status(201, created)


@api.get(
    "/checkups",
    response={200: CheckupsOut, **AUTH_ERRORS},
    auth=TokenAuth(Scope.CHECKUPS_READ),
    tags=["own record"],
)
def list_checkups(request: HttpRequest) -> dict[str, Any]:
    """Your own finished check-ups with their results as they were shown."""
    person = records.own_person(token_user(request))
    if person is None:
        return {"safety": None, "person_id": None, "checkups": []}
    return records.checkups_response(person)


@api.get(
    "/caseload",
    response={200: CaseloadOut, **AUTH_ERRORS},
    auth=TokenAuth(Scope.CASELOAD_READ),
    tags=["clinic"],
)
def caseload(request: HttpRequest) -> dict[str, Any]:
    """Clinicians and supervisors: each client you see, with latest scores, statuses and
    alerts (most urgent first), as on the caseload page."""
    rows = records.caseload_rows(token_user(request))
    record_caseload_view(request, [row.person for row in rows])
    return {"clients": [records.caseload_dict(row) for row in rows]}


@api.get(
    "/clients/{person_id}/measures",
    response={200: MeasurementsOut, **CLIENT_ERRORS},
    auth=TokenAuth(Scope.MEASURES_READ),
    tags=["clinic"],
)
def client_measures(request: HttpRequest, person_id: int = PersonId) -> dict[str, Any]:
    """A client's measures, when they share them with you (404 otherwise)."""
    person = records.shared_person(token_user(request), person_id, "measures")
    record(request, person, AuditEvent.Action.VIEW, "Measures")
    return records.measures_response(person, reader="clinician")


@api.get(
    "/clients/{person_id}/checkups",
    response={200: CheckupsOut, **CLIENT_ERRORS},
    auth=TokenAuth(Scope.CHECKUPS_READ),
    tags=["clinic"],
)
def client_checkups(request: HttpRequest, person_id: int = PersonId) -> dict[str, Any]:
    """A client's check-up results, when they share them with you (404 otherwise)."""
    person = records.shared_person(token_user(request), person_id, "checkups")
    record(request, person, AuditEvent.Action.VIEW, "Check-up results")
    return records.checkups_response(person, reader="clinician")


@api.get(
    "/measure-requests",
    response={200: MeasureRequestsOut, **AUTH_ERRORS, 422: ErrorOut},
    auth=TokenAuth(Scope.REQUESTS_READ),
    tags=["clinic"],
)
def list_measure_requests(
    request: HttpRequest,
    person_id: int | None = Query(None, ge=1, le=2**63 - 1),
) -> dict[str, Any]:
    """Clinicians and supervisors: the measure requests you sent, newest first."""
    unknown = sorted(set(request.GET) - {"person_id"})
    if unknown:
        # A mistyped filter must not quietly return every request.
        raise records.MeasureInvalid(
            f"Unknown query parameter: {', '.join(unknown)}. Filter with person_id.",
            ["query", *unknown],
        )
    return measure_requests.list_requests(request, person_id)


@api.post(
    "/measure-requests",
    response={201: MeasureRequestOut, 400: ErrorOut, **CLIENT_ERRORS},
    auth=TokenAuth(Scope.REQUESTS_WRITE),
    tags=["clinic"],
)
def create_measure_request(request: HttpRequest, data: MeasureRequestIn) -> Status[dict[str, Any]]:
    """Ask a client who shares their measures with you to answer questionnaires by a signed
    link (emailed to them, or shown by you). Others are "not found" (404)."""
    return Status(201, measure_requests.create(request, data))


api.add_router("/", booking_router)
api.add_router("/", availability_router)
