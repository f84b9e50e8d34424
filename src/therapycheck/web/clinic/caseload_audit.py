"""The caseload shows each listed client's latest scores and alerts: one audit event each.

Written in one INSERT (bulk_create) so the caseload never runs a query per client; the
events carry what audit.log.record would write (AuditEvent.save is bypassed only because
bulk_create never updates: the log stays append-only).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest

from therapycheck.web.accounts.models import Person
from therapycheck.web.audit.log import actor_label
from therapycheck.web.audit.models import AuditEvent
from therapycheck.web.clinic.access import membership_of

WHAT = "Caseload: latest scores, status and alerts"


def record_caseload_view(request: HttpRequest, people: Sequence[Person]) -> None:
    if not people:
        return
    user = request.user
    member = membership_of(user)
    label = actor_label(user)[:200]
    via = f"{request.method} {request.path}"[:300]
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=user if user.is_authenticated else None,
            actor_label=label,
            clinic_id=member.clinic_id if member is not None else None,
            person_id=person.pk,
            action=AuditEvent.Action.VIEW,
            what=WHAT,
            via=via,
        )
        for person in people
    )
