"""Acknowledging the crisis banner (POST only, CSRF-protected)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from therapycheck.web.accounts.current import current_person
from therapycheck.web.accounts.safety import acknowledge


@require_POST
def acknowledge_crisis(request: HttpRequest) -> HttpResponse:
    acknowledge(current_person(request))
    return HttpResponseRedirect(safe_next(request, reverse("pages:home")))


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` URL if it points back into this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
