"""Clinic pages: where a signed-in user lands, the caseload, a client's record.

Views stay thin: clinic/caseload.py, clinic/client_record.py, clinic/alert_states.py and
clinic/clinic_models.py do the work; clinic/access.py alone decides who sees what.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from therapycheck.core.alerts import rules as alert_rules
from therapycheck.web.accounts.models import Person
from therapycheck.web.audit import log as audit
from therapycheck.web.clinic import access
from therapycheck.web.clinic.alert_states import (
    NOTE_MAX_LENGTH,
    AlertActionError,
    AlertItem,
    act,
)
from therapycheck.web.clinic.caseload import caseload as caseload_rows
from therapycheck.web.clinic.caseload_audit import record_caseload_view
from therapycheck.web.clinic.client_record import ClientRecord, client_record
from therapycheck.web.clinic.clinic_models import judging
from therapycheck.web.clinic.models import Membership, Role


def home(request: HttpRequest) -> HttpResponse:
    """After sign-in: staff to their clinic page, clients to their own record."""
    member = access.membership_of(request.user)
    if member is None:
        return redirect("pages:home")
    if member.is_admin:
        return redirect("clinic:admin_home")
    return redirect("clinic:caseload")


def clinical_staff(request: HttpRequest) -> Membership:
    """The clinician or supervisor making the request; 403 for anyone else."""
    member = access.membership_of(request.user)
    if member is None or member.role not in (Role.CLINICIAN, Role.SUPERVISOR):
        raise PermissionDenied("Only clinicians and supervisors use this page.")
    return member


def visible_client(request: HttpRequest, person_id: int) -> Person:
    """A client the user may open; 404 for everyone else (it does not say they exist)."""
    return get_object_or_404(access.visible_clients(request.user), pk=person_id)


CASELOAD_PAGE_SIZE = 50


@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    member = clinical_staff(request)
    clinic = member.clinic
    judge = judging(clinic)
    rows = caseload_rows(request.user, **judge.arguments)
    only_alerts = request.GET.get("alerts") == "1"
    listed = [row for row in rows if row.open_alerts] if only_alerts else rows
    # Most urgent first across the whole caseload, then a page at a time: a long caseload
    # stays quick to read and to load, and only the clients shown are logged as seen.
    page = Paginator(listed, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    record_caseload_view(request, [row.person for row in shown])
    resolved = [(row, item) for row in rows for item in row.resolved_alerts]
    resolved.sort(key=lambda pair: _resolved_at(pair[1]), reverse=True)
    return render(
        request,
        "clinic/caseload.html",
        {
            "rows": shown,
            "page": page,
            "total": len(rows),
            "with_alerts": sum(1 for row in rows if row.open_alerts),
            "only_alerts": only_alerts,
            "resolved": resolved,
            "rule_line": judge.fitted.rule_line,
            "measure_every_days": clinic.measure_every_days,
            "grace_days": alert_rules().overdue.grace_days,
            "rules_version": alert_rules().version,
            "note_max": NOTE_MAX_LENGTH,
        },
    )


def _resolved_at(item: AlertItem) -> float:
    """When the alert was resolved, for newest-first order (0 for an open one)."""
    at = item.state.resolved_at if item.state is not None else None
    return at.timestamp() if at is not None else 0.0


def record_for(request: HttpRequest, member: Membership, person: Person) -> ClientRecord:
    """The client's record as the clinic judges it (its interval and fitted models); the
    client page and the clinical-support review both show this."""
    return client_record(request.user, person, **judging(member.clinic).arguments)


def _render_client(
    request: HttpRequest, record: ClientRecord, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {
        "record": record,
        "person": record.person,
        "crisis_response": record.crisis,
        # The page opens with the crisis lines itself; the site banner would repeat them.
        "page_shows_safety": record.crisis is not None,
        "note_max": NOTE_MAX_LENGTH,
        **extra,
    }
    return render(request, "clinic/client.html", context, status=status)


@require_GET
def client(request: HttpRequest, person_id: int) -> HttpResponse:
    member = clinical_staff(request)
    person = visible_client(request, person_id)
    record = record_for(request, member, person)
    audit.record(request, person, "view", record.shown())
    return _render_client(request, record)


@require_POST
def alert_action(request: HttpRequest, person_id: int) -> HttpResponse:
    """Acknowledge or resolve one of the client's risk alerts (who and when are kept)."""
    member = clinical_staff(request)
    person = visible_client(request, person_id)
    record = record_for(request, member, person)
    key = request.POST.get("key", "")
    action = request.POST.get("action", "")
    note = request.POST.get("note", "")
    back = request.POST.get("back", "client")
    item = next((i for i in record.open_alerts if i.key == key), None)
    error = ""
    if action not in ("acknowledge", "resolve"):
        error = "Choose Acknowledge or Resolve."
    elif item is None:
        error = (
            "This alert is no longer open for this client (it may have been resolved "
            "already, or the client stopped sharing it)."
        )
    else:
        try:
            with transaction.atomic():
                act(person, item, "resolve" if action == "resolve" else "acknowledge", member, note)
                what = (
                    f"risk alert {key}: {'acknowledged' if action == 'acknowledge' else 'resolved'}"
                )
                audit.record(
                    request, person, "acknowledge" if action == "acknowledge" else "change", what
                )
        except AlertActionError as exc:
            error = str(exc)
    if error:
        audit.record(request, person, "view", record.shown())
        return _render_client(
            request, record, status=400, action_error=error, error_key=key, error_note=note
        )
    done = "acknowledged" if action == "acknowledge" else "resolved"
    messages.success(request, f"Risk alert {done} for {person.display_name or 'the client'}.")
    if back == "caseload":
        return redirect(reverse("clinic:caseload") + "#client-" + str(person.pk))
    return redirect("clinic:client", person_id=person.pk)
