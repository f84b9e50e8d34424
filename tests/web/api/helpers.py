"""API test helpers: a token for a persona, and the header that sends it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from therapycheck.web.api import tokens


def token_for(user: Any, scopes: Iterable[str] | None = None, days: int = 90) -> str:
    """A working token for `user` with `scopes` (default: all their role allows)."""
    chosen = tokens.allowed_scopes(user) if scopes is None else scopes
    return tokens.create_token(user, "test token", chosen, days).secret


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
