"""Two-factor sign-in is required for everyone who can see other people's records.

A clinician, supervisor or clinic admin without an authenticator app set up is sent to set
one up (allauth.mfa) before any other page; signing out and the set-up pages stay open.
Once set up, allauth asks for a code at every sign-in.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from therapycheck.web.clinic.access import membership_of

# Paths a staff member without two-factor sign-in may still open.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/help/")


class RequireStaffMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._needs_mfa_setup(request):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _needs_mfa_setup(request: HttpRequest) -> bool:
        if settings.THERAPYCHECK_MODE != "clinic":
            return False
        if request.path.startswith(_OPEN_PREFIXES):
            return False
        user = getattr(request, "user", None)
        if membership_of(user) is None:
            return False
        return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
