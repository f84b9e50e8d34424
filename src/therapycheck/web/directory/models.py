"""A clinician's public profile in the specialists' directory.

One profile per clinician (a clinic Membership with the clinician role). The clinician
writes it; a clinic admin of the same clinic checks the licence and marks it verified, and
the badge says exactly what was checked, by which clinic, on which day. Changing the
licence details clears the verification, so the badge is never about other details.

`search_text` and `facets` are derived on every save: the words the full-text search
looks in (kept in the SQLite FTS5 table by triggers, see search.py) and one token per
chosen filter value (" approach:cbt concern:trauma "), so the directory filters lists the
same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

from django.db import models

from therapycheck.web.clinic.models import Membership
from therapycheck.web.directory import choices as c

STATEMENT_MAX = 1500


class SpecialistProfile(models.Model):
    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="specialist_profile"
    )
    profession = models.CharField(max_length=100)
    licence_type = models.CharField(max_length=100, blank=True)
    licence_number = models.CharField(max_length=60, blank=True)
    licence_jurisdiction = models.CharField(max_length=100, blank=True)
    verified_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_what = models.CharField(max_length=32, choices=c.Checked.choices, blank=True)
    approaches = models.JSONField(default=list, blank=True)
    concerns = models.JSONField(default=list, blank=True)
    populations = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    # How the specialist describes themself, only if they choose to (choices.IDENTITY_PHRASES).
    identities = models.JSONField(default=list, blank=True)
    format = models.CharField(max_length=16, choices=c.Format.choices, default=c.Format.ONLINE)
    location = models.CharField(max_length=120, blank=True)
    fee_per_session = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, choices=c.CURRENCY_CHOICES, default="GBP")
    sliding_scale = models.BooleanField(default=False)
    insurance = models.CharField(max_length=300, blank=True)
    accepting_new_clients = models.BooleanField(default=True)
    offers_free_consultation = models.BooleanField(default=True)
    photo = models.FileField(upload_to="directory/photos/", blank=True, max_length=200)
    statement = models.TextField(max_length=STATEMENT_MAX, blank=True)
    published = models.BooleanField(default=False)
    search_text = models.TextField(blank=True, editable=False)
    facets = models.TextField(blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("membership__display_name", "pk")

    def __str__(self) -> str:
        return f"Profile of {self.membership.display_name}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.search_text = self.build_search_text()
        self.facets = self.build_facets()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text", "facets"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def build_search_text(self) -> str:
        member = self.membership
        parts = [
            member.display_name,
            member.clinic.name,
            self.profession,
            self.licence_type,
            self.location,
            self.insurance,
            self.statement,
            *c.labels(c.approach_choices(), self.approaches),
            *c.labels(c.concern_choices(), self.concerns),
            *c.labels(c.POPULATION_CHOICES, self.populations),
            *c.labels(c.LANGUAGE_CHOICES, self.languages),
            *c.labels(c.identity_choices(), self.identities),
        ]
        return "\n".join(p for p in parts if p)

    def build_facets(self) -> str:
        tokens = [
            *(f"approach:{v}" for v in self.approaches),
            *(f"concern:{v}" for v in self.concerns),
            *(f"population:{v}" for v in self.populations),
            *(f"language:{v}" for v in self.languages),
        ]
        return f" {' '.join(tokens)} " if tokens else ""

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None and bool(self.verified_what)

    @property
    def verification_badge(self) -> str:
        """ "Licence checked by Riverside Demo Clinic on 5 December 2026"; empty if not."""
        from django.utils import timezone

        from therapycheck.web.pages.templatetags.dates import long_date

        if not self.is_verified or self.verified_at is None:
            return ""
        what = c.Checked(self.verified_what).label
        when = long_date(timezone.localtime(self.verified_at))
        return f"{what} checked by {self.membership.clinic.name} on {when}"

    def approach_labels(self) -> list[str]:
        return c.labels(c.approach_choices(), self.approaches)

    def concern_labels(self) -> list[str]:
        return c.labels(c.concern_choices(), self.concerns)

    def population_labels(self) -> list[str]:
        return c.labels(c.POPULATION_CHOICES, self.populations)

    def language_labels(self) -> list[str]:
        return c.labels(c.LANGUAGE_CHOICES, self.languages)

    def identity_phrases(self) -> list[str]:
        return c.labels(c.IDENTITY_PHRASES, self.identities)

    @property
    def fee_text(self) -> str:
        if self.fee_per_session is None:
            return "Ask about fees"
        symbol = c.CURRENCY_SYMBOLS.get(self.currency, self.currency + " ")
        amount = self.fee_per_session
        shown = f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"
        return f"{symbol}{shown} per session"
