"""Consent between a client and a clinician: invitations either way, answers, share choices.

The rules (docs/sharing.md):

- Nothing is visible to a clinician until the client has accepted (clinic/access.py only
  counts active links) and nothing after the client stops sharing.
- A clinician's invitation goes by email as a signed link (django.core.signing, 14 days).
  The link carries only the care link's id; it works while that link waits for an answer,
  so once accepted, declined or withdrawn it no longer works (single use).
- An invitation is for the email address it was sent to: only a client signed in with that
  (verified) address can answer it.
- A client's invitation names a clinician by email. The client always gets the same answer,
  whether or not such a clinician exists, so nobody can use it to find out who has an
  account.
- A person is a client of one clinic: accepting links them to the clinician's clinic when
  they have none, and is refused when they are already a client of another clinic.
- Emails say who invites and give a link; never any health information.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from therapycheck.web.accounts.models import Person
from therapycheck.web.clinic.models import Enrolment, Membership, Role
from therapycheck.web.sharing.models import CareLink, ClientInvitation
from therapycheck.web.tracking.models import JournalEntry

logger = logging.getLogger(__name__)
TOKEN_SALT = "therapycheck.sharing.invitation"
TOKEN_MAX_AGE = dt.timedelta(days=14)
# The session key another part of the app (the sign-up adapter) looks for: a visitor who
# opened an invitation link may create an account.
SESSION_KEY = "therapycheck_invitation"


# What sending an email can raise (SMTP refusals and network errors are OSError subclasses
# or smtplib.SMTPException, which is one too).
EMAIL_ERRORS = (OSError,)


class EmailNotSent(Exception):
    """The invitation email could not be sent; nothing was kept."""


class InvitationProblem(Exception):
    """An invitation link that cannot be used; `kind` picks the page that explains why."""

    def __init__(
        self,
        kind: Literal["invalid", "expired", "used", "someone_else", "staff", "other_clinic"],
        link: CareLink | None = None,
    ) -> None:
        super().__init__(kind)
        self.kind = kind
        self.link = link


@dataclass(frozen=True)
class Shares:
    """What a client chose to share through one link."""

    measures: bool
    checkups: bool
    journal_entries: tuple[JournalEntry, ...]


# ----------------------------------------------------------------------------- tokens


def make_token(link: CareLink) -> str:
    return signing.dumps({"link": link.pk}, salt=TOKEN_SALT)


def link_for_token(token: str) -> CareLink:
    """The clinician's invitation this token opens, while it still waits for an answer."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise InvitationProblem("expired") from None
    except signing.BadSignature:
        raise InvitationProblem("invalid") from None
    pk = data.get("link") if isinstance(data, dict) else None
    link = (
        CareLink.objects.select_related("clinician__clinic")
        .filter(pk=pk, invited_by=CareLink.InvitedBy.CLINICIAN)
        .first()
        if isinstance(pk, int)
        else None
    )
    if link is None:
        raise InvitationProblem("invalid")
    if link.status != CareLink.Status.PENDING:
        raise InvitationProblem("used", link)
    if timezone.now() - link.created_at > TOKEN_MAX_AGE:
        # Also a link made later (the sharing page makes one) ends with the invitation.
        raise InvitationProblem("expired", link)
    return link


# ----------------------------------------------------------------------------- who is who


def verified_emails(user: Any) -> set[str]:
    return {
        email.lower()
        for email in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    }


def person_with_email(email: str) -> Person | None:
    """The client whose verified address this is (None for staff or nobody)."""
    address = (
        EmailAddress.objects.filter(email__iexact=email.strip(), verified=True)
        .select_related("user")
        .first()
    )
    if address is None or Membership.objects.filter(user=address.user).exists():
        return None
    return Person.objects.filter(user=address.user).first()


def check_can_answer(link: CareLink, user: Any) -> None:
    """May this signed-in user answer this clinician's invitation? Raises if not."""
    if Membership.objects.filter(user=user).exists():
        raise InvitationProblem("staff", link)
    mine = link.person_id is not None and link.person is not None and link.person.user == user
    if not mine and link.invite_email.lower() not in verified_emails(user):
        raise InvitationProblem("someone_else", link)


def other_clinic(person: Person, link: CareLink) -> str | None:
    """The name of the clinic this person is already a client of, if not the link's clinic."""
    enrolment = Enrolment.objects.filter(person=person).select_related("clinic").first()
    if enrolment is None or enrolment.clinic_id == link.clinician.clinic_id:
        return None
    return enrolment.clinic.name


