"""Writing to the audit log: `record(request or user, person, action, what)`.

Views and API operations call this whenever someone other than the client sees or changes
a client's record. A client looking at their own record is not logged (it is theirs).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from therapycheck.web.accounts.models import Person
from therapycheck.web.audit.models import AuditEvent


def actor_label(user: Any) -> str:
    membership = getattr(user, "membership", None) if user is not None else None
    if membership is not None:
        return f"{membership.display_name} ({membership.get_role_display()})"
    if user is None or not getattr(user, "is_authenticated", False):
        return "Someone not signed in"
    return str(getattr(user, "email", "") or f"user {user.pk}")


def record(
    request: HttpRequest | None,
    person: Person | None,
    action: str,
    what: str,
    *,
    user: Any = None,
    via: str = "",
) -> AuditEvent | None:
    """Log one view or change of `person`'s record; None when the actor is the client."""
    actor = user if user is not None else getattr(request, "user", None)
    if person is not None and actor is not None and person.user_id == getattr(actor, "pk", None):
        return None
    membership = getattr(actor, "membership", None) if actor is not None else None
    if not via and request is not None:
        via = f"{request.method} {request.path}"[:300]
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label(actor)[:200],
        clinic_id=membership.clinic_id if membership is not None else None,
        person_id=person.pk if person is not None else None,
        action=action,
        what=what[:200],
        via=via,
    )
