"""How django-allauth behaves in clinic mode (settings.ACCOUNT_ADAPTER).

Nobody signs up on their own: an account is made for a person the clinic invited (the
invitation page puts the invitation in the session under INVITATION_SESSION_KEY before
sending them to sign up), for staff by the clinic admin (staff page), or by anyone in a
demo clinic, which holds only made-up people. Email goes through Django's email backend
(EMAIL_URL), as allauth does by default; the sender is DEFAULT_FROM_EMAIL.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

# Set by the invitation view (sharing) when a person opens a valid invitation link.
INVITATION_SESSION_KEY = "therapycheck_invitation"


def signup_allowed(request: HttpRequest) -> bool:
    """Sign-up is open in a demo clinic, or to someone holding a pending invitation."""
    if getattr(settings, "THERAPYCHECK_DEMO", False):
        return True
    session = getattr(request, "session", None)
    return bool(session is not None and session.get(INVITATION_SESSION_KEY))


class ClinicAccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return signup_allowed(request)

    def get_from_email(self) -> str:
        return str(settings.DEFAULT_FROM_EMAIL)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """A paused account (django-axes) gets the locked-out page, not a form error.

        allauth's own rate limit (5 failures per address in 5 minutes) would otherwise
        answer first with a bare "too many attempts" and hide that the account is paused
        and for how long. Checked before allauth's limit; both stay on.
        """
        from axes.handlers.proxy import AxesProxyHandler

        if AxesProxyHandler.is_locked(request, credentials):
            # AxesMiddleware swaps the response for clinic/locked_out.html.
            request.axes_locked_out = True  # type: ignore[attr-defined]
            raise self.validation_error("too_many_login_attempts")
        super().pre_authenticate(request, **credentials)


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The account a sign-in try is for (settings.AXES_USERNAME_CALLABLE).

    allauth hands the backends `email=...`, not the form's `login` field, so django-axes
    would otherwise count every try from one address against one nameless account and
    lock everybody out together. Lower-cased: "Ada@x.org" and "ada@x.org" are one account.
    """
    for key in ("email", "login", "username"):
        value = (credentials or {}).get(key)
        if value:
            return str(value).strip().lower()
    posted = request.POST.get("login", "") if request.method == "POST" else ""
    return str(posted).strip().lower()
