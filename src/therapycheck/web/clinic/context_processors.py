"""Template context in clinic mode: the mode, the staff member (if any) and the clinic."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from therapycheck.web.clinic.access import membership_of


def clinic(request: HttpRequest) -> dict[str, Any]:
    if settings.THERAPYCHECK_MODE != "clinic":
        return {"clinic_mode": False}
    member = membership_of(getattr(request, "user", None))
    name = member.clinic.name if member is not None else None
    if name is None:
        person = getattr(getattr(request, "user", None), "person", None)
        enrolment = getattr(person, "enrolment", None) if person is not None else None
        name = enrolment.clinic.name if enrolment is not None else None
    return {
        "clinic_mode": True,
        "staff_member": member,
        "clinic_name": name,
        "demo_clinic": settings.THERAPYCHECK_DEMO or (member is not None and member.clinic.is_demo),
    }
