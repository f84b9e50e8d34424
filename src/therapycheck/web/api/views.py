"""The API tokens page: make a token (its secret shown once), see them, revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from therapycheck.web.api import tokens
from therapycheck.web.api.forms import TokenForm
from therapycheck.web.api.models import Scope


def _page(
    request: HttpRequest, form: TokenForm, new: tokens.NewToken | None = None, status: int = 200
) -> HttpResponse:
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "new": new,
            "tokens": tokens.tokens_of(request.user),
            "allowed": bool(tokens.allowed_scopes(request.user)),
            "can_write": Scope.MEASURES_WRITE in tokens.allowed_scopes(request.user),
        },
        status=status,
    )
    # The page may hold a token's secret: never keep it in a cache or the browser history.
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = TokenForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                new = tokens.create_token(
                    request.user,
                    form.cleaned_data["name"],
                    form.cleaned_data["scopes"],
                    form.cleaned_data["lifetime"],
                )
            except ValueError as exc:
                form.add_error(None, str(exc))
            else:
                # Shown on this response only; a reload shows the list without it.
                return _page(request, TokenForm(user=request.user), new, status=201)
        return _page(request, form, status=400)
    return _page(request, TokenForm(user=request.user))


@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = tokens.revoke(request.user, pk)
    if token is None:
        raise Http404("No such token.")
    messages.success(request, f"Token “{token.name}” is revoked. It no longer works.")
    return redirect("api:tokens")
