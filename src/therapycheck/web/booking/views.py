"""Consultation pages. The public ones (free times, booking, the signed links) are marked
login_not_required: anyone may look and book; a link's signed token is its only key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from therapycheck.core.scheduling import Slot
from therapycheck.web.audit import log
from therapycheck.web.booking import services
from therapycheck.web.booking.forms import AvailabilityForm, BookForm, NotesForm
from therapycheck.web.booking.models import Booking, ConsultationNotes
from therapycheck.web.clinic import access
from therapycheck.web.clinic.models import Membership

HELD_KEY = "booking_held"
DAYS_PER_PAGE = 7


def _person_of(user: Any) -> Any:
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "person", None)


# --- free times --------------------------------------------------------------------------


def _slot_rows(slots: Sequence[Slot], viewer_zone: str, own_zone: str) -> list[dict[str, Any]]:
    """Slots grouped by the viewer's local day, each with both sides' clock times."""
    days: list[dict[str, Any]] = []
    for day, group in groupby(slots, key=lambda s: s.local(viewer_zone)[0].date()):
        days.append(
            {
                "day": services.day_text(day),
                "slots": [
                    {
                        "iso": s.start.isoformat(),
                        "viewer": services.clock_text(s.local(viewer_zone)[0]),
                        "own": services.clock_text(s.local(own_zone)[0]),
                    }
                    for s in group
                ],
            }
        )
    return days


def _slots_page(
    request: HttpRequest,
    member: Membership,
    *,
    booking: Booking | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    availability = services.availability_of(member)
    own_zone = availability.timezone
    default_zone = booking.person_timezone if booking is not None else own_zone
    viewer_zone = services.valid_zone(request.GET.get("tz") or request.POST.get("tz"), default_zone)
    slots = services.free_slots(member, ignore=booking)
    days = _slot_rows(slots, viewer_zone, own_zone)
    raw_page = request.GET.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and int(raw_page) > 0 else 1
    shown = days[(page - 1) * DAYS_PER_PAGE : page * DAYS_PER_PAGE]
    return render(
        request,
        "booking/slots.html",
        {
            "member": member,
            "availability": availability,
            "days": shown,
            "page": page,
            "has_next": len(days) > page * DAYS_PER_PAGE,
            "viewer_zone": viewer_zone,
            "own_zone": own_zone,
            "same_zone": viewer_zone == own_zone,
            "zones": services.time_zones(),
            "booking": booking,
            "move_token": services.token_for(booking, "manage") if booking else "",
            "problem": problem,
        },
        status=status,
    )


@login_not_required
def slots(request: HttpRequest, member_id: int) -> HttpResponse:
    member = services.offering_clinician(member_id)
    if member is None:
        raise Http404("No such specialist")
    return _slots_page(request, member)


def _start_from(raw: str | None) -> dt.datetime | None:
    try:
        start = dt.datetime.fromisoformat(raw or "")
    except ValueError:
        return None
    return start if start.tzinfo is not None else None


@login_not_required
def book(request: HttpRequest, member_id: int) -> HttpResponse:
    member = services.offering_clinician(member_id)
    if member is None:
        raise Http404("No such specialist")
    if access.membership_of(request.user) is not None:
        raise PermissionDenied("Staff accounts cannot book a consultation.")
    person = _person_of(request.user)
    start = _start_from(request.GET.get("start") or request.POST.get("start"))
    zone = services.valid_zone(
        request.GET.get("tz") or request.POST.get("tz"), services.availability_of(member).timezone
    )
    if start is None:
        return _slots_page(request, member, problem="Please choose one of the times shown.")
    if request.method != "POST":
        try:
            services.check_bookable(member, start, now=timezone.now())
        except services.NotBookable as exc:
            return _slots_page(request, member, problem=str(exc), status=409)
        return _book_page(request, member, start, zone, BookForm(guest=person is None))
    form = BookForm(request.POST, guest=person is None)
    if not form.is_valid():
        return _book_page(request, member, start, zone, form)
    data = form.cleaned_data
    guest = None if person is not None else services.Guest(data["name"], data["email"])
    try:
        booking = services.book(
            member,
            start,
            person=person,
            guest=guest,
            person_timezone=zone,
            hopes=data["hopes"],
            base_url=request.build_absolute_uri("/"),
        )
    except services.SlotTaken:
        return _slots_page(
            request,
            member,
            problem="Sorry, that time was just taken by someone else. Here are the other times.",
            status=409,
        )
    except services.AddressLimit as exc:
        # Not a mistake in the form: say calmly what to do, and keep every answer.
        return _book_page(request, member, start, zone, form, limit=str(exc), status=409)
    except services.NotBookable as exc:
        return _slots_page(request, member, problem=str(exc), status=409)
    if booking.status == Booking.Status.HELD:
        request.session[HELD_KEY] = booking.pk
        return HttpResponseRedirect(reverse("booking:check_email"))
    messages.success(request, "Your consultation is booked. We have emailed you the details.")
    return HttpResponseRedirect(
        reverse("booking:manage", args=[services.token_for(booking, "manage")])
    )


def _book_page(
    request: HttpRequest,
    member: Membership,
    start: dt.datetime,
    zone: str,
    form: BookForm,
    *,
    limit: str = "",
    status: int = 200,
) -> HttpResponse:
    availability = services.availability_of(member)
    return render(
        request,
        "booking/book.html",
        {
            "member": member,
            "form": form,
            "start_iso": start.isoformat(),
            "viewer_start": services.when_text(start, zone),
            "own_start": services.when_text(start, availability.timezone),
            "viewer_zone": zone,
            "own_zone": availability.timezone,
            "same_zone": zone == availability.timezone,
            "minutes": services.CONSULTATION_MINUTES,
            "guest": "name" in form.fields,
            "limit": limit,
        },
        status=status,
    )


@login_not_required
def check_email(request: HttpRequest) -> HttpResponse:
    pk = request.session.get(HELD_KEY)
    booking = Booking.objects.select_related("clinician").filter(pk=pk).first() if pk else None
    if booking is None:
        raise Http404("Nothing waiting")
    return render(
        request,
        "booking/check_email.html",
        {
            "booking": booking,
            "hold_minutes": services.HOLD_MINUTES,
            "viewer_start": services.when_text(booking.start, booking.person_timezone),
        },
    )


# --- the signed links -------------------------------------------------------------------------


def _open(token: str, purpose: str) -> Booking:
    state, booking = services.open_token(token, purpose)
    if state != services.LinkState.OK or booking is None:
        raise Http404("This link does not work")
    return booking


@login_not_required
def verify(request: HttpRequest, token: str) -> HttpResponse:
    booking = _open(token, "verify")
    if request.method == "POST":
        if services.confirm_guest(booking):
            messages.success(
                request, "Your consultation is confirmed. We have emailed you the details."
            )
        return HttpResponseRedirect(
            reverse("booking:manage", args=[services.token_for(booking, "manage")])
        )
    # A GET only shows the button: mail scanners that open links must not confirm.
    return render(
        request,
        "booking/verify.html",
        {
            "booking": booking,
            "viewer_start": services.when_text(booking.start, booking.person_timezone),
            "expired": booking.status != Booking.Status.HELD,
        },
    )


def _consultation_context(booking: Booking, viewer_zone: str) -> dict[str, Any]:
    own_zone = services.availability_of(booking.clinician).timezone
    return {
        "booking": booking,
        "agenda": services.agenda(booking),
        "viewer_zone": viewer_zone,
        "own_zone": own_zone,
        "same_zone": viewer_zone == own_zone,
        "viewer_start": services.when_text(booking.start, viewer_zone),
        "viewer_end": services.clock_text(services.local(booking.end, viewer_zone)),
        "own_start": services.when_text(booking.start, own_zone),
        "own_end": services.clock_text(services.local(booking.end, own_zone)),
        "window_hours": services.availability_of(booking.clinician).cancellation_window_hours,
    }


@login_not_required
def manage(request: HttpRequest, token: str) -> HttpResponse:
    booking = _open(token, "manage")
    shared = _shared_notes(booking)
    context = _consultation_context(booking, booking.person_timezone)
    context.update(
        {
            "token": token,
            "can_change": services.can_change_by_link(booking),
            "side": "person",
            "shared_notes": shared,
            "shared_notes_items": services.notes_items(shared) if shared else [],
        }
    )
    return render(request, "booking/consultation.html", context)


def _shared_notes(booking: Booking) -> ConsultationNotes | None:
    """The clinician's notes, only when they chose to share them with the person."""
    found = services.notes_of(booking)
    return found if found is not None and found.shared and not found.is_empty else None


