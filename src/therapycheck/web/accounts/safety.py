"""The crisis banner: when it shows, and what it says.

WHAT the safety response is (wording, resources, emergency number) is decided only by
`therapycheck.core.safety`. This module only remembers that a safety signal happened and
whether the person has seen it since: the banner shows on every page from the moment an
answer carries a safety flag until the person acknowledges it, and returns on a new flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from django.db import transaction
from django.utils import timezone

from therapycheck.core import safety as core_safety
from therapycheck.core.safety import SafetyResponse
from therapycheck.web.accounts.models import Person, SafetyEvent


def mark_safety_event(
    person: Person,
    source: str,
    reasons: Iterable[str] = (),
    dangers: Iterable[str] = (),
) -> SafetyEvent:
    """Record that an answer signalled possible acute risk; the banner shows from now on.

    `dangers`: the kinds of danger (core.safety.DANGERS); anything else is left out.
    """
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


def misconduct_found(person: Person) -> bool:
    """Whether the person's latest finished check-up found their therapist's conduct unsafe.

    Then no crisis step, wherever it is shown, may send them to that therapist ("tell a
    professional you trust, like your therapist" becomes "a doctor you trust").
    """
    from therapycheck.core.plan import MISCONDUCT_FACTOR
    from therapycheck.web.checkups.models import Checkup

    latest = (
        Checkup.objects.filter(person=person, status=Checkup.Status.COMPLETED)
        .order_by("-completed_at", "-pk")
        .first()
    )
    result = latest.stored_result() if latest is not None else None
    return result is not None and MISCONDUCT_FACTOR in result.factors()


def banner_response(person: Person) -> SafetyResponse | None:
    """The crisis response to show in the banner, or None when there is nothing to show."""
    event = unacknowledged_event(person)
    if event is None:
        return None
    return response_for(
        person,
        # An event always holds its reasons; the flag covers one saved without them.
        flags=[] if event.reasons else [core_safety.SAFETY_FLAG],
        reasons=event.reasons,
        dangers=event.dangers or (),
    )


def response_for(
    person: Person,
    flags: Iterable[str] = (),
    reasons: Iterable[str] = (),
    dangers: Iterable[str] = (),
    misconduct: bool | None = None,
) -> SafetyResponse:
    """The safety response for given answers, in the person's country, never naming a
    therapist whose conduct the person's latest check-up found unsafe. `dangers`: the kinds
    of danger (core.safety.DANGERS); anything else is left out. `misconduct`: that finding
    when the caller has already looked it up (looked up here otherwise)."""
    return core_safety.safety_response(
        flags=flags,
        reasons=reasons,
        dangers=[d for d in core_safety.DANGERS if d in set(dangers)],
        country=person.country,
        misconduct=misconduct_found(person) if misconduct is None else misconduct,
    )


def acknowledge(person: Person) -> None:
    """The person has seen the crisis resources: hide the banner until a newer event."""
    with transaction.atomic():
        latest = SafetyEvent.objects.filter(person=person).order_by("-pk").first()
        person.crisis_acknowledged_at = timezone.now()
        person.crisis_acknowledged_event_id = latest.pk if latest else None
        person.save(update_fields=["crisis_acknowledged_at", "crisis_acknowledged_event_id"])


# --- contact links: tap to call, tap to text, click to open -------------------------------

# A phone number as the crisis data writes it: "988", "116 123", "1-800-799-7233".
_NUMBER = re.compile(r"\d[\d\s-]*\d|\d")
# "text SHOUT to": the word to send (RFC 5724 puts it in the message body).
_KEYWORD = re.compile(r"\btext\s+(\S+)\s+to\b", re.IGNORECASE)


@dataclass(frozen=True)
class ContactLink:
    """One way to act on a resource: `tel:`, `sms:` or an ordinary web link."""

    href: str
    text: str
    kind: Literal["tel", "sms", "web"]
    # The number as written ("116 123"), for a link inside a sentence: "call 116 123".
    number: str = ""


def _field(resource: object, name: str) -> str:
    """A resource's field, whether it is a CrisisResource, a stored one or a plain dict."""
    value = resource.get(name) if isinstance(resource, Mapping) else getattr(resource, name, "")
    return str(value or "")


def number_links(text: str) -> list[ContactLink]:
    """`tel:` links for every phone number in `text` ("112 or 999" gives two)."""
    out = []
    for number in _NUMBER.findall(text):
        digits = re.sub(r"\D", "", number)
        written = number.strip()
        out.append(ContactLink(f"tel:{digits}", f"Call {written}", "tel", written))
    return out


def contact_links(resource: object) -> list[ContactLink]:
    """The links a person can tap for one crisis resource, in the order the data says.

    "call" gives `tel:`, "text" gives `sms:` (with the keyword as the message when the
    line asks for one), a website resource gives its address. The digits come from the
    core's `contact`; nothing here changes the core's data.
    """
    how = _field(resource, "how").lower()
    contact = _field(resource, "contact")
    url = _field(resource, "url")
    if _field(resource, "kind") == "web" or "website" in how:
        return [ContactLink(href=url, text=contact, kind="web")] if url else []
    links: list[ContactLink] = []
    if "call" in how:
        links.extend(number_links(contact))
    if "text" in how:
        keyword = _KEYWORD.search(how)
        for number in _NUMBER.findall(contact):
            digits = re.sub(r"\D", "", number)
            if keyword:
                word = keyword.group(1).upper()
                href, label = f"sms:{digits}?body={word}", f"Text {word} to {number.strip()}"
            else:
                href, label = f"sms:{digits}", f"Text {number.strip()}"
            links.append(ContactLink(href=href, text=label, kind="sms", number=number.strip()))
    return links
