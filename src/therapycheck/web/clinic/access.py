"""Who may see which client's what: the one place clinic mode decides it.

The rules (also registered as object permissions in clinic/rules.py):

- a client sees their own record, all of it;
- a clinician sees a client only through an active care link (the client accepted it and
  has not revoked it), and only what that link shares: measures, check-up results, the
  journal entries the client picked;
- a supervisor sees what the clinicians they supervise see, through the same links;
- a clinic admin manages staff and reads the audit log and outcome figures, but sees no
  client record;
- nobody sees anything across clinics.

Every view and API operation asks here; the authorization matrix test
(tests/web/clinic/test_authorization_matrix.py) checks every page and operation for
every persona.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Q, QuerySet

from therapycheck.web.accounts.models import Person
from therapycheck.web.clinic.models import Membership, Role
from therapycheck.web.sharing.models import CareLink
from therapycheck.web.tracking.models import JournalEntry

Shared = Literal["measures", "checkups", "journal"]


def membership_of(user: Any) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.membership  # type: ignore[no-any-return]
    except Membership.DoesNotExist:
        return None


def is_staff_member(user: Any, *roles: str) -> bool:
    member = membership_of(user)
    return member is not None and (not roles or member.role in roles)


def visible_links(user: Any) -> QuerySet[CareLink]:
    """The active care links through which `user` sees clients (none for admins)."""
    member = membership_of(user)
    if member is None or member.role == Role.ADMIN:
        return CareLink.objects.none()
    active = CareLink.objects.filter(status=CareLink.Status.ACTIVE, person__isnull=False)
    if member.role == Role.CLINICIAN:
        return active.filter(clinician=member)
    return active.filter(Q(clinician__supervisor=member) & Q(clinician__clinic_id=member.clinic_id))


def visible_clients(user: Any) -> QuerySet[Person]:
    """The clients `user` may open (each once, however many links lead to them)."""
    return Person.objects.filter(pk__in=visible_links(user).values("person_id")).order_by(
        "display_name", "pk"
    )


def links_to(user: Any, person: Person) -> QuerySet[CareLink]:
    return visible_links(user).filter(person=person)


def can_open(user: Any, person: Person) -> bool:
    """May `user` open this person's record page at all (their own, or through a link)?"""
    if person.user_id is not None and person.user_id == getattr(user, "pk", None):
        return True
    return links_to(user, person).exists()


def can_see(user: Any, person: Person, what: Shared) -> bool:
    """May `user` see this part of the person's record?"""
    if person.user_id is not None and person.user_id == getattr(user, "pk", None):
        return True
    links = links_to(user, person)
    if what == "measures":
        return links.filter(share_measures=True).exists()
    if what == "checkups":
        return links.filter(share_checkups=True).exists()
    return links.filter(journal_entries__isnull=False).exists()


def shared_journal_entries(user: Any, person: Person) -> QuerySet[JournalEntry]:
    """The journal entries of `person` that `user` may read (all of them for the client)."""
    if person.user_id is not None and person.user_id == getattr(user, "pk", None):
        return JournalEntry.objects.filter(person=person)
    return JournalEntry.objects.filter(
        person=person, shared_in__in=links_to(user, person)
    ).distinct()
