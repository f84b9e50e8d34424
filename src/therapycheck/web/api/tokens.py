"""Making, finding and revoking API tokens, and which scopes each role may hold.

A token reads `tc_<8 hex digits>_<secret>`. The 8 hex digits are the stored prefix (how a
token is found); the whole token is hashed with SHA-256 and compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from therapycheck.web.api.models import ApiToken, Scope
from therapycheck.web.clinic.access import membership_of
from therapycheck.web.clinic.models import Role

TOKEN_START = "tc_"
_PREFIX_HEX = 8
# How long a new token may live, in days; the form offers these.
LIFETIMES = (30, 90, 365)
DEFAULT_LIFETIME = 90
# Enough for several programs; a person with more has probably forgotten old ones.
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most this often, so reading through the API is not a write
# per request.
_LAST_USED_EVERY = dt.timedelta(minutes=1)

# The free consultation (booking_api.py, availability_api.py), by these names there.
BOOKINGS_READ = Scope.BOOKINGS_READ
BOOKINGS_WRITE = Scope.BOOKINGS_WRITE
AVAILABILITY_READ = Scope.AVAILABILITY_READ
AVAILABILITY_WRITE = Scope.AVAILABILITY_WRITE

# A client's measure requests reach them as a signed link; the API's requests are staff's.
# A client books, moves and cancels their own consultations.
CLIENT_SCOPES: tuple[str, ...] = (
    Scope.MEASURES_READ,
    Scope.MEASURES_WRITE,
    Scope.CHECKUPS_READ,
    Scope.FHIR_READ,
    Scope.BOOKINGS_READ,
    Scope.BOOKINGS_WRITE,
)
# What each staff role may hold. Staff have no record of their own to write to; a clinic
# admin sees no client record, so only the FHIR directory (Practitioner, Questionnaire).
ROLE_SCOPES: dict[str, tuple[str, ...]] = {
    Role.CLINICIAN: (
        Scope.MEASURES_READ,
        Scope.CHECKUPS_READ,
        Scope.CASELOAD_READ,
        Scope.REQUESTS_READ,
        Scope.REQUESTS_WRITE,
        Scope.FHIR_READ,
        # Only clinicians offer consultations: they read theirs and move them (never book
        # one: booking_api.py), and set their own hours.
        Scope.BOOKINGS_READ,
        Scope.BOOKINGS_WRITE,
        Scope.AVAILABILITY_READ,
        Scope.AVAILABILITY_WRITE,
    ),
    # A supervisor may ask their supervisees' clients too (measurerequests.services).
    Role.SUPERVISOR: (
        Scope.MEASURES_READ,
        Scope.CHECKUPS_READ,
        Scope.CASELOAD_READ,
        Scope.REQUESTS_READ,
        Scope.REQUESTS_WRITE,
        Scope.FHIR_READ,
    ),
    Role.ADMIN: (Scope.FHIR_READ,),
}


class TokenRejected(Exception):
    """The token is missing, unknown, revoked or expired (HTTP 401)."""


class ScopeDenied(Exception):
    """The token is valid but does not carry the scope this operation needs (HTTP 403)."""

    def __init__(self, scope: str) -> None:
        scope = str(scope)
        super().__init__(
            f"This token does not have the {scope} scope, or your role may not use it. "
            "Make a token with that scope on the API tokens page."
        )
        self.scope = scope


class TooManyTokens(ValueError):
    pass


def allowed_scopes(user: Any) -> tuple[str, ...]:
    """The scopes `user`'s role allows, in the order of Scope."""
    member = membership_of(user)
    if member is None:
        return CLIENT_SCOPES
    return ROLE_SCOPES.get(member.role, ())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    # The whole token: shown once, never stored.
    secret: str


def create_token(user: Any, name: str, scopes: Iterable[str], lifetime_days: int) -> NewToken:
    """Make a token for `user` with the scopes their role allows; returns it with its secret."""
    allowed = allowed_scopes(user)
    chosen = [scope for scope in allowed if scope in set(scopes)]
    if not chosen:
        raise ValueError("Choose at least one thing this token may do.")
    if lifetime_days not in LIFETIMES:
        raise ValueError(f"A token lasts {', '.join(map(str, LIFETIMES))} days.")
    if active_tokens(user).count() >= MAX_ACTIVE_TOKENS:
        raise TooManyTokens(
            f"You have {MAX_ACTIVE_TOKENS} active tokens. Revoke one you no longer use first."
        )
    now = timezone.now()
    for _attempt in range(5):
        prefix = TOKEN_START + secrets.token_hex(_PREFIX_HEX // 2)
        secret = f"{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user,
                    name=name.strip()[:100],
                    prefix=prefix,
                    secret_hash=_hash(secret),
                    scopes=chosen,
                    created_at=now,
                    expires_at=now + dt.timedelta(days=lifetime_days),
                )
        except IntegrityError:
            continue  # the prefix was taken (1 in 4 billion): draw another
        return NewToken(token=token, secret=secret)
    raise RuntimeError("could not draw an unused token prefix")


def tokens_of(user: Any) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user))


def active_tokens(user: Any) -> Any:
    return ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def revoke(user: Any, token_id: int) -> ApiToken | None:
    """Revoke one of `user`'s own tokens; None when they have no such token."""
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def authenticate(raw: str) -> ApiToken:
    """The active token `raw` stands for; TokenRejected says why not, in plain words."""
    raw = raw.strip()
    prefix_end = len(TOKEN_START) + _PREFIX_HEX
    if not raw.startswith(TOKEN_START) or raw[prefix_end : prefix_end + 1] != "_":
        raise TokenRejected("This is not a therapycheck API token (they start with tc_).")
    token = ApiToken.objects.select_related("user").filter(prefix=raw[:prefix_end]).first()
    # Compare hashes in constant time, and even when no token has this prefix, so the
    # answer time does not tell whether a prefix exists.
    expected = token.secret_hash if token is not None else _hash("")
    if not hmac.compare_digest(expected, _hash(raw)) or token is None:
        raise TokenRejected("This API token is not valid.")
    if token.revoked_at is not None:
        raise TokenRejected("This API token was revoked. Make a new one on the API tokens page.")
    now = timezone.now()
    if token.expires_at <= now:
        raise TokenRejected("This API token has expired. Make a new one on the API tokens page.")
    if not token.user.is_active:
        raise TokenRejected("The account this API token belongs to is not active.")
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def require_scope(token: ApiToken, scope: str) -> None:
    """Raise ScopeDenied unless the token carries `scope` and the owner's role allows it now
    (a role can change after a token was made)."""
    if scope not in (token.scopes or []) or scope not in allowed_scopes(token.user):
        raise ScopeDenied(scope)
