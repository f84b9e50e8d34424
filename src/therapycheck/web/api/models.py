"""API tokens: a person or staff member lets a program act for them, with chosen scopes.

Only a SHA-256 hash of each token is stored; the token itself is shown once, when it is
made. The prefix (the part before the secret) is stored in clear so a token can be found
without comparing every hash, and so people can tell their tokens apart in the list.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Scope(models.TextChoices):
    MEASURES_READ = "measures:read", "Read measures"
    MEASURES_WRITE = "measures:write", "Add measures to your own record"
    CHECKUPS_READ = "checkups:read", "Read check-up results"
    CASELOAD_READ = "caseload:read", "Read your caseload (scores, statuses and alerts)"
    REQUESTS_READ = "requests:read", "Read measure requests"
    REQUESTS_WRITE = "requests:write", "Send measure requests"
    FHIR_READ = "fhir:read", "Read records as FHIR R4B"
    BOOKINGS_READ = "bookings:read", "Read your consultation bookings"
    BOOKINGS_WRITE = "bookings:write", "Book, move and cancel consultations"
    AVAILABILITY_READ = "availability:read", "Read your consultation hours"
    AVAILABILITY_WRITE = "availability:write", "Change your consultation hours"


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    # What the person called it ("Clinic EHR", "My spreadsheet").
    name = models.CharField(max_length=100)
    # "tc_" and 8 hex digits: the start of the token, enough to find it and to recognise it.
    prefix = models.CharField(max_length=16, unique=True)
    # SHA-256 of the whole token, hex. A stolen database does not give working tokens.
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return not self.is_revoked and not self.is_expired

    def scope_labels(self) -> list[str]:
        labels = dict(Scope.choices)
        return [str(labels.get(scope, scope)) for scope in self.scopes]
