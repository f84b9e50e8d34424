"""Recording reviews and agreements, and asking a client to do the check-up."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from therapycheck.core.instruments import get_instrument
from therapycheck.web.accounts.models import Person
from therapycheck.web.checkups.models import Checkup
from therapycheck.web.clinic.models import Membership
from therapycheck.web.reviews.models import Agreement, CheckupInvitation, Review


def record_review(
    person: Person,
    member: Membership,
    changes: dict[str, str],
    review_on: datetime.date,
    checkup: Checkup | None,
) -> Review:
    return Review.objects.create(
        person=person,
        clinician=member,
        clinician_name=member.display_name,
        changes=changes,
        review_on=review_on,
        checkup=checkup,
    )


class NoEmailError(ValueError):
    """The client has no email address to send the check-up to."""


def send_checkup(person: Person, member: Membership, checkup_url: str) -> CheckupInvitation:
    """Email the client a link to the check-up; recorded only if the email went out."""
    user = person.user
    email = getattr(user, "email", "") if user is not None else ""
    if not email:
        raise NoEmailError("This client has no email address in their account.")
    body = (
        f"Hello {person.display_name or ''},\n\n".replace(" ,", ",")
        + f"{member.display_name} at {member.clinic.name} asks you to do the therapycheck "
        "check-up: questions about how therapy is going for you. You decide what you "
        "share with your clinician on your Sharing page.\n\n"
        f"Start it here (sign in first): {checkup_url}\n\n"
        "If you are in danger right now, call your local emergency number.\n"
    )
    with transaction.atomic():
        invitation = CheckupInvitation.objects.create(person=person, sent_by=member)
        send_mail(
            "Your clinician asks you to do the check-up",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [email],
        )
    return invitation


def save_agreement(agreement: Agreement, person: Person, member: Membership) -> Agreement:
    agreement.person = person
    agreement.updated_by = member
    agreement.updated_by_name = member.display_name
    agreement.save()
    return agreement


def measure_names(ids: list[str]) -> list[str]:
    names = []
    for instrument_id in ids:
        try:
            names.append(get_instrument(instrument_id).short_name)
        except (KeyError, ValueError):
            names.append(instrument_id)
    return names


def open_checkup_invitation(person: Person) -> CheckupInvitation | None:
    """The latest request to do the check-up, while no check-up was finished after it."""
    from therapycheck.web.checkups.models import Checkup

    invitation = CheckupInvitation.objects.filter(person=person).select_related("sent_by").first()
    if invitation is None:
        return None
    done_since = Checkup.objects.filter(
        person=person, status=Checkup.Status.COMPLETED, completed_at__gte=invitation.sent_at
    ).exists()
    return None if done_since else invitation
