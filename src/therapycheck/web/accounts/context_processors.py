"""Template context on every page: the person, their country and the crisis banner."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from therapycheck.core import safety as core_safety
from therapycheck.web.accounts.current import current_person
from therapycheck.web.accounts.safety import banner_response


def person_and_safety(request: HttpRequest) -> dict[str, Any]:
    """`person`, `country` (code and name) and `crisis` (a SafetyResponse, or None)."""
    try:
        person = current_person(request)
    except PermissionDenied:
        return {"person": None, "crisis": None, "country": core_safety.DEFAULT_COUNTRY}
    return {
        "person": person,
        "crisis": banner_response(person),
        "country": person.country,
        "country_name": country_name(person.country),
    }


def country_name(code: str) -> str:
    names = dict(core_safety.countries())
    return names.get(core_safety.normalize_country(code), code)
