"""The crisis banner: when it shows, and what it says.

WHAT the safety response is (wording, resources, emergency number) is decided only by
`therapycheck.core.safety`. This module only remembers that a safety signal happened and
whether the person has seen it since: the banner shows on every page from the moment an
answer carries a safety flag until the person acknowledges it, and returns on a new flag.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from therapycheck.core import safety as core_safety
from therapycheck.core.safety import Danger, SafetyResponse
from therapycheck.web.accounts.models import Person, SafetyEvent


def mark_safety_event(
    person: Person,
    source: str,
    reasons: Iterable[str] = (),
    dangers: Iterable[Danger] = (),
) -> SafetyEvent:
    """Record that an answer signalled possible acute risk; the banner shows from now on."""
    return SafetyEvent.objects.create(
        person=person,
        source=source[:64],
        reasons=[str(r) for r in reasons if r],
        dangers=[d for d in core_safety.DANGERS if d in set(dangers)],
    )


def unacknowledged_event(person: Person) -> SafetyEvent | None:
    """The newest safety event the person has not acknowledged yet, if any."""
    events = SafetyEvent.objects.filter(person=person)
    if person.crisis_acknowledged_event_id is not None:
        events = events.filter(pk__gt=person.crisis_acknowledged_event_id)
    return events.order_by("-pk").first()


def banner_response(person: Person) -> SafetyResponse | None:
    """The crisis response to show in the banner, or None when there is nothing to show."""
    event = unacknowledged_event(person)
    if event is None:
        return None
    dangers = [d for d in core_safety.DANGERS if d in (event.dangers or ())]
    return core_safety.safety_response(
        # An event always holds its reasons; the flag covers one saved without them.
        flags=[] if event.reasons else [core_safety.SAFETY_FLAG],
        reasons=event.reasons,
        dangers=dangers,
        country=person.country,
    )


def response_for(
    person: Person, flags: Iterable[str] = (), reasons: Iterable[str] = ()
) -> SafetyResponse:
    """The safety response for given answers, in the person's country."""
    return core_safety.safety_response(flags=flags, reasons=reasons, country=person.country)


def acknowledge(person: Person) -> None:
    """The person has seen the crisis resources: hide the banner until a newer event."""
    with transaction.atomic():
        latest = SafetyEvent.objects.filter(person=person).order_by("-pk").first()
        person.crisis_acknowledged_at = timezone.now()
        person.crisis_acknowledged_event_id = latest.pk if latest else None
        person.save(update_fields=["crisis_acknowledged_at", "crisis_acknowledged_event_id"])