@login_not_required
@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    booking = _open(token, "manage")
    try:
        if services.cancel(booking, by="person"):
            messages.success(request, "Your consultation is cancelled. The time is free again.")
        else:
            messages.info(request, "This consultation was already cancelled or closed.")
    except services.TooLate:
        messages.error(
            request, "It is too late to cancel by link. Please contact the clinic directly."
        )
    return HttpResponseRedirect(reverse("booking:manage", args=[token]))


@login_not_required
def move(request: HttpRequest, token: str) -> HttpResponse:
    booking = _open(token, "manage")
    if not services.can_change_by_link(booking):
        messages.error(request, "This consultation can no longer be moved by link.")
        return HttpResponseRedirect(reverse("booking:manage", args=[token]))
    if request.method != "POST":
        return _slots_page(request, booking.clinician, booking=booking)
    start = _start_from(request.POST.get("start"))
    if start is None:
        return _slots_page(
            request, booking.clinician, booking=booking, problem="Please choose a time."
        )
    try:
        services.reschedule(booking, start)
    except services.SlotTaken:
        return _slots_page(
            request,
            booking.clinician,
            booking=booking,
            problem="Sorry, that time was just taken by someone else. "
            "Your booking has not changed. Here are the other times.",
            status=409,
        )
    except services.NotBookable as exc:
        return _slots_page(
            request, booking.clinician, booking=booking, problem=str(exc), status=409
        )
    except services.TooLate:
        messages.error(request, "This consultation can no longer be moved by link.")
        return HttpResponseRedirect(reverse("booking:manage", args=[token]))
    messages.success(request, "Your consultation has moved. We have emailed you the new time.")
    return HttpResponseRedirect(reverse("booking:manage", args=[token]))


