"""Home, help-now, learn and settings pages, plus friendly error pages."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from therapycheck.core import change as core_change
from therapycheck.core import safety as core_safety
from therapycheck.web.accounts.current import current_person
from therapycheck.web.accounts.safety import banner_response
from therapycheck.web.pages.forms import SettingsForm
from therapycheck.web.pages.learn import LEARN_PAGES, learn_page_or_none


def home(request: HttpRequest) -> HttpResponse:
    if settings.THERAPYCHECK_MODE == "clinic" and hasattr(request.user, "membership"):
        return redirect("clinic:home")
    asked = None
    if settings.THERAPYCHECK_MODE == "clinic":
        from therapycheck.web.reviews.services import open_checkup_invitation

        asked = open_checkup_invitation(current_person(request))
    return render(request, "pages/home.html", {"checkup_asked": asked})


@login_not_required
def help_now(request: HttpRequest) -> HttpResponse:
    # Open to everyone in clinic mode too: someone in crisis must not meet a sign-in form.
    try:
        person = current_person(request)
    except PermissionDenied:
        person = None
    # Always the full resource list; the crisis wording while a signal is unacknowledged
    # (then this page shows it in full, so the banner is not repeated above it).
    if person is None:
        response = core_safety.safety_response(country=settings.THERAPYCHECK_COUNTRY)
    else:
        response = banner_response(person) or core_safety.safety_response(country=person.country)
    return render(
        request,
        "pages/help.html",
        # The country prompt comes right after the emergency number here.
        {
            "response": response,
            "page_shows_safety": response.crisis,
            "country_prompt_in_page": True,
        },
    )


def settings_view(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    if request.method == "POST":
        form = SettingsForm(request.POST)
        if form.is_valid():
            person.country = form.cleaned_data["country"]
            # "Other country" is a choice too: stop asking on every page.
            person.country_chosen = True
            person.save(update_fields=["country", "country_chosen"])
            messages.success(request, "Saved. Crisis resources now show for your country.")
            return HttpResponseRedirect(_next_or(request, reverse("pages:settings"), request.POST))
    else:
        form = SettingsForm(initial={"country": core_safety.normalize_country(person.country)})
    # Sent here by the country question on another page: go back there after saving.
    next_url = _next_or(request, "", request.POST if request.method == "POST" else request.GET)
    return render(request, "pages/settings.html", {"form": form, "next_url": next_url})


def _next_or(request: HttpRequest, default: str, data: QueryDict) -> str:
    """The page the country question was sent from, when it is one of ours."""
    target = str(data.get("next", ""))
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target.startswith("/") and safe else default


@login_not_required
def learn_index(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/learn/index.html", {"pages": LEARN_PAGES})


@login_not_required
def learn_page(request: HttpRequest, slug: str) -> HttpResponse:
    page = learn_page_or_none(slug)
    if page is None:
        raise Http404("No such page")
    # The session counts the progress status uses (core.change), so the page says what the
    # app does: one figure, in one place.
    counts = {
        "min_sessions_to_judge": core_change.MIN_SESSIONS_TO_JUDGE,
        "review_after_sessions": core_change.REVIEW_AFTER_SESSIONS,
    }
    return render(request, page.template, {"page": page, "pages": LEARN_PAGES, **counts})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors here: the database itself may be what failed.
    return HttpResponse(loader.get_template("500.html").render(), status=500)
