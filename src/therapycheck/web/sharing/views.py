"""Sharing pages: the client's consent page, a clinician's invitations, the invitation link."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from therapycheck.web.accounts.current import current_person
from therapycheck.web.accounts.models import Person
from therapycheck.web.audit import services as audit_services
from therapycheck.web.audit.log import record
from therapycheck.web.clinic.access import membership_of
from therapycheck.web.clinic.models import Membership
from therapycheck.web.sharing import services
from therapycheck.web.sharing.forms import (
    AnswerForm,
    InviteClientForm,
    InviteClinicianForm,
    ShareForm,
)
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.sharing.services import InvitationProblem

EVENTS_PER_PAGE = 25
CALM_INVITE_MESSAGE = (
    "Thank you. If {email} belongs to a clinician you can share with, they will see your "
    "invitation when they sign in. Nothing is shared until they accept, and you can cancel "
    "the invitation below at any time."
)


# ----------------------------------------------------------------------------- client pages


def _client(request: HttpRequest) -> Person:
    """The signed-in client; staff have no sharing page of their own."""
    if membership_of(request.user) is not None:
        raise PermissionDenied("Staff accounts do not share records.")
    return current_person(request)


@require_http_methods(["GET"])
def home(request: HttpRequest) -> HttpResponse:
    person = _client(request)
    return _home(request, person, InviteClinicianForm(person=person))


def _home(
    request: HttpRequest, person: Person, invite_form: InviteClinicianForm, status: int = 200
) -> HttpResponse:
    invitations = [
        (link, reverse("sharing:accept", args=[services.make_token(link)]))
        for link in services.invitations_for(request.user, person)
    ]
    events = Paginator(audit_services.events_about(person), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "links": services.links_of(person),
        "sent": services.sent_by_client(person),
        "invitations": invitations,
        "invite_form": invite_form,
        "events": [(event, audit_services.in_words(event)) for event in events],
        "events_page": events,
    }
    return render(request, "sharing/home.html", context, status=status)


@require_POST
def invite_clinician(request: HttpRequest) -> HttpResponse:
    person = _client(request)
    form = InviteClinicianForm(request.POST, person=person)
    if not form.is_valid():
        return _home(request, person, form, status=400)
    email = form.cleaned_data["email"]
    services.invite_clinician(
        person,
        email,
        form.shares(),
        request.build_absolute_uri(reverse("sharing:clinician_invitations")),
    )
    messages.success(request, CALM_INVITE_MESSAGE.format(email=email))
    return redirect("sharing:home")


def _own_link_or_404(request: HttpRequest, pk: int) -> tuple[Person, CareLink]:
    person = _client(request)
    link = services.own_link(person, pk)
    if link is None:
        raise Http404("No such care link.")
    return person, link


@require_http_methods(["GET", "POST"])
def change(request: HttpRequest, pk: int) -> HttpResponse:
    person, link = _own_link_or_404(request, pk)
    if request.method == "POST":
        form = ShareForm(request.POST, person=person)
        if form.is_valid():
            services.change_shares(link, form.shares())
            messages.success(
                request,
                f"Saved. You now share with {link.clinician.display_name}: {_shared_words(link)}.",
            )
            return redirect("sharing:home")
        status = 400
    else:
        form = ShareForm(
            person=person,
            initial={
                "share": [
                    name
                    for name, on in (
                        ("measures", link.share_measures),
                        ("checkups", link.share_checkups),
                    )
                    if on
                ],
                "journal_entries": list(link.journal_entries.all()),
            },
        )
        status = 200
    return render(request, "sharing/change.html", {"form": form, "link": link}, status=status)


@require_http_methods(["GET", "POST"])
def stop(request: HttpRequest, pk: int) -> HttpResponse:
    _, link = _own_link_or_404(request, pk)
    if request.method == "POST":
        services.revoke(link)
        messages.success(
            request,
            f"You stopped sharing with {link.clinician.display_name}. They can no longer see "
            "anything of your record.",
        )
        return redirect("sharing:home")
    return render(request, "sharing/stop.html", {"link": link})


@require_POST
def close_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = services.close_client_invitation(_client(request), pk)
    if invitation is None:
        raise Http404("No such invitation.")
    messages.success(request, f"Your invitation to {invitation.email} is closed.")
    return redirect("sharing:home")


# ----------------------------------------------------------------------------- the invitation link


@login_not_required
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = services.link_for_token(token)
    except InvitationProblem as problem:
        return _problem(request, problem)
    if not request.user.is_authenticated:
        # The sign-up adapter lets a visitor create an account only with this key.
        request.session[services.SESSION_KEY] = token
        here = reverse("sharing:accept", args=[token])
        context = {
            "link": link,
            "signup_url": f"{reverse('account_signup')}?{urlencode({'next': here})}",
            "login_url": f"{reverse('account_login')}?{urlencode({'next': here})}",
        }
        return render(request, "sharing/accept_sign_in.html", context)
    try:
        services.check_can_answer(link, request.user)
    except InvitationProblem as problem:
        return _problem(request, problem)
    person = current_person(request)
    if request.method == "GET":
        elsewhere = services.other_clinic(person, link)
        if elsewhere is not None:
            return _problem(request, InvitationProblem("other_clinic", link), elsewhere, token)
        return _answer_page(request, link, AnswerForm(person=person))
    return _answer(request, link, person, token)


def _answer(request: HttpRequest, link: CareLink, person: Person, token: str) -> HttpResponse:
    form = AnswerForm(request.POST, person=person)
    if request.POST.get("decision") == "decline":
        # Declining needs no choices and is always possible.
        try:
            services.decline_invitation(link)
        except InvitationProblem as problem:
            return _problem(request, problem)
        request.session.pop(services.SESSION_KEY, None)
        messages.success(
            request,
            f"You declined the invitation from {link.clinician.display_name}. Nothing was shared.",
        )
        return redirect("sharing:home")
    if not form.is_valid():
        return _answer_page(request, link, form, status=400)
    if services.already_linked(person, link):
        form.add_error(
            None,
            f"You already share with {link.clinician.display_name} (or wait for their answer). "
            "Change what you share on your sharing page, or decline this invitation.",
        )
        return _answer_page(request, link, form, status=400)
    try:
        services.accept_invitation(link, person, form.shares())
    except InvitationProblem as problem:
        return _problem(request, problem, services.other_clinic(person, link), token)
    request.session.pop(services.SESSION_KEY, None)
    messages.success(
        request, f"You now share with {link.clinician.display_name}: {_shared_words(link)}."
    )
    return redirect("sharing:home")


def _answer_page(
    request: HttpRequest, link: CareLink, form: AnswerForm, status: int = 200
) -> HttpResponse:
    return render(request, "sharing/accept.html", {"link": link, "form": form}, status=status)


PROBLEMS: dict[str, tuple[int, str, str]] = {
    "invalid": (
        400,
        "This invitation link does not work",
        "The link may have been copied only in part. Ask your clinician to send a new one.",
    ),
    "expired": (
        410,
        "This invitation link has expired",
        "Invitation links work for 14 days. Ask your clinician to send a new one.",
    ),
    "used": (
        410,
        "This invitation link has already been used",
        "The invitation was accepted, declined or withdrawn, so the link no longer works. "
        "Your sharing page shows who you share with.",
    ),
    "someone_else": (
        403,
        "This invitation is for someone else",
        "It was sent to a different email address from the one you are signed in with. "
        "If it was sent to you, sign out, open the link again and sign in with the address "
        "it was sent to.",
    ),
    "staff": (
        403,
        "This invitation is for a client",
        "You are signed in with a staff account. A client answers an invitation with their "
        "own account.",
    ),
    "other_clinic": (
        409,
        "You cannot accept this invitation",
        "A person can be a client of one clinic only.",
    ),
}


def _problem(
    request: HttpRequest,
    problem: InvitationProblem,
    elsewhere: str | None = None,
    token: str | None = None,
) -> HttpResponse:
    status, title, text = PROBLEMS[problem.kind]
    context: dict[str, Any] = {
        "title": title,
        "text": text,
        "kind": problem.kind,
        "link": problem.link,
        "elsewhere": elsewhere,
        "token": token,
    }
    return render(request, "sharing/problem.html", context, status=status)


def _shared_words(link: CareLink) -> str:
    link.refresh_from_db()
    parts = []
    if link.share_measures:
        parts.append("measures")
    if link.share_checkups:
        parts.append("check-up results")
    count = link.journal_entries.count()
    if count:
        parts.append(f"{count} journal entr{'y' if count == 1 else 'ies'}")
    return ", ".join(parts) if parts else "nothing yet (you can change this at any time)"


# ----------------------------------------------------------------------------- clinician page


def _clinician(request: HttpRequest) -> Membership:
    member = membership_of(request.user)
    if member is None or not member.is_clinician:
        raise PermissionDenied("Only clinicians invite clients.")
    return member


@require_http_methods(["GET", "POST"])
def clinician_invitations(request: HttpRequest) -> HttpResponse:
    member = _clinician(request)
    form = InviteClientForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            email = form.cleaned_data["email"]
            try:
                services.clinician_invites(
                    member,
                    email,
                    lambda token: request.build_absolute_uri(
                        reverse("sharing:accept", args=[token])
                    ),
                )
            except services.EmailNotSent:
                form.add_error(
                    "email",
                    "The invitation email could not be sent, so no invitation was made. "
                    "Please try again later.",
                )
                return _invitations_page(request, member, form, status=503)
            record(request, services.person_with_email(email), "create", "invitation")
            messages.success(
                request,
                f"Invitation sent to {email}. You will see their records once they accept, "
                "and only what they choose to share.",
            )
            return redirect("sharing:clinician_invitations")
        status = 400
    return _invitations_page(request, member, form, status)


def _invitations_page(
    request: HttpRequest, member: Membership, form: InviteClientForm, status: int
) -> HttpResponse:
    context = {
        "form": form,
        "waiting": services.waiting_for_clinician(member),
        "sent": [
            (link, services.sent_state(link), link.status == CareLink.Status.PENDING)
            for link in services.sent_by(member)
        ],
    }
    return render(request, "sharing/clinician_invitations.html", context, status=status)


@require_POST
def clinician_answer(request: HttpRequest, pk: int) -> HttpResponse:
    member = _clinician(request)
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        messages.error(request, "Choose Accept or Decline.")
        return redirect("sharing:clinician_invitations")
    try:
        link, refused = services.clinician_answers(member, pk, accept=decision == "accept")
    except CareLink.DoesNotExist:
        raise Http404("No such invitation.") from None
    if refused is not None:
        messages.error(request, refused)
    elif decision == "accept":
        record(request, link.person, "change", "care link accepted")
        messages.success(request, f"You accepted {link.person}'s invitation.")
    else:
        record(request, link.person, "change", "care link declined")
        messages.success(request, f"You declined {link.person}'s invitation.")
    return redirect("sharing:clinician_invitations")


@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    link = services.withdraw(_clinician(request), pk)
    if link is None:
        raise Http404("No such invitation waiting.")
    record(request, link.person, "change", "invitation withdrawn")
    messages.success(
        request, f"Your invitation to {link.invite_email} is withdrawn. Its link no longer works."
    )
    return redirect("sharing:clinician_invitations")
