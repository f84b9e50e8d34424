"""Template context on every page: the person, their country and the crisis banner."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse

from therapycheck.core import safety as core_safety
from therapycheck.web.accounts.current import current_person
from therapycheck.web.accounts.safety import banner_response, number_links


def person_and_safety(request: HttpRequest) -> dict[str, Any]:
    """`person`, `country` (code and name), `crisis` (a SafetyResponse, or None), and
    `ask_country` with `country_choices` while we do not know where the person lives,
    else `emergency_links` (tap to call the emergency number, for the page header)."""
    if settings.THERAPYCHECK_MODE == "clinic" and _is_staff(request):
        # Staff keep no record of their own here: no person, no "where do you live?".
        return {"person": None, "crisis": None, "country": core_safety.DEFAULT_COUNTRY}
    try:
        person = current_person(request)
    except PermissionDenied:
        return {"person": None, "crisis": None, "country": core_safety.DEFAULT_COUNTRY}
    code = core_safety.normalize_country(person.country)
    unknown = code == core_safety.DEFAULT_COUNTRY
    chosen = person.country_chosen
    on_settings = request.path == reverse("pages:settings")
    ask = unknown and not chosen and not on_settings
    emergency = core_safety.safety_response(country=code).emergency_number
    return {
        "person": person,
        "crisis": banner_response(person),
        "country": code,
        "country_name": country_name(person.country),
        "ask_country": ask,
        "country_choices": core_safety.countries() if ask else [],
        "emergency_links": [] if unknown else number_links(emergency),
    }


def _is_staff(request: HttpRequest) -> bool:
    from therapycheck.web.clinic.access import membership_of

    return membership_of(getattr(request, "user", None)) is not None


def country_name(code: str) -> str:
    names = dict(core_safety.countries())
    return names.get(core_safety.normalize_country(code), code)