# ----------------------------------------------------------------------------- client side


def links_of(person: Person) -> QuerySet[CareLink]:
    """The client's links that are sharing now."""
    return (
        CareLink.objects.filter(person=person, status=CareLink.Status.ACTIVE)
        .select_related("clinician__clinic")
        .prefetch_related("journal_entries")
    )


def sent_by_client(person: Person) -> list[tuple[ClientInvitation, str]]:
    """The client's own invitations still to show, each with its state in words.

    The words never depend on whether a clinician has the address: "No answer yet" is true
    both while a clinician has not answered and when nobody has that address.
    """
    invitations = (
        ClientInvitation.objects.filter(person=person, closed_at__isnull=True)
        .select_related("link")
        .order_by("-created_at", "-pk")
    )
    shown = []
    for invitation in invitations:
        link = invitation.link
        if link is not None and link.status == CareLink.Status.ACTIVE:
            continue  # accepted: listed with the links that share
        if link is not None and link.ended_reason == CareLink.EndReason.DECLINED:
            shown.append((invitation, "Not accepted"))
        elif link is not None and link.ended_reason == CareLink.EndReason.REVOKED:
            continue  # accepted, then stopped by the client
        else:
            shown.append((invitation, "No answer yet"))
    return shown


def close_client_invitation(person: Person, pk: int) -> ClientInvitation | None:
    """The client cancels their invitation (or clears it from the list)."""
    with transaction.atomic():
        invitation = (
            ClientInvitation.objects.select_for_update()
            .filter(person=person, pk=pk, closed_at__isnull=True)
            .first()
        )
        if invitation is None:
            return None
        link = invitation.link
        if link is not None and link.status == CareLink.Status.PENDING:
            _end(link, CareLink.EndReason.REVOKED)
        invitation.closed_at = timezone.now()
        invitation.save(update_fields=["closed_at"])
    return invitation


def invitations_for(user: Any, person: Person) -> QuerySet[CareLink]:
    """Clinicians' invitations waiting for this client's answer."""
    emails = verified_emails(user)
    by_email = Q()
    for email in emails:
        by_email |= Q(invite_email__iexact=email)
    mine = Q(person=person)
    if emails:
        mine |= Q(person__isnull=True) & by_email
    return (
        CareLink.objects.filter(
            status=CareLink.Status.PENDING,
            invited_by=CareLink.InvitedBy.CLINICIAN,
            created_at__gte=timezone.now() - TOKEN_MAX_AGE,
        )
        .filter(mine)
        .select_related("clinician__clinic")
    )


def own_link(person: Person, pk: int) -> CareLink | None:
    """One of this client's sharing links (None when it is not theirs or has ended)."""
    return links_of(person).filter(pk=pk).first()


def invite_clinician(person: Person, email: str, shares: Shares, link_url: str) -> None:
    """A client asks a clinician to see what they share.

    Says nothing back, and the client's page shows the invitation the same way either way:
    the caller gives the same message whether or not a clinician with this address exists
    (or can be invited), so no account can be discovered.
    """
    email = email.strip()
    with transaction.atomic():
        invitation = ClientInvitation.objects.create(person=person, email=email)
        clinician = (
            Membership.objects.filter(role=Role.CLINICIAN, user__email__iexact=email)
            .select_related("clinic", "user")
            .first()
        )
        if clinician is None:
            return
        enrolment = Enrolment.objects.filter(person=person).first()
        if enrolment is not None and enrolment.clinic_id != clinician.clinic_id:
            return
        try:
            with transaction.atomic():
                link = CareLink.objects.create(
                    person=person,
                    clinician=clinician,
                    status=CareLink.Status.PENDING,
                    invited_by=CareLink.InvitedBy.CLIENT,
                    share_measures=shares.measures,
                    share_checkups=shares.checkups,
                )
        except IntegrityError:
            # Already sharing with (or waiting for) this clinician: nothing new to send.
            return
        link.journal_entries.set(_own_entries(person, shares.journal_entries))
        invitation.link = link
        invitation.save(update_fields=["link"])
    name = person.display_name or "A client"
    try:
        _notify_clinician(name, clinician, link_url)
    except EMAIL_ERRORS:
        # The invitation waits on the clinician's page either way; the email is a courtesy,
        # and the client's answer must not differ (no account discovery).
        logger.exception("could not email a clinician about a client's invitation")


