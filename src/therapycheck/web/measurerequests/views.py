"""Measure request pages: the clinician's list, a new request, its link and QR code, and
the client's answer page (public: the signed token in the URL is the only key)."""

from __future__ import annotations

import base64
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from therapycheck.core.scoring import ScoringError
from therapycheck.web.audit import log
from therapycheck.web.measurerequests import services
from therapycheck.web.measurerequests.forms import EMAIL, SCREEN, NewRequestForm
from therapycheck.web.measurerequests.models import MeasureRequest
from therapycheck.web.measurerequests.services import LinkState, Opened
from therapycheck.web.tracking.forms import InstrumentForm

# The requests this browser has just answered: only it sees the thank-you page (and any
# crisis resources that go with it); anyone else with the link sees "already answered".
DONE_KEY = "measurerequests_done"


def _requester(request: HttpRequest) -> None:
    """Clinicians and supervisors only: any other role may never use these pages."""
    if not services.is_requester(request.user):
        raise PermissionDenied("Only clinicians and supervisors send measure requests.")


def request_list(request: HttpRequest) -> HttpResponse:
    _requester(request)
    services.expire_overdue()
    return render(
        request,
        "measurerequests/list.html",
        {
            "requests": list(services.requests_for(request.user)[:200]),
            "clients": list(services.requestable_clients(request.user)),
        },
    )


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    _requester(request)
    r = services.request_for(request.user, pk)
    if r is None:
        raise Http404("No such request")
    if services.cancel_request(request.user, r, http_request=request):
        messages.success(
            request, f"The request to {r.person} is cancelled. The link no longer works."
        )
    else:
        messages.info(request, f"The request to {r.person} was already closed: nothing changed.")
    return HttpResponseRedirect(reverse("measurerequests:list"))


def new(request: HttpRequest, person_id: int) -> HttpResponse:
    _requester(request)
    person = services.requestable_person(request.user, person_id)
    if person is None:
        raise Http404("No such client")
    email = services.client_email(person)
    if request.method != "POST":
        form = NewRequestForm(initial=_repeat_of(request, person.pk), client_email=email)
        return _new_page(request, person, form)
    form = NewRequestForm(request.POST, client_email=email)
    if not form.is_valid():
        return _new_page(request, person, form)
    data = form.cleaned_data
    try:
        r = services.create_request(
            request.user,
            person,
            instruments=data["instruments"],
            schedule=data["schedule"],
            session_number=data["session_number"],
            by_email=EMAIL in data["delivery"],
            expires_in_days=data["expires_in_days"],
            remind_after_days=data["remind_after_days"],
            base_url=request.build_absolute_uri("/"),
            http_request=request,
        )
    except services.InvalidRequest as exc:
        form.add_error(None, str(exc))
        return _new_page(request, person, form)
    except services.NotAllowed:
        raise Http404("No such client") from None
    if r.by_email:
        messages.success(request, f"The link to {person} is queued and will be emailed shortly.")
    if SCREEN in data["delivery"]:
        return HttpResponseRedirect(reverse("measurerequests:show", args=[r.pk]))
    return HttpResponseRedirect(reverse("measurerequests:list"))


def _repeat_of(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """ "Send the next one": start from an earlier request's questionnaires and schedule."""
    raw = request.GET.get("from", "")
    earlier = services.request_for(request.user, int(raw)) if raw.isdigit() else None
    if earlier is None or earlier.person_id != person_id:
        return {}
    return {"instruments": list(earlier.instruments), "schedule": earlier.schedule}


def _new_page(request: HttpRequest, person: Any, form: NewRequestForm) -> HttpResponse:
    return render(request, "measurerequests/new.html", {"client": person, "form": form})


def show(request: HttpRequest, pk: int) -> HttpResponse:
    """The link and its QR code, for the client to open on their own phone in session."""
    _requester(request)
    services.expire_overdue()
    r = services.request_for(request.user, pk)
    if r is None:
        raise Http404("No such request")
    state = services.open_token(services.token_for(r)).state
    url = services.answer_url(r) if state == LinkState.OPEN else ""
    log.record(request, r.person, "view", f"link of measure request {r.pk}")
    return render(
        request,
        "measurerequests/show.html",
        {
            "r": r,
            "state": state,
            "url": url,
            "qr": _qr_data_uri(url) if url else "",
            "instruments": services.instruments_of(r),
        },
    )


def _qr_data_uri(text: str) -> str:
    # An SVG made here (no external service), embedded as a data: URI (the CSP allows it).
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=4)
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


# --- the client's side: public, by signed link ----------------------------------------------


@login_not_required
def answer(request: HttpRequest, token: str) -> HttpResponse:
    opened = services.open_token(token)
    if opened.state != LinkState.OPEN or opened.request is None:
        return _closed(request, opened)
    r = opened.request
    instruments = services.instruments_of(r)
    if request.method != "POST":
        forms = [InstrumentForm(inst, prefix=inst.id) for inst in instruments]
        return _answer_page(request, r, forms)
    forms = [InstrumentForm(inst, request.POST, prefix=inst.id) for inst in instruments]
    if not all([form.is_valid() for form in forms]):
        return _answer_page(request, r, forms)
    try:
        services.submit_answers(
            r, {form.instrument.id: form.answers() for form in forms}, http_request=request
        )
    except services.NotOpen as exc:
        return _closed(request, Opened(exc.state, r))
    except ScoringError as exc:
        # The forms only offer valid answers; a scorer's refusal is still shown, not a 500.
        forms[0].add_error(None, str(exc))
        return _answer_page(request, r, forms)
    request.session[DONE_KEY] = [*request.session.get(DONE_KEY, [])[-20:], r.pk]
    return HttpResponseRedirect(reverse("measurerequests:done", args=[token]))


def _answer_page(
    request: HttpRequest, r: MeasureRequest, forms: list[InstrumentForm]
) -> HttpResponse:
    return render(
        request,
        "measurerequests/answer.html",
        {
            "r": r,
            "forms": forms,
            "clinic_name": r.clinician.clinic.name,
        },
    )


@login_not_required
def done(request: HttpRequest, token: str) -> HttpResponse:
    opened = services.open_token(token)
    r = opened.request
    if (
        r is None
        or opened.state != LinkState.COMPLETED
        or r.pk not in request.session.get(DONE_KEY, [])
    ):
        return _closed(request, opened)
    completion = services.completion_for(r)
    return render(
        request,
        "measurerequests/done.html",
        {
            "r": r,
            "completion": completion,
            "safety": completion.safety,
            "page_shows_safety": completion.safety is not None,
            "clinic_name": r.clinician.clinic.name,
        },
    )


def _closed(request: HttpRequest, opened: Opened) -> HttpResponse:
    """A calm page for a link that no longer works; nothing is saved from it."""
    r = opened.request
    return render(
        request,
        "measurerequests/closed.html",
        {
            "state": opened.state.value,
            "clinician_name": r.clinician.display_name if r is not None else "",
            "clinic_name": r.clinician.clinic.name if r is not None else None,
            "help": services.general_help(r.person if r is not None else None),
        },
        status=404 if opened.state == LinkState.INVALID else 410,
    )
