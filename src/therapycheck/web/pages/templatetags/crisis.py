"""Crisis help a person can act on: tap to call, tap to text, click to open.

The wording and the numbers are the core's (`therapycheck.core.safety`); these only turn
them into links and re-make a stored check-up's response for the person's country now.
"""

from __future__ import annotations

from django import template

from therapycheck.core.safety import CrisisResource, SafetyResponse
from therapycheck.web.accounts import safety as web_safety

register = template.Library()


@register.filter
def contact_links(resource: object) -> list[web_safety.ContactLink]:
    """`tel:`, `sms:` or web links for one crisis resource."""
    return web_safety.contact_links(resource)


@register.filter
def call_links(number: object) -> list[web_safety.ContactLink]:
    """`tel:` links for a number such as "999" or "112 or 999" (none for plain words)."""
    return web_safety.number_links(str(number or ""))


@register.filter
def lowerfirst(text: object) -> str:
    """ "Text SHOUT to 85258" -> "text SHOUT to 85258", for a link inside a sentence."""
    value = str(text or "")
    return value[:1].lower() + value[1:]


@register.filter
def helpline(response: SafetyResponse) -> CrisisResource | None:
    """The first phone or text line of a response (None when the country has none on file)."""
    return next((r for r in response.resources if r.kind in ("crisis_line", "text")), None)