def _notify_clinician(name: str, clinician: Membership, link_url: str) -> None:
    send_mail(
        subject=f"{name} invited you to see what they share",
        message=(
            f"{name} asked you to see what they choose to share with you in therapycheck "
            f"at {clinician.clinic.name}.\n\n"
            f"Sign in to accept or decline: {link_url}\n\n"
            "You will see nothing until you accept."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[clinician.user.email],
    )


def change_shares(link: CareLink, shares: Shares) -> None:
    with transaction.atomic():
        link.share_measures = shares.measures
        link.share_checkups = shares.checkups
        link.save(update_fields=["share_measures", "share_checkups"])
        link.journal_entries.set(_own_entries(link.person, shares.journal_entries))


def revoke(link: CareLink) -> None:
    """The client stops sharing (or cancels their invitation): effective at once, because
    clinic/access.py only counts active links."""
    was_active = link.status == CareLink.Status.ACTIVE
    _end(link, CareLink.EndReason.REVOKED)
    if was_active:
        _tell_clinician(link, "stopped sharing with you. You no longer see anything of theirs.")


def accept_invitation(link: CareLink, person: Person, shares: Shares) -> None:
    """The client accepts a clinician's invitation with their share choices.

    Raises InvitationProblem("used") when the link was answered meanwhile, and
    ("other_clinic") when the person is a client of another clinic.
    """
    with transaction.atomic():
        locked = CareLink.objects.select_for_update().get(pk=link.pk)
        if locked.status != CareLink.Status.PENDING:
            raise InvitationProblem("used", locked)
        if other_clinic(person, link) is not None:
            raise InvitationProblem("other_clinic", link)
        Enrolment.objects.get_or_create(person=person, defaults={"clinic": link.clinician.clinic})
        locked.person = person
        locked.status = CareLink.Status.ACTIVE
        locked.accepted_at = timezone.now()
        locked.share_measures = shares.measures
        locked.share_checkups = shares.checkups
        locked.save()
        locked.journal_entries.set(_own_entries(person, shares.journal_entries))
        _tell_clinician(locked, "accepted your invitation. You can now see what they share.")


def decline_invitation(link: CareLink) -> None:
    with transaction.atomic():
        locked = CareLink.objects.select_for_update().get(pk=link.pk)
        if locked.status != CareLink.Status.PENDING:
            raise InvitationProblem("used", locked)
        _end(locked, CareLink.EndReason.DECLINED)
        _tell_clinician(locked, "declined your invitation.")


def already_linked(person: Person, link: CareLink) -> bool:
    """Does this client already share with (or wait for) the inviting clinician?"""
    return (
        CareLink.objects.filter(
            person=person,
            clinician_id=link.clinician_id,
            status__in=(CareLink.Status.PENDING, CareLink.Status.ACTIVE),
        )
        .exclude(pk=link.pk)
        .exists()
    )


# ----------------------------------------------------------------------------- clinician side


def clinician_invites(clinician: Membership, email: str, accept_url_for: Any) -> CareLink:
    """A clinician invites a client by email; a second invitation to the same address is
    sent again on the same link (with a fresh 14 days).

    Raises EmailNotSent (and keeps nothing) when the email cannot be sent.
    """
    email = email.strip()
    try:
        with transaction.atomic():
            return _invite_client(clinician, email, accept_url_for)
    except EMAIL_ERRORS as error:
        logger.exception("could not email a client's invitation")
        raise EmailNotSent from error


def _invite_client(clinician: Membership, email: str, accept_url_for: Any) -> CareLink:
    link = CareLink.objects.filter(
        clinician=clinician,
        invited_by=CareLink.InvitedBy.CLINICIAN,
        status=CareLink.Status.PENDING,
        invite_email__iexact=email,
    ).first()
    if link is None:
        # Nothing shared until the client chooses: the model's defaults are not consent.
        link = CareLink.objects.create(
            clinician=clinician,
            status=CareLink.Status.PENDING,
            invited_by=CareLink.InvitedBy.CLINICIAN,
            invite_email=email,
            share_measures=False,
            share_checkups=False,
        )
    else:
        link.created_at = timezone.now()
        link.save(update_fields=["created_at"])
    url = accept_url_for(make_token(link))
    send_mail(
        subject=f"{clinician.display_name} invited you to share your therapycheck records",
        message=(
            f"{clinician.display_name} at {clinician.clinic.name} invited you to share "
            "your therapycheck records with them.\n\n"
            "You choose what to share, and you can stop sharing at any time. Nothing is "
            "shared until you accept.\n\n"
            f"Open this link to answer (it works for 14 days): {url}\n\n"
            "If you did not expect this email, you can ignore it."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[email],
    )
    return link


def withdraw(clinician: Membership, pk: int) -> CareLink | None:
    """The clinician withdraws an invitation they sent that still waits: its link stops
    working at once."""
    with transaction.atomic():
        link = (
            sent_by(clinician)
            .select_for_update(of=("self",))
            .filter(pk=pk, status=CareLink.Status.PENDING)
            .first()
        )
        if link is not None:
            _end(link, CareLink.EndReason.WITHDRAWN)
    return link


def waiting_for_clinician(clinician: Membership) -> QuerySet[CareLink]:
    return CareLink.objects.filter(
        clinician=clinician,
        invited_by=CareLink.InvitedBy.CLIENT,
        status=CareLink.Status.PENDING,
        person__isnull=False,
    ).select_related("person")


def sent_by(clinician: Membership) -> QuerySet[CareLink]:
    return CareLink.objects.filter(
        clinician=clinician, invited_by=CareLink.InvitedBy.CLINICIAN
    ).select_related("person")


def sent_state(link: CareLink, now: dt.datetime | None = None) -> str:
    """The state of a clinician's invitation in plain words."""
    now = now or timezone.now()
    if link.status == CareLink.Status.ACTIVE:
        return "Accepted: sharing"
    if link.status == CareLink.Status.ENDED:
        if link.ended_reason == CareLink.EndReason.DECLINED:
            return "Declined"
        if link.ended_reason == CareLink.EndReason.REVOKED:
            return "Accepted, then stopped by the client"
        if link.ended_reason == CareLink.EndReason.WITHDRAWN:
            return "Withdrawn by you"
        return "Ended"
    if now - link.created_at > TOKEN_MAX_AGE:
        return "Link expired: invite again to send a new one"
    return "Waiting for an answer"


def clinician_answers(clinician: Membership, pk: int, accept: bool) -> tuple[CareLink, str | None]:
    """The clinician accepts or declines a client's invitation.

    Returns the link and, when accepting is refused, the reason in words.
    """
    with transaction.atomic():
        link = (
            waiting_for_clinician(clinician)
            .select_for_update(of=("self",))
            .select_related("clinician__clinic")
            .get(pk=pk)
        )
        if not accept:
            _end(link, CareLink.EndReason.DECLINED)
            return link, None
        person = link.person
        assert person is not None  # waiting_for_clinician() only holds links with a client
        elsewhere = other_clinic(person, link)
        if elsewhere is not None:
            return link, (
                f"{person} is now a client of another clinic, and a person can be a client "
                "of one clinic only. Nothing was changed."
            )
        Enrolment.objects.get_or_create(person=person, defaults={"clinic": clinician.clinic})
        link.status = CareLink.Status.ACTIVE
        link.accepted_at = timezone.now()
        link.save(update_fields=["status", "accepted_at"])
    return link, None


# ----------------------------------------------------------------------------- helpers


def _own_entries(person: Person | None, entries: Iterable[JournalEntry]) -> list[JournalEntry]:
    # Belt and braces beside the form's queryset: only the client's own entries.
    return [entry for entry in entries if person is not None and entry.person_id == person.pk]


def _tell_clinician(link: CareLink, happened: str) -> None:
    """Tell the clinician, once the change is saved, that a client answered or stopped.

    Only who and what happened, no health information. A failed email is logged and never
    undoes or blocks the client's choice (stopping sharing must always work).
    """
    who = str(link.person) if link.person is not None else "A client"
    recipient = link.clinician.user.email

    def send() -> None:
        try:
            send_mail(
                subject=f"therapycheck: {who} {happened.split('.')[0]}",
                message=f"{who} {happened}\n",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[recipient],
            )
        except EMAIL_ERRORS:
            logger.exception("could not tell a clinician about a sharing change")

    transaction.on_commit(send)


def _end(link: CareLink, reason: str) -> None:
    link.status = CareLink.Status.ENDED
    link.ended_reason = reason
    link.ended_at = timezone.now()
    link.save(update_fields=["status", "ended_reason", "ended_at"])
