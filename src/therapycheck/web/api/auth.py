"""Bearer-token authentication for the API (django-ninja) and the FHIR views.

`TokenAuth("measures:read")` on an operation: no token or a bad one -> 401, a good token
without that scope -> 403; both answered as JSON by the handlers in api.py. The views then
find the token's owner in `request.auth`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from therapycheck.web.api import tokens
from therapycheck.web.api.models import ApiToken


class TokenAuth(HttpBearer):
    def __init__(self, scope: str | None = None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = tokens.authenticate(token)
        if self.scope is not None:
            tokens.require_scope(found, self.scope)
        # The request acts for the token's owner: the audit log names them.
        request.user = found.user
        return found


def bearer_token(request: HttpRequest) -> str | None:
    """The token in `Authorization: Bearer ...`, or None when there is none."""
    value = request.headers.get("Authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_user(request: HttpRequest) -> Any:
    """The owner of the token that authenticated this request (set by TokenAuth)."""
    auth: ApiToken = request.auth  # type: ignore[attr-defined]
    return auth.user
