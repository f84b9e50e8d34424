"""Clinic pages: where a signed-in user lands, the caseload, a client's record."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from therapycheck.web.clinic.access import membership_of


def home(request: HttpRequest) -> HttpResponse:
    """After sign-in: staff to their clinic page, clients to their own record."""
    member = membership_of(request.user)
    if member is None:
        return redirect("pages:home")
    if member.is_admin:
        return redirect("clinic:admin_home")
    return redirect("clinic:caseload")
