"""Which Person a request acts for."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from therapycheck.web.accounts.models import PERSONAL_KEY, Person

_CACHE_ATTR = "_therapycheck_person"


def current_person(request: HttpRequest) -> Person:
    """The person this request belongs to (cached on the request).

    Personal mode: the one person of this installation, created on first use.
    Clinic mode: the person linked to the signed-in user; anonymous requests are refused.
    """
    cached = getattr(request, _CACHE_ATTR, None)
    if isinstance(cached, Person):
        return cached
    if settings.THERAPYCHECK_MODE == "personal":
        person = personal_person()
    else:
        person = _clinic_person(request)
    setattr(request, _CACHE_ATTR, person)
    return person


def personal_person() -> Person:
    existing = Person.objects.filter(key=PERSONAL_KEY).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Person.objects.create(key=PERSONAL_KEY, country=settings.THERAPYCHECK_COUNTRY)
    except IntegrityError:
        # Another request created it between our read and our write.
        return Person.objects.get(key=PERSONAL_KEY)


def _clinic_person(request: HttpRequest) -> Person:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Please sign in.")
    if hasattr(user, "membership"):
        # Clinicians, supervisors and admins keep no personal record in a clinic: their
        # pages are the clinic's (a clinician in therapy uses their own account elsewhere).
        raise PermissionDenied("Staff accounts have no personal record here.")
    person, _ = Person.objects.get_or_create(
        user=user,
        defaults={"key": f"user-{user.pk}", "country": settings.THERAPYCHECK_COUNTRY},
    )
    return person