# --- the clinician's side (signed in) ---------------------------------------------------------


def _clinician(request: HttpRequest) -> Membership:
    member = access.membership_of(request.user)
    if member is None or not services.is_clinician(request.user):
        raise PermissionDenied("Only clinicians offer consultations.")
    return member


def bookings(request: HttpRequest) -> HttpResponse:
    """A clinician's consultations; a client sees their own."""
    if access.membership_of(request.user) is None:
        person = _person_of(request.user)
        if person is None:
            raise PermissionDenied("No consultations here.")
        own = list(
            Booking.objects.filter(person=person).select_related("clinician").order_by("-start")
        )
        return render(
            request,
            "booking/my_bookings.html",
            {
                "rows": [
                    (
                        b,
                        services.token_for(b, "manage"),
                        services.when_text(b.start, b.person_timezone),
                    )
                    for b in own
                ]
            },
        )
    member = _clinician(request)
    now = timezone.now()
    services.release_expired_holds(now)
    rows = list(services.bookings_for(request.user).order_by("start"))
    zone = services.availability_of(member).timezone
    return render(
        request,
        "booking/list.html",
        {
            "upcoming": [
                (b, services.when_text(b.start, zone)) for b in rows if b.end > now and b.is_active
            ],
            "past": [
                (b, services.when_text(b.start, zone))
                for b in reversed(rows)
                if not (b.end > now and b.is_active)
            ][:100],
            "zone": zone,
            "member": member,
            "now": now,
        },
    )


def availability(request: HttpRequest) -> HttpResponse:
    member = _clinician(request)
    current = services.availability_of(member)
    if request.method != "POST":
        form = AvailabilityForm(initial=AvailabilityForm.initial_for(current))
        return _availability_page(request, member, form)
    form = AvailabilityForm(request.POST)
    if not form.is_valid():
        return _availability_page(request, member, form)
    data = {
        name: form.cleaned_data[name]
        for name in (
            "is_open",
            "timezone",
            "weekly",
            "overrides",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "min_notice_minutes",
            "daily_cap",
            "horizon_days",
            "cancellation_window_hours",
            "approach",
            "frequency",
            "fees",
        )
    }
    services.save_availability(member, data)
    messages.success(request, "Your consultation hours are saved.")
    return HttpResponseRedirect(reverse("booking:availability"))


def _availability_page(
    request: HttpRequest, member: Membership, form: AvailabilityForm
) -> HttpResponse:
    return render(request, "booking/availability.html", {"form": form, "member": member})


def _own_booking(request: HttpRequest, pk: int) -> Booking:
    _clinician(request)
    booking = services.booking_for(request.user, pk)
    if booking is None:
        raise Http404("No such consultation")
    return booking


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    if booking.person is not None:
        log.record(request, booking.person, "view", f"consultation {booking.pk}")
    return _detail_page(request, booking, NotesForm(instance=services.draft_notes(booking)))


def _detail_page(
    request: HttpRequest, booking: Booking, notes_form: NotesForm, *, status: int = 200
) -> HttpResponse:
    context = _consultation_context(booking, services.availability_of(booking.clinician).timezone)
    saved = services.notes_of(booking)
    context.update(
        {
            "side": "clinician",
            "started": timezone.now() >= booking.start,
            "notes_form": notes_form,
            "saved_notes": saved,
            "agreement_client": services.agreement_client(request.user, booking),
            "agreement_written": (
                services.when_text(saved.agreement_written_at, context["own_zone"])
                if saved is not None and saved.agreement_written_at
                else ""
            ),
        }
    )
    return render(request, "booking/consultation.html", context, status=status)


@require_POST
def notes(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    form = NotesForm(request.POST, instance=services.draft_notes(booking))
    if not form.is_valid():
        return _detail_page(request, booking, form, status=400)
    saved = services.save_notes(
        request.user, booking, form.save(commit=False), http_request=request
    )
    shared = "The person can read them." if saved.shared else "They are not shared."
    messages.success(request, f"Your notes are saved. {shared}")
    return HttpResponseRedirect(reverse("booking:detail", args=[pk]) + "#notes-heading")


@require_POST
def use_notes(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    try:
        services.notes_to_agreement(request.user, booking, http_request=request)
    except services.NoAgreement as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(reverse("booking:detail", args=[pk]) + "#agreement-heading")
    messages.success(
        request,
        f"The treatment agreement of {booking.who} now has these goals and this frequency. "
        "They can read it on their own pages.",
    )
    return HttpResponseRedirect(reverse("booking:detail", args=[pk]) + "#agreement-heading")


@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    status = request.POST.get("status", "")
    if status not in (Booking.Status.NO_SHOW, Booking.Status.COMPLETED):
        messages.error(request, "Choose whether the consultation took place.")
    elif services.record_outcome(request.user, booking, status, http_request=request):
        messages.success(request, f"Recorded: {booking.get_status_display().lower()}.")
    else:
        messages.info(request, "Nothing changed: record this once the consultation has started.")
    return HttpResponseRedirect(reverse("booking:detail", args=[pk]))


@require_POST
def clinician_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _own_booking(request, pk)
    if services.cancel(booking, by="clinician", user=request.user, http_request=request):
        messages.success(
            request, f"The consultation with {booking.who} is cancelled; they are emailed."
        )
    else:
        messages.info(request, "This consultation was already cancelled or closed.")
    return HttpResponseRedirect(reverse("booking:detail", args=[pk]))
